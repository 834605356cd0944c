// Launch-command building, the importability probe (run against real interpreters), and the
// message a user sees when isolint cannot start.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  LaunchError,
  LaunchInputs,
  ServerCommand,
  buildServerCommand,
  interpretProbe,
  pipInstallCommand,
  probeCommand,
  problemMessage,
  shellQuote,
} from '../src/launch';
import { LaunchSettings } from '../src/settings';

function launch(settings: Partial<LaunchSettings>, extra: Partial<LaunchInputs> = {}): LaunchInputs {
  return {
    settings: {
      interpreter: [], path: [], importStrategy: 'fromEnvironment', logLevel: 'warning',
      origin: { interpreter: 'default', path: 'default' }, ...settings,
    },
    variables: { workspaceFolder: '/repo', userHome: '/home/ada', env: {} },
    exists: () => false,
    platform: 'linux',
    ...extra,
  };
}

describe('buildServerCommand', () => {
  it('runs python3 from PATH when nothing is configured', () => {
    assert.deepEqual(buildServerCommand(launch({})), {
      command: 'python3', args: ['-m', 'isolint', 'server'], source: 'PATH', python: ['python3'],
    });
  });

  it('runs python (not python3) on Windows', () => {
    assert.equal(buildServerCommand(launch({}, { platform: 'win32' })).command, 'python');
  });

  it('prefers the Python extension over PATH', () => {
    const cmd = buildServerCommand(launch({}, { pythonExtensionInterpreter: ['/repo/.venv/bin/python'] }));
    assert.equal(cmd.source, 'Python extension');
    assert.deepEqual([cmd.command, ...cmd.args], ['/repo/.venv/bin/python', '-m', 'isolint', 'server']);
  });

  it('prefers isolint.interpreter over the Python extension, with variables and its own arguments', () => {
    const cmd = buildServerCommand(launch(
      { interpreter: ['${workspaceFolder}/.venv/bin/python', '-X', 'utf8'] },
      { pythonExtensionInterpreter: ['/elsewhere/python'] },
    ));
    assert.equal(cmd.source, 'isolint.interpreter');
    assert.deepEqual([cmd.command, ...cmd.args], ['/repo/.venv/bin/python', '-X', 'utf8', '-m', 'isolint', 'server']);
    assert.deepEqual(cmd.python, ['/repo/.venv/bin/python', '-X', 'utf8']);
  });

  it('prefers isolint.path over everything, using the first entry that exists', () => {
    const cmd = buildServerCommand(launch(
      { path: ['./missing/isolint', '~/.local/bin/isolint'], interpreter: ['/usr/bin/python3'] },
      { exists: (p) => p === '/home/ada/.local/bin/isolint' },
    ));
    assert.deepEqual(cmd, { command: '/home/ada/.local/bin/isolint', args: ['server'], source: 'isolint.path' });
  });

  it('accepts a bare executable name in isolint.path (looked up on PATH)', () => {
    assert.equal(buildServerCommand(launch({ path: ['isolint'] })).command, 'isolint');
  });

  it('fails with the setting to fix when no isolint.path entry exists', () => {
    assert.throws(() => buildServerCommand(launch({ path: ['./bin/isolint'] })), (err: unknown) => {
      assert.ok(err instanceof LaunchError);
      assert.equal(err.setting, 'isolint.path');
      assert.match(err.message, /\/repo\/bin\/isolint/);
      return true;
    });
  });
});

describe('probe', () => {
  const python = buildServerCommand(launch({ interpreter: ['/usr/bin/python3'] }));
  const executable: ServerCommand = { command: '/bin/isolint', args: ['server'], source: 'isolint.path' };

  it('asks python to import isolint, and an executable for its version', () => {
    const p = probeCommand(python);
    assert.equal(p.command, '/usr/bin/python3');
    assert.equal(p.args[0], '-c');
    assert.match(p.args[1], /import isolint/);
    assert.deepEqual(probeCommand(executable), { command: '/bin/isolint', args: ['--version'] });
  });

  it('reads each probe status', () => {
    const out = (stdout: string) => interpretProbe(python, { code: 0, stdout, stderr: '' });
    assert.deepEqual(out('ISOLINT_PROBE ok 0.1.0 3.11.2\n'), { kind: 'ok', isolintVersion: '0.1.0', pythonVersion: '3.11.2' });
    assert.deepEqual(out('noise\nISOLINT_PROBE missing 3.12.1\n'), { kind: 'missing', pythonVersion: '3.12.1' });
    assert.deepEqual(out('ISOLINT_PROBE python-too-old 3.8.10'), { kind: 'python-too-old', pythonVersion: '3.8.10' });
  });

  it('reports a program that does not exist, and a crashing import with its last lines', () => {
    assert.deepEqual(interpretProbe(python, { code: null, stdout: '', stderr: '', spawnError: 'ENOENT' }), { kind: 'not-found' });
    const broken = interpretProbe(python, { code: 1, stdout: '', stderr: 'Traceback…\nImportError: libcst._native' });
    assert.equal(broken.kind, 'broken');
    assert.match((broken as { detail: string }).detail, /libcst/);
  });

  it('reads an isolint executable\'s --version', () => {
    assert.deepEqual(interpretProbe(executable, { code: 0, stdout: 'isolint 0.1.0\n', stderr: '' }),
      { kind: 'ok', isolintVersion: '0.1.0' });
    assert.equal(interpretProbe(executable, { code: 2, stdout: '', stderr: 'usage' }).kind, 'broken');
  });

  // The probe script itself, run by real interpreters: one without isolint, one with it.
  const runProbe = (pythonExe: string, extraEnv: Record<string, string> = {}) => {
    const cmd = probeCommand({ ...python, command: pythonExe, python: [pythonExe] });
    const r = spawnSync(cmd.command, cmd.args, { encoding: 'utf8', cwd: tmpdir(), env: { ...process.env, ...extraEnv } });
    return interpretProbe(python, { code: r.status, stdout: r.stdout, stderr: r.stderr, spawnError: (r.error as NodeJS.ErrnoException | undefined)?.code });
  };

  it('finds isolint in the repository\'s virtualenv', () => {
    const venvPython = resolve(__dirname, '../../../.venv/bin/python');
    assert.ok(existsSync(venvPython), `${venvPython} missing: run scripts/install-deps.sh`);
    const outcome = runProbe(venvPython);
    assert.equal(outcome.kind, 'ok');
    assert.match((outcome as { isolintVersion: string }).isolintVersion, /^\d+\.\d+/);
  });

  it('reports isolint missing from an interpreter that lacks it', () => {
    // Debian's system interpreter: isolint lives only in the repository's virtualenv.
    const outcome = runProbe('/usr/bin/python3');
    assert.equal(outcome.kind, 'missing', JSON.stringify(outcome));
  });

  it('does not mistake a broken dependency inside isolint for a missing isolint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isolint-probe-'));
    mkdirSync(join(dir, 'isolint'));
    writeFileSync(join(dir, 'isolint', '__init__.py'), 'import a_dependency_that_is_not_installed\n');
    const outcome = runProbe('/usr/bin/python3', { PYTHONPATH: dir });
    rmSync(dir, { recursive: true });
    assert.equal(outcome.kind, 'broken');
    assert.match((outcome as { detail: string }).detail, /a_dependency_that_is_not_installed/);
  });

  it('reports a missing interpreter', () => {
    assert.equal(runProbe('/nonexistent/bin/python3').kind, 'not-found');
  });
});

describe('user messages', () => {
  const venv = buildServerCommand(launch({}, { pythonExtensionInterpreter: ['/home/ada/my venv/bin/python'] }));

  it('gives the exact pip command for the interpreter that was tried, quoted for a shell', () => {
    const msg = problemMessage(venv, { kind: 'missing', pythonVersion: '3.12.1' }, 'linux');
    assert.ok(msg);
    assert.equal(msg.copyCommand, `'/home/ada/my venv/bin/python' -m pip install isolint`);
    assert.ok(msg.text.includes(msg.copyCommand!), msg.text);
    assert.match(msg.text, /Python 3\.12\.1, from Python extension/);
    assert.equal(msg.setting, 'isolint.importStrategy');
  });

  it('points at isolint.path when that is what failed', () => {
    const exe: ServerCommand = { command: '/opt/isolint', args: ['server'], source: 'isolint.path' };
    const msg = problemMessage(exe, { kind: 'not-found' }, 'linux');
    assert.equal(msg?.setting, 'isolint.path');
    assert.match(msg!.text, /no such program/);
  });

  it('keys messages by problem and program, so a restart does not repeat a popup', () => {
    const a = problemMessage(venv, { kind: 'missing', pythonVersion: '3.12.1' }, 'linux');
    const b = problemMessage(venv, { kind: 'missing', pythonVersion: '3.12.1' }, 'linux');
    const c = problemMessage(venv, { kind: 'not-found' }, 'linux');
    assert.equal(a?.key, b?.key);
    assert.notEqual(a?.key, c?.key);
    assert.equal(problemMessage(venv, { kind: 'ok', isolintVersion: '1' }, 'linux'), undefined);
  });

  it('quotes for POSIX shells and for Windows', () => {
    assert.equal(shellQuote('/usr/bin/python3', 'linux'), '/usr/bin/python3');
    assert.equal(shellQuote("it's", 'linux'), `'it'\\''s'`);
    assert.equal(pipInstallCommand(['C:\\Program Files\\Python\\python.exe'], 'win32'),
      '"C:\\Program Files\\Python\\python.exe" -m pip install isolint');
  });
});

describe('the bundled server (isolint.importStrategy useBundled)', () => {
  const launcher = '/ext/bundled/tool/isolint_server.py';
  const bundled = (settings: Partial<LaunchSettings>, extra: Partial<LaunchInputs> = {}) =>
    buildServerCommand(launch({ importStrategy: 'useBundled', ...settings }, { bundledLauncher: launcher, ...extra }));

  it('runs the launcher in isolated mode with python3 from PATH', () => {
    assert.deepEqual(bundled({}), {
      command: 'python3', args: ['-I', launcher], source: 'PATH', python: ['python3'], launcher,
    });
  });

  it('runs it with isolint.interpreter, then the Python extension\'s interpreter', () => {
    assert.deepEqual([bundled({ interpreter: ['/usr/bin/python3.12', '-X', 'utf8'] }).command, ...bundled({ interpreter: ['/usr/bin/python3.12', '-X', 'utf8'] }).args],
      ['/usr/bin/python3.12', '-X', 'utf8', '-I', launcher]);
    const fromExtension = bundled({}, { pythonExtensionInterpreter: ['/repo/.venv/bin/python'] });
    assert.equal(fromExtension.source, 'Python extension');
    assert.deepEqual([fromExtension.command, ...fromExtension.args], ['/repo/.venv/bin/python', '-I', launcher]);
  });

  it('passes isolint.logLevel on as --log-level', () => {
    assert.deepEqual(bundled({ logLevel: 'debug' }).args, ['-I', launcher, '--log-level', 'DEBUG']);
    assert.deepEqual(buildServerCommand(launch({ logLevel: 'info' })).args, ['-m', 'isolint', 'server', '--log-level', 'INFO']);
  });

  it('leaves isolint.path in charge, and a build without a bundle runs from the environment', () => {
    assert.equal(bundled({ path: ['isolint'] }).launcher, undefined);
    const unbundled = buildServerCommand(launch({ importStrategy: 'useBundled' }));
    assert.deepEqual(unbundled.args, ['-m', 'isolint', 'server']);
  });

  it('probes with the launcher\'s --probe', () => {
    assert.deepEqual(probeCommand(bundled({})), { command: 'python3', args: ['-I', launcher, '--probe'] });
  });

  it('names the Python versions it needs when the interpreter has none of them', () => {
    const server = bundled({});
    const outcome = interpretProbe(server, { code: 0, stdout: 'ISOLINT_PROBE unsupported-python 3.9.18 cp310,cp311,cp312,cp313\n', stderr: '' });
    assert.deepEqual(outcome, { kind: 'unsupported-python', pythonVersion: '3.9.18' });
    const message = problemMessage(server, outcome, 'linux');
    assert.match(message!.text, /runs on Python 3\.10–3\.13; python3 \(on PATH\) is Python 3\.9\.18/);
    assert.equal(message!.setting, 'isolint.interpreter');
  });

  it('says no Python was found, and which versions would do, when the interpreter does not exist', () => {
    const message = problemMessage(bundled({}), { kind: 'not-found' }, 'linux');
    assert.match(message!.text, /No Python to run isolint.*Python 3\.10–3\.13/);
  });

  it('points a missing environment install at the bundled server', () => {
    const message = problemMessage(buildServerCommand(launch({})), { kind: 'missing', pythonVersion: '3.11.2' }, 'linux');
    assert.match(message!.text, /isolint\.importStrategy to useBundled/);
    assert.equal(message!.setting, 'isolint.importStrategy');
  });
});

describe('the bundled launcher, run by real interpreters', () => {
  const launcherPath = resolve(__dirname, '..', '..', 'bundled', 'tool', 'isolint_server.py');
  const server: ServerCommand = { command: 'python3', args: [], source: 'PATH', python: ['python3'], launcher: launcherPath };

  it('reports a Python it has no libraries for (a bundle with only a cp27 folder)', () => {
    const root = mkdtempSync(join(tmpdir(), 'isolint-bundle-'));
    try {
      mkdirSync(join(root, 'tool'));
      mkdirSync(join(root, 'libs', 'cp27'), { recursive: true });
      writeFileSync(join(root, 'tool', 'isolint_server.py'), readFileSync(launcherPath));
      const probe = probeCommand({ ...server, launcher: join(root, 'tool', 'isolint_server.py') });
      const run = spawnSync(probe.command, probe.args, { encoding: 'utf8' });
      const outcome = interpretProbe(server, { code: run.status, stdout: run.stdout, stderr: run.stderr });
      assert.equal(outcome.kind, 'unsupported-python', run.stdout + run.stderr);
      assert.match(run.stdout, / cp27\n$/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
