// Settings resolution: scopes, workspace trust, validation, variables, and what reaches the server.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigurationReader,
  Inspected,
  effectiveValue,
  readLaunchSettings,
  readServerSettings,
  resolveProgramPath,
  serverPayload,
  substituteVariables,
} from '../src/settings';

/** A configuration as VS Code's inspect() would report it: key → values per scope. */
function config(values: Record<string, Inspected<unknown>>): ConfigurationReader {
  return { inspect: <T>(key: string) => values[key] as Inspected<T> | undefined };
}

const vars = { workspaceFolder: '/repo', userHome: '/home/ada', env: { VENV: '/opt/venv' } };

describe('effectiveValue', () => {
  const all: Inspected<string> = {
    defaultValue: 'd', globalValue: 'user', workspaceValue: 'ws', workspaceFolderValue: 'folder',
  };

  it('prefers the most specific scope', () => {
    assert.deepEqual(effectiveValue(all, { trusted: true, restricted: true }), { value: 'folder', scope: 'workspace folder' });
    assert.deepEqual(effectiveValue({ ...all, workspaceFolderValue: undefined }, { trusted: true, restricted: true }),
      { value: 'ws', scope: 'workspace' });
  });

  it('ignores workspace values of a restricted setting in an untrusted workspace', () => {
    assert.deepEqual(effectiveValue(all, { trusted: false, restricted: true }), { value: 'user', scope: 'user' });
    assert.deepEqual(effectiveValue({ defaultValue: 'd', workspaceValue: 'ws' }, { trusted: false, restricted: true }),
      { value: 'd', scope: 'default' });
  });

  it('keeps workspace values of unrestricted settings in an untrusted workspace', () => {
    assert.deepEqual(effectiveValue(all, { trusted: false, restricted: false }), { value: 'folder', scope: 'workspace folder' });
  });

  it('reports an unknown setting as default and undefined', () => {
    assert.deepEqual(effectiveValue(undefined, { trusted: true, restricted: false }), { value: undefined, scope: 'default' });
  });
});

describe('readServerSettings', () => {
  it('returns the defaults for an empty configuration', () => {
    assert.deepEqual(readServerSettings(config({}), true), {
      enable: true, select: [], extendSelect: [], ignore: [], run: 'onType', baselinedFindings: 'hint',
      showNotifications: 'off', configuration: '',
    });
  });

  it('reads every key, normalising rule selectors', () => {
    const s = readServerSettings(config({
      enable: { workspaceValue: false },
      select: { globalValue: ['iso1', 'ISO2', 'ISO1'] },
      extendSelect: { workspaceFolderValue: [' ISO301 '] },
      ignore: { workspaceValue: ['ISO101'] },
      run: { workspaceValue: 'onSave' },
      baselinedFindings: { workspaceValue: 'hide' },
      showNotifications: { globalValue: 'onWarning' },
      configuration: { workspaceValue: ' ${workspaceFolder}/ci/isolint.toml ' },
    }), true);
    assert.deepEqual(s, {
      enable: false, select: ['ISO1', 'ISO2'], extendSelect: ['ISO301'], ignore: ['ISO101'], run: 'onSave',
      baselinedFindings: 'hide', showNotifications: 'onWarning', configuration: '${workspaceFolder}/ci/isolint.toml',
    });
  });

  it('drops values of the wrong type instead of passing them on', () => {
    const s = readServerSettings(config({
      enable: { workspaceValue: 'yes' },
      select: { workspaceValue: 'ISO1' },
      ignore: { workspaceValue: [42, 'ISO2', null, ''] },
      run: { workspaceValue: 'onIdle' },
      baselinedFindings: { workspaceValue: 'dim' },
      showNotifications: { workspaceValue: true },
    }), true);
    assert.equal(s.baselinedFindings, 'hint');
    assert.equal(s.enable, true);
    assert.deepEqual(s.select, ['ISO1'], 'a single string is read as a one-element list');
    assert.deepEqual(s.ignore, ['ISO2']);
    assert.equal(s.run, 'onType');
    assert.equal(s.showNotifications, 'off');
  });

  it('takes rule settings from an untrusted workspace (they run nothing)', () => {
    const s = readServerSettings(config({ ignore: { workspaceValue: ['ISO101'] } }), false);
    assert.deepEqual(s.ignore, ['ISO101']);
  });
});

describe('serverPayload', () => {
  it('omits empty rule lists so pyproject.toml keeps its own selection', () => {
    const payload = serverPayload(readServerSettings(config({}), true));
    assert.deepEqual(payload, { enable: true, run: 'onType', baselinedFindings: 'hint', showNotifications: 'off' });
    assert.ok(!('select' in payload));
  });

  it('sends rule lists that are set, in the server\'s camelCase keys', () => {
    const payload = serverPayload(readServerSettings(config({
      ignore: { workspaceValue: ['ISO101'] }, extendSelect: { globalValue: ['ISO9'] },
    }), true));
    assert.deepEqual(payload.ignore, ['ISO101']);
    assert.deepEqual(payload.extendSelect, ['ISO9']);
  });

  it('sends isolint.configuration as an absolute path: variables expanded, relative to the folder', () => {
    const variables = { workspaceFolder: '/repo', userHome: '/home/ada', env: { CFG: '/etc/isolint.toml' } };
    const payloadOf = (value: string) =>
      serverPayload(readServerSettings(config({ configuration: { workspaceValue: value } }), true), variables).configuration;
    assert.equal(payloadOf('isolint.toml'), '/repo/isolint.toml');
    assert.equal(payloadOf('./ci/isolint.toml'), '/repo/ci/isolint.toml');
    assert.equal(payloadOf('${workspaceFolder}/ci/pyproject.toml'), '/repo/ci/pyproject.toml');
    assert.equal(payloadOf('~/isolint.toml'), '/home/ada/isolint.toml');
    assert.equal(payloadOf('${env:CFG}'), '/etc/isolint.toml');
    assert.equal(payloadOf(''), undefined, 'unset: the server finds the nearest config itself');
  });

  it('never carries the interpreter or path', () => {
    const payload = serverPayload(readServerSettings(config({
      interpreter: { workspaceValue: ['/x/python'] }, path: { workspaceValue: ['/x/isolint'] },
    }), true));
    assert.ok(!('interpreter' in payload) && !('path' in payload));
  });
});

describe('readLaunchSettings', () => {
  const inspected = config({
    interpreter: { globalValue: ['/usr/bin/python3.12'], workspaceValue: ['./evil/python'] },
    path: { workspaceFolderValue: ['./bin/isolint'] },
  });

  it('uses workspace values in a trusted workspace', () => {
    const s = readLaunchSettings(inspected, true);
    assert.deepEqual(s.interpreter, ['./evil/python']);
    assert.deepEqual(s.path, ['./bin/isolint']);
    assert.deepEqual(s.origin, { interpreter: 'workspace', path: 'workspace folder' });
  });

  it('uses only user values in an untrusted workspace', () => {
    const s = readLaunchSettings(inspected, false);
    assert.deepEqual(s.interpreter, ['/usr/bin/python3.12']);
    assert.deepEqual(s.path, []);
    assert.deepEqual(s.origin, { interpreter: 'user', path: 'default' });
  });

  it('accepts a plain string for a one-element list', () => {
    assert.deepEqual(readLaunchSettings(config({ interpreter: { globalValue: '/usr/bin/python3' } }), true).interpreter,
      ['/usr/bin/python3']);
  });
});

describe('substituteVariables', () => {
  it('expands the variables users write in path settings', () => {
    assert.equal(substituteVariables('${workspaceFolder}/.venv/bin/python', vars), '/repo/.venv/bin/python');
    assert.equal(substituteVariables('${userHome}/py', vars), '/home/ada/py');
    assert.equal(substituteVariables('${env:VENV}/bin/python', vars), '/opt/venv/bin/python');
    assert.equal(substituteVariables('~/venvs/a/bin/python', vars), '/home/ada/venvs/a/bin/python');
    assert.equal(substituteVariables('${workspaceFolderBasename}', vars), 'repo');
  });

  it('leaves unknown or unavailable variables as written', () => {
    assert.equal(substituteVariables('${config:python.defaultInterpreterPath}', vars), '${config:python.defaultInterpreterPath}');
    assert.equal(substituteVariables('${workspaceFolder}/x', { ...vars, workspaceFolder: undefined }), '${workspaceFolder}/x');
  });

  it('expands an unset environment variable to nothing, as VS Code does', () => {
    assert.equal(substituteVariables('${env:NOPE}python3', vars), 'python3');
  });

  it('does not expand ~ in the middle of a path', () => {
    assert.equal(substituteVariables('/a/~/b', vars), '/a/~/b');
  });
});

describe('resolveProgramPath', () => {
  it('anchors relative paths at the workspace folder', () => {
    assert.equal(resolveProgramPath('./.venv/bin/python', vars), '/repo/.venv/bin/python');
    assert.equal(resolveProgramPath('.venv/bin/python', vars), '/repo/.venv/bin/python');
  });

  it('keeps absolute paths and bare names (looked up on PATH)', () => {
    assert.equal(resolveProgramPath('/usr/bin/python3', vars), '/usr/bin/python3');
    assert.equal(resolveProgramPath('python3.12', vars), 'python3.12');
    assert.equal(resolveProgramPath('C:\\Python312\\python.exe', vars), 'C:\\Python312\\python.exe');
  });

  it('joins Windows folders with a backslash', () => {
    assert.equal(resolveProgramPath('.venv\\Scripts\\python.exe', { ...vars, workspaceFolder: 'C:\\repo' }),
      'C:\\repo\\.venv\\Scripts\\python.exe');
  });
});
