// Which program starts the language server, and how to tell the user when it cannot.
//
// Pure logic (no `vscode` import), unit-tested under the Node test runner.

import { LaunchSettings, LogLevel, VariableContext, isBareName, resolveProgramPath } from './settings';

/** Where the program came from; shown in the output channel and in error messages. */
export type LaunchSource = 'isolint.path' | 'isolint.interpreter' | 'Python extension' | 'PATH';

export interface ServerCommand {
  command: string;
  args: string[];
  source: LaunchSource;
  /** The interpreter (program + its own arguments) when the server runs on Python. */
  python?: string[];
  /** The bundled server's launcher script, when `python` runs the isolint bundled with the extension. */
  launcher?: string;
}

/** The Python versions the bundle has libraries for (bundled/libs/cp310 … cp313). */
export const BUNDLED_PYTHONS = '3.10–3.13';

export interface LaunchInputs {
  settings: LaunchSettings;
  /** The Python extension's interpreter for the folder (already trust-checked by the caller), if any. */
  pythonExtensionInterpreter?: string[];
  variables: VariableContext;
  /** Whether a file exists; used to pick the first existing `isolint.path` entry. */
  exists: (path: string) => boolean;
  platform: NodeJS.Platform;
  /**
   * The bundled server's launcher (bundled/tool/isolint_server.py), when this build of the
   * extension carries bundled/libs; a development build without them runs `fromEnvironment`.
   */
  bundledLauncher?: string;
}

export class LaunchError extends Error {
  constructor(
    message: string,
    readonly setting: 'isolint.path' | 'isolint.interpreter',
  ) {
    super(message);
  }
}

const SERVER_MODULE_ARGS = ['-m', 'isolint', 'server'];

/** `--log-level` for the server (its default, WARNING, is left implicit). */
export function logLevelArgs(level: LogLevel): string[] {
  return level === 'warning' ? [] : ['--log-level', level.toUpperCase()];
}

/**
 * `python -I launcher`: isolated mode (no PYTHONPATH, user site or working directory on
 * sys.path), so nothing installed on the machine or in the workspace stands in for the bundle.
 */
function bundledArgs(python: string[], launcher: string): string[] {
  return [...python.slice(1), '-I', launcher];
}

export function defaultPython(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'python' : 'python3';
}

/**
 * The command line of the server, in the order the docs promise: `isolint.path`, then
 * `isolint.interpreter`, then the Python extension's interpreter, then python3 on PATH.
 */
export function buildServerCommand(inputs: LaunchInputs): ServerCommand {
  const { settings, variables } = inputs;
  const log = logLevelArgs(settings.logLevel);
  const { python, source } = choosePython(inputs);
  if (settings.path.length === 0 && settings.importStrategy === 'useBundled' && inputs.bundledLauncher) {
    const launcher = inputs.bundledLauncher;
    return { command: python[0], args: [...bundledArgs(python, launcher), ...log], source, python, launcher };
  }
  if (settings.path.length > 0) {
    const candidates = settings.path.map((p) => resolveProgramPath(p, variables));
    const found = candidates.find((p) => isBareName(p) || inputs.exists(p));
    if (!found) {
      throw new LaunchError(`None of the executables in isolint.path exists: ${candidates.join(', ')}`, 'isolint.path');
    }
    return { command: found, args: ['server', ...log], source: 'isolint.path' };
  }
  return { command: python[0], args: [...python.slice(1), ...SERVER_MODULE_ARGS, ...log], source, python };
}

/** The interpreter: `isolint.interpreter`, then the Python extension's, then python3 on PATH. */
function choosePython(inputs: LaunchInputs): { python: string[]; source: LaunchSource } {
  const { settings, variables } = inputs;
  if (settings.interpreter.length > 0) {
    const [program, ...rest] = settings.interpreter;
    return { python: [resolveProgramPath(program, variables), ...rest], source: 'isolint.interpreter' };
  }
  const fromExtension = inputs.pythonExtensionInterpreter?.filter((s) => s !== '');
  if (fromExtension && fromExtension.length > 0) return { python: fromExtension, source: 'Python extension' };
  return { python: [defaultPython(inputs.platform)], source: 'PATH' };
}

/**
 * Checks that isolint is importable before the server starts, so that a missing install gives one
 * clear message instead of a crash loop. Prints one line: `ISOLINT_PROBE <status> …`.
 */
export const PROBE_SCRIPT = [
  'import sys',
  'v = "%d.%d.%d" % sys.version_info[:3]',
  'if sys.version_info < (3, 10):',
  '    print("ISOLINT_PROBE python-too-old", v); sys.exit(0)',
  'try:',
  '    import isolint',
  'except ModuleNotFoundError as e:',
  '    if e.name != "isolint": raise',
  '    print("ISOLINT_PROBE missing", v); sys.exit(0)',
  'print("ISOLINT_PROBE ok", getattr(isolint, "__version__", "?"), v)',
].join('\n');

export function probeCommand(server: ServerCommand): { command: string; args: string[] } {
  if (server.python && server.launcher) {
    return { command: server.python[0], args: [...bundledArgs(server.python, server.launcher), '--probe'] };
  }
  if (server.python) return { command: server.python[0], args: [...server.python.slice(1), '-c', PROBE_SCRIPT] };
  return { command: server.command, args: ['--version'] };
}

export interface ProbeResult {
  /** Process exit code; null when it could not be spawned or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Spawn error code, e.g. ENOENT when the program does not exist. */
  spawnError?: string;
}

export type ProbeOutcome =
  | { kind: 'ok'; isolintVersion: string; pythonVersion?: string }
  | { kind: 'missing'; pythonVersion: string }
  | { kind: 'python-too-old'; pythonVersion: string }
  /** The bundle has no libraries for this Python (bundled server only). */
  | { kind: 'unsupported-python'; pythonVersion: string }
  | { kind: 'not-found' }
  | { kind: 'broken'; detail: string };

export function interpretProbe(server: ServerCommand, result: ProbeResult): ProbeOutcome {
  if (result.spawnError === 'ENOENT' || result.spawnError === 'EACCES') return { kind: 'not-found' };
  if (result.spawnError) return { kind: 'broken', detail: result.spawnError };
  if (!server.python) {
    const m = /isolint\s+(\S+)/.exec(result.stdout);
    return result.code === 0 && m ? { kind: 'ok', isolintVersion: m[1] } : { kind: 'broken', detail: lastLines(result) };
  }
  const line = result.stdout.split(/\r?\n/).find((l) => l.startsWith('ISOLINT_PROBE '));
  if (result.code !== 0 || !line) return { kind: 'broken', detail: lastLines(result) };
  const [, status, a, b] = line.trim().split(/\s+/);
  if (status === 'ok') return { kind: 'ok', isolintVersion: a, pythonVersion: b };
  if (status === 'missing') return { kind: 'missing', pythonVersion: a };
  if (status === 'python-too-old') return { kind: 'python-too-old', pythonVersion: a };
  if (status === 'unsupported-python') return { kind: 'unsupported-python', pythonVersion: a };
  return { kind: 'broken', detail: line };
}

function lastLines(result: ProbeResult): string {
  const text = (result.stderr.trim() || result.stdout.trim() || `exit code ${result.code}`).split(/\r?\n/);
  return text.slice(-5).join('\n');
}

/** Quotes one argument for a POSIX shell (or cmd.exe/PowerShell on Windows) so it can be pasted. */
export function shellQuote(arg: string, platform: NodeJS.Platform): string {
  if (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg)) return arg;
  if (platform === 'win32') return `"${arg.replace(/"/g, '""')}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommandLine(argv: readonly string[], platform: NodeJS.Platform): string {
  return argv.map((a) => shellQuote(a, platform)).join(' ');
}

/** The exact command that installs isolint into the interpreter we tried to use. */
export function pipInstallCommand(python: readonly string[], platform: NodeJS.Platform): string {
  return formatCommandLine([...python, '-m', 'pip', 'install', 'isolint'], platform);
}

export interface UserMessage {
  /** Stable key: the same problem with the same program is reported once per session. */
  key: string;
  text: string;
  /** The setting to open from the message's button. */
  setting: 'isolint.interpreter' | 'isolint.path' | 'isolint.importStrategy';
  /** A command the user can copy, when one fixes the problem. */
  copyCommand?: string;
}

/** The single message shown when the server cannot start; details go to the output channel. */
export function problemMessage(server: ServerCommand, outcome: ProbeOutcome, platform: NodeJS.Platform): UserMessage | undefined {
  const program = formatCommandLine(server.python ?? [server.command], platform);
  const setting = server.source === 'isolint.path' ? 'isolint.path' : 'isolint.interpreter';
  const from = server.source === 'PATH' ? 'on PATH' : `from ${server.source}`;
  switch (outcome.kind) {
    case 'ok':
      return undefined;
    case 'missing': {
      const pip = pipInstallCommand(server.python ?? [server.command], platform);
      return {
        key: `missing:${program}`,
        text: `isolint is not installed for ${program} (Python ${outcome.pythonVersion}, ${from}), and isolint.importStrategy is fromEnvironment. Set isolint.importStrategy to useBundled to run the isolint bundled with the extension, or install it with: ${pip}`,
        setting: 'isolint.importStrategy',
        copyCommand: pip,
      };
    }
    case 'unsupported-python':
      return {
        key: `unsupported:${program}`,
        text: `The isolint bundled with the extension runs on Python ${BUNDLED_PYTHONS}; ${program} (${from}) is Python ${outcome.pythonVersion}. Install Python ${BUNDLED_PYTHONS}, or set isolint.interpreter to one.`,
        setting: 'isolint.interpreter',
      };
    case 'python-too-old':
      if (server.launcher) return problemMessage(server, { kind: 'unsupported-python', pythonVersion: outcome.pythonVersion }, platform);
      return {
        key: `old:${program}`,
        text: `isolint needs Python 3.10 or newer; ${program} (${from}) is Python ${outcome.pythonVersion}. Set isolint.interpreter to a newer interpreter.`,
        setting,
      };
    case 'not-found':
      if (server.launcher) {
        return {
          key: `notfound:${program}`,
          text: `No Python to run isolint: ${program} (${from}) was not found. The isolint bundled with the extension needs Python ${BUNDLED_PYTHONS} (nothing else installed): install one, or set isolint.interpreter to one.`,
          setting: 'isolint.interpreter',
        };
      }
      return {
        key: `notfound:${program}`,
        text: `Cannot run ${program} (${from}): no such program. Set ${setting} to a Python interpreter with isolint installed.`,
        setting,
      };
    case 'broken':
      return {
        key: `broken:${program}`,
        text: `isolint could not be loaded with ${program} (${from}). See the isolint output for details.`,
        setting,
      };
  }
}
