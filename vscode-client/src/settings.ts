// Settings resolution: what the server is told and what the launcher may run.
//
// Pure logic (no `vscode` import) so that it runs under the Node test runner. The extension hands
// in an object shaped like `vscode.WorkspaceConfiguration` (only `inspect` is used).

/** One setting's values per scope, as `WorkspaceConfiguration.inspect()` reports them. */
export interface Inspected<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** The part of `vscode.WorkspaceConfiguration` this module reads. */
export interface ConfigurationReader {
  inspect<T>(key: string): Inspected<T> | undefined;
}

export type RunMode = 'onType' | 'onSave';
export type BaselinedFindings = 'hint' | 'hide' | 'show';
export type NotificationLevel = 'off' | 'onError' | 'onWarning' | 'always';
/** Which isolint runs: the one bundled with the extension, or the one installed in the environment. */
export type ImportStrategy = 'useBundled' | 'fromEnvironment';
export type LogLevel = 'error' | 'warning' | 'info' | 'debug';

/**
 * What the server reads for one workspace folder (initializationOptions and the answer to
 * `workspace/configuration` for section "isolint"). Keys match server/isolint/lsp's settings.
 */
export interface ServerSettings {
  enable: boolean;
  select: string[];
  extendSelect: string[];
  ignore: string[];
  run: RunMode;
  /** What the editor does with findings the project's baseline accepts. */
  baselinedFindings: BaselinedFindings;
  showNotifications: NotificationLevel;
  /** `isolint.configuration` as written (variables expanded by {@link serverPayload}); '' when unset. */
  configuration: string;
}

/** Settings that decide which program is started; changing them needs a restart. */
export interface LaunchSettings {
  interpreter: string[];
  path: string[];
  importStrategy: ImportStrategy;
  logLevel: LogLevel;
  /** Where `interpreter`/`path` came from, for the output channel. */
  origin: { interpreter: SettingScope; path: SettingScope };
}

export type SettingScope = 'default' | 'user' | 'workspace' | 'workspace folder';

/** Settings a workspace may only set when it is trusted: they name a program to execute. */
export const RESTRICTED_SETTINGS: ReadonlySet<string> = new Set(['interpreter', 'path']);

/** Settings whose change requires a new server process (everything else is sent live). */
export const RESTART_SETTINGS: readonly string[] = ['isolint.interpreter', 'isolint.path', 'isolint.importStrategy', 'isolint.logLevel'];

const RUN_MODES: readonly RunMode[] = ['onType', 'onSave'];
const BASELINED_MODES: readonly BaselinedFindings[] = ['hint', 'hide', 'show'];
const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['off', 'onError', 'onWarning', 'always'];
const IMPORT_STRATEGIES: readonly ImportStrategy[] = ['useBundled', 'fromEnvironment'];
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug'];

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  enable: true,
  select: [],
  extendSelect: [],
  ignore: [],
  run: 'onType',
  baselinedFindings: 'hint',
  showNotifications: 'off',
  configuration: '',
});

/**
 * The value VS Code would use, most specific scope first. In an untrusted workspace a restricted
 * setting is read from user settings only: a cloned repository must not be able to name the
 * program we execute.
 */
export function effectiveValue<T>(
  inspected: Inspected<T> | undefined,
  opts: { trusted: boolean; restricted: boolean },
): { value: T | undefined; scope: SettingScope } {
  if (!inspected) return { value: undefined, scope: 'default' };
  const workspaceAllowed = opts.trusted || !opts.restricted;
  if (workspaceAllowed && inspected.workspaceFolderValue !== undefined) {
    return { value: inspected.workspaceFolderValue, scope: 'workspace folder' };
  }
  if (workspaceAllowed && inspected.workspaceValue !== undefined) {
    return { value: inspected.workspaceValue, scope: 'workspace' };
  }
  if (inspected.globalValue !== undefined) return { value: inspected.globalValue, scope: 'user' };
  return { value: inspected.defaultValue, scope: 'default' };
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value.trim() ? [value.trim()] : [];
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string').map((v) => v.trim()).filter((v) => v !== '');
}

/** Rule selectors are codes or prefixes; normalise case and drop duplicates so the server sees one form. */
function selectorList(value: unknown): string[] {
  return [...new Set(stringList(value).map((v) => v.toUpperCase()))];
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Settings for one folder, validated: a hand-edited settings.json with wrong types never reaches the server. */
export function readServerSettings(config: ConfigurationReader, trusted: boolean): ServerSettings {
  const get = (key: string): unknown =>
    effectiveValue(config.inspect<unknown>(key), { trusted, restricted: RESTRICTED_SETTINGS.has(key) }).value;
  const enable = get('enable');
  return {
    enable: typeof enable === 'boolean' ? enable : DEFAULT_SERVER_SETTINGS.enable,
    select: selectorList(get('select')),
    extendSelect: selectorList(get('extendSelect')),
    ignore: selectorList(get('ignore')),
    run: oneOf(get('run'), RUN_MODES, DEFAULT_SERVER_SETTINGS.run),
    baselinedFindings: oneOf(get('baselinedFindings'), BASELINED_MODES, DEFAULT_SERVER_SETTINGS.baselinedFindings),
    showNotifications: oneOf(get('showNotifications'), NOTIFICATION_LEVELS, DEFAULT_SERVER_SETTINGS.showNotifications),
    configuration: typeof get('configuration') === 'string' ? (get('configuration') as string).trim() : '',
  };
}

export function readLaunchSettings(config: ConfigurationReader, trusted: boolean): LaunchSettings {
  const interpreter = effectiveValue(config.inspect<unknown>('interpreter'), { trusted, restricted: true });
  const path = effectiveValue(config.inspect<unknown>('path'), { trusted, restricted: true });
  const get = (key: string): unknown => effectiveValue(config.inspect<unknown>(key), { trusted, restricted: false }).value;
  return {
    interpreter: stringList(interpreter.value),
    path: stringList(path.value),
    importStrategy: oneOf(get('importStrategy'), IMPORT_STRATEGIES, 'useBundled'),
    logLevel: oneOf(get('logLevel'), LOG_LEVELS, 'warning'),
    origin: { interpreter: interpreter.scope, path: path.scope },
  };
}

/** What `${…}` variables expand to; `workspaceFolder` is absent outside a folder. */
export interface VariableContext {
  workspaceFolder?: string;
  userHome: string;
  env: Record<string, string | undefined>;
}

/**
 * Expands the variables VS Code users write in path settings: `${workspaceFolder}`,
 * `${workspaceFolderBasename}`, `${userHome}`, `${env:NAME}` and a leading `~`. An unknown or
 * unavailable variable is left as written so the error message shows what the user typed.
 */
export function substituteVariables(value: string, ctx: VariableContext): string {
  let out = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === 'workspaceFolder' && ctx.workspaceFolder) return ctx.workspaceFolder;
    if (name === 'workspaceFolderBasename' && ctx.workspaceFolder) return basename(ctx.workspaceFolder);
    if (name === 'userHome') return ctx.userHome;
    if (name.startsWith('env:')) return ctx.env[name.slice(4)] ?? '';
    return whole;
  });
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) out = ctx.userHome + out.slice(1);
  return out;
}

/**
 * Resolves a program path from a setting: variables expanded, and a relative path that names a
 * file (`./.venv/bin/python`, `.venv/bin/python`) anchored at the workspace folder. A bare name
 * (`python3`) stays bare so that it is looked up on PATH.
 */
export function resolveProgramPath(value: string, ctx: VariableContext): string {
  const expanded = substituteVariables(value, ctx);
  if (isBareName(expanded) || isAbsolute(expanded) || !ctx.workspaceFolder) return expanded;
  return joinPath(ctx.workspaceFolder, expanded);
}

/** A program name without a directory (`python3`): the operating system looks it up on PATH. */
export function isBareName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

/**
 * Resolves a file path from a setting (`isolint.configuration`): variables expanded, and any
 * relative path, even a bare file name, anchored at the workspace folder.
 */
export function resolveFilePath(value: string, ctx: VariableContext): string {
  const expanded = substituteVariables(value, ctx);
  if (expanded === '' || isAbsolute(expanded) || !ctx.workspaceFolder) return expanded;
  return joinPath(ctx.workspaceFolder, expanded);
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

function basename(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

function joinPath(base: string, rel: string): string {
  const sep = base.includes('\\') && !base.includes('/') ? '\\' : '/';
  const trimmed = rel.replace(/^\.[\\/]/, '');
  return base.replace(/[\\/]+$/, '') + sep + trimmed;
}

/**
 * The settings as sent to the server. Rule lists are sent only when set: the server layers every
 * key it receives over `[tool.isolint]`, and an empty `select` would switch every rule off.
 */
export function serverPayload(settings: ServerSettings, variables?: VariableContext): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    enable: settings.enable,
    run: settings.run,
    baselinedFindings: settings.baselinedFindings,
    showNotifications: settings.showNotifications,
  };
  if (settings.configuration) {
    payload.configuration = variables ? resolveFilePath(settings.configuration, variables) : settings.configuration;
  }
  if (settings.select.length > 0) payload.select = settings.select;
  if (settings.extendSelect.length > 0) payload.extendSelect = settings.extendSelect;
  if (settings.ignore.length > 0) payload.ignore = settings.ignore;
  return payload;
}
