// Starting, stopping and talking to the isolint language server.

import * as vscode from 'vscode';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CloseAction,
  CloseHandlerResult,
  ConfigurationParams,
  DidChangeConfigurationNotification,
  DocumentSelector,
  ErrorAction,
  ErrorHandlerResult,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  MessageType,
  RevealOutputChannelOn,
  ServerOptions,
  ShowMessageNotification,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import {
  LaunchError,
  ProbeOutcome,
  ProbeResult,
  ServerCommand,
  buildServerCommand,
  formatCommandLine,
  interpretProbe,
  probeCommand,
  UserMessage,
  problemMessage,
} from './launch';
import { PythonInterpreterSource } from './python';
import { NotificationLevel, VariableContext, readLaunchSettings, readServerSettings, serverPayload } from './settings';
import { StatusItem } from './status';

/**
 * Files the server checks. `.env` files get a pattern, not a language: VS Code calls them
 * `dotenv`, `properties`, `ini` or `plaintext` depending on the extensions installed.
 */
export const DOCUMENT_SELECTOR: DocumentSelector = [
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'typescriptreact' },
  { scheme: 'file', language: 'dotenv' },
  { scheme: 'file', pattern: '**/.env*' },
  { scheme: 'file', pattern: '**/*.env' },
  // Configuration files: the server reports invalid [tool.isolint] settings in them.
  { scheme: 'file', pattern: '**/{pyproject.toml,isolint.toml,.isolint.toml}' },
];

/** Commands the extension registers itself, so that they work (and explain) when the server is down. */
export const SERVER_COMMANDS = { fixAll: 'isolint.fixAll', debugInfo: 'isolint.showDebugInfo' } as const;
const CLIENT_OWNED_COMMANDS: ReadonlySet<string> = new Set(Object.values(SERVER_COMMANDS));

const PROBE_TIMEOUT_MS = 20_000;
const MAX_CRASHES = 5;
const CRASH_WINDOW_MS = 3 * 60_000;

/** A language client whose own error popups go to the output channel only: the manager shows one message. */
class QuietLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown, _showNotification?: boolean | 'force'): void {
    super.error(message, data, false);
  }
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private command: ServerCommand | undefined;
  private serverVersion = '';
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private crashes: number[] = [];
  /** Problems already shown as a popup this session (no popup spam on every restart). */
  private readonly shownProblems = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly status: StatusItem,
    private readonly python: PythonInterpreterSource,
  ) {}

  /** Starts (or restarts) the server; calls are serialised so overlapping restarts cannot race. */
  restart(reason: string): Promise<void> {
    this.queue = this.queue.then(() => this.doRestart(reason)).catch((err) => {
      this.log.error(`Restart failed: ${errorText(err)}`);
    });
    return this.queue;
  }

  /** Restarts only when the program to run changed (interpreter selection, trust, folders). */
  async restartIfCommandChanged(reason: string): Promise<void> {
    let next: ServerCommand | undefined;
    try {
      next = await this.resolveCommand();
    } catch {
      next = undefined;
    }
    if (!next || !this.command || formatCommandLine([next.command, ...next.args], process.platform) !==
        formatCommandLine([this.command.command, ...this.command.args], process.platform)) {
      await this.restart(reason);
    }
  }

  get runningClient(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  get currentCommand(): ServerCommand | undefined {
    return this.command;
  }

  get version(): string {
    return this.serverVersion;
  }

  /**
   * Runs a server command (workspace/executeCommand). When the server is down, says so once per
   * invocation with a way out instead of failing silently.
   */
  async executeServerCommand(command: string, args: unknown[]): Promise<unknown> {
    const client = this.runningClient;
    if (!client) {
      void vscode.window.showWarningMessage('The isolint server is not running.', 'Show Output', 'Restart').then((choice) => {
        if (choice === 'Show Output') this.log.show();
        if (choice === 'Restart') void this.restart('requested by the user');
      });
      return undefined;
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /** Whether the running server advertises `command` (workspace/executeCommand). */
  serverHasCommand(command: string): boolean {
    const commands = this.runningClient?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
    return commands.includes(command);
  }

  async dispose(): Promise<void> {
    await this.queue;
    await this.stop();
  }

  private async doRestart(reason: string): Promise<void> {
    this.log.info(`(Re)starting the server: ${reason}`);
    await this.stop();
    this.status.show({ kind: 'starting' });
    let command: ServerCommand;
    try {
      command = await this.resolveCommand();
    } catch (err) {
      if (err instanceof LaunchError) {
        this.fail(err.message, { key: `launch:${err.message}`, text: err.message, setting: err.setting });
        return;
      }
      throw err;
    }
    this.command = command;
    this.log.info(`Server command (${command.source}): ${formatCommandLine([command.command, ...command.args], process.platform)}`);

    const outcome = await this.probe(command);
    if (outcome.kind !== 'ok') {
      const message = problemMessage(command, outcome, process.platform);
      this.fail(message?.text ?? 'isolint could not start', message);
      return;
    }
    this.serverVersion = outcome.isolintVersion;
    this.log.info(`isolint ${outcome.isolintVersion}${outcome.pythonVersion ? ` on Python ${outcome.pythonVersion}` : ''}`);

    const client = this.createClient(command);
    this.client = client;
    this.crashes = [];
    try {
      await client.start();
    } catch (err) {
      this.client = undefined;
      this.fail(`the server did not start: ${errorText(err)}`, {
        key: `start:${command.command}`,
        text: 'The isolint server did not start. See the isolint output for details.',
        setting: command.source === 'isolint.path' ? 'isolint.path' : 'isolint.interpreter',
      });
      return;
    }
    this.status.show({ kind: 'ready', version: this.serverVersion, python: command.python?.[0] });
  }

  private async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.stopping = true;
    try {
      if (client.isRunning()) await client.stop(5_000);
      await client.dispose();
    } catch (err) {
      this.log.warn(`Stopping the server: ${errorText(err)}`);
    } finally {
      this.stopping = false;
      this.status.show({ kind: 'stopped', reason: 'restarting' });
    }
  }

  private async resolveCommand(): Promise<ServerCommand> {
    const folder = primaryFolder();
    const trusted = vscode.workspace.isTrusted;
    const settings = readLaunchSettings(vscode.workspace.getConfiguration('isolint', folder?.uri), trusted);
    if (!trusted && (settings.origin.interpreter === 'user' || settings.origin.path === 'user')) {
      this.log.info('Untrusted workspace: using isolint.interpreter/isolint.path from user settings only.');
    }
    // In an untrusted workspace the Python extension's selection may be a virtualenv inside the
    // workspace, i.e. a program the workspace controls: don't run it.
    const needsPythonExtension = settings.path.length === 0 && settings.interpreter.length === 0;
    const pythonExtensionInterpreter =
      needsPythonExtension && trusted ? await this.python.interpreterFor(folder?.uri) : undefined;
    return buildServerCommand({
      settings,
      pythonExtensionInterpreter,
      variables: variablesFor(folder),
      exists: (p) => fs.existsSync(p),
      platform: process.platform,
      bundledLauncher: this.bundledLauncher(),
    });
  }

  /** The bundled server's launcher, when this build carries bundled/libs (npm run package). */
  private bundledLauncher(): string | undefined {
    const bundled = path.join(this.context.extensionUri.fsPath, 'bundled');
    const launcher = path.join(bundled, 'tool', 'isolint_server.py');
    if (fs.existsSync(launcher) && fs.existsSync(path.join(bundled, 'libs'))) return launcher;
    this.log.info('This build of the extension has no bundled server (bundled/libs): running isolint from the environment.');
    return undefined;
  }

  /** Runs the interpreter once to learn whether isolint is importable (never any workspace code). */
  private probe(command: ServerCommand): Promise<ProbeOutcome> {
    const { command: program, args } = probeCommand(command);
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let settled = false;
      const finish = (result: ProbeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const outcome = interpretProbe(command, result);
        if (outcome.kind !== 'ok') {
          this.log.warn(`Probe of ${formatCommandLine([program], process.platform)}: ${outcome.kind}` +
            `${result.spawnError ? ` (${result.spawnError})` : ''}\n${result.stderr.trim()}`);
        }
        resolve(outcome);
      };
      const child = spawn(program, args, { cwd: this.neutralDirectory(), env: this.serverEnvironment(), windowsHide: true });
      const timer = setTimeout(() => {
        child.kill();
        finish({ code: null, stdout, stderr: `${stderr}\n(timed out after ${PROBE_TIMEOUT_MS / 1000} s)` });
      }, PROBE_TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', (err: NodeJS.ErrnoException) => finish({ code: null, stdout, stderr: err.message, spawnError: err.code ?? 'error' }));
      child.on('close', (code) => finish({ code, stdout, stderr }));
    });
  }

  /**
   * The server runs outside the workspace: `python -m` puts the working directory on sys.path,
   * and a workspace with its own `isolint/` folder must not be able to replace the server.
   */
  private neutralDirectory(): string {
    return this.context.extensionUri.fsPath;
  }

  private serverEnvironment(): NodeJS.ProcessEnv {
    return { ...process.env, PYTHONSAFEPATH: '1', PYTHONUNBUFFERED: '1' };
  }

  private createClient(command: ServerCommand): LanguageClient {
    const serverOptions: ServerOptions = {
      command: command.command,
      args: command.args,
      transport: TransportKind.stdio,
      options: { cwd: this.neutralDirectory(), env: this.serverEnvironment() },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.log,
      traceOutputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { settings: payloadFor(primaryFolder()?.uri) },
      // The server registers its own file watchers (workspace/didChangeWatchedFiles).
      synchronize: { configurationSection: 'isolint' },
      errorHandler: {
        error: (): ErrorHandlerResult => ({ action: ErrorAction.Continue, handled: true }),
        closed: (): CloseHandlerResult => this.onServerClosed(),
      },
      initializationFailedHandler: (err) => {
        this.log.error(`Server initialization failed: ${errorText(err)}`);
        return false;
      },
      middleware: {
        workspace: {
          // Answer per folder with validated settings (and never interpreter/path: the server
          // has no use for them).
          configuration: (params: ConfigurationParams, token, next) =>
            params.items.some((item) => item.section === 'isolint')
              ? params.items.map((item) =>
                  item.section === 'isolint'
                    ? payloadFor(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                    : null,
                )
              : next(params, token),
          didChangeConfiguration: async () => {
            await this.client?.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { isolint: payloadFor(primaryFolder()?.uri) },
            });
          },
        },
      },
    };

    const client = new QuietLanguageClient('isolint', 'isolint', serverOptions, clientOptions);
    keepServerCommandsForTheExtension(client);
    client.onNotification(ShowMessageNotification.type, (message) => this.showServerMessage(message.type, message.message));
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Starting) this.status.show({ kind: 'starting' });
      if (newState === State.Running) this.status.show({ kind: 'ready', version: this.serverVersion, python: command.python?.[0] });
      if (newState === State.Stopped && !this.stopping && this.client === client && this.status.state.kind !== 'error') {
        this.status.show({ kind: 'error', reason: 'the server stopped' });
      }
    });
    return client;
  }

  private onServerClosed(): CloseHandlerResult {
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (this.crashes.length < MAX_CRASHES) {
      this.log.warn(`The server exited unexpectedly; restarting (${this.crashes.length}/${MAX_CRASHES}).`);
      return { action: CloseAction.Restart, handled: true };
    }
    const reason = `the server crashed ${MAX_CRASHES} times in ${CRASH_WINDOW_MS / 60_000} minutes`;
    this.fail(reason, {
      key: 'crash-loop',
      text: `The isolint server crashed ${MAX_CRASHES} times in ${CRASH_WINDOW_MS / 60_000} minutes and was stopped. See the isolint output.`,
      setting: 'isolint.interpreter',
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }

  /** Server popups obey isolint.showNotifications; every message is in the output channel anyway. */
  private showServerMessage(type: MessageType, text: string): void {
    const level = vscode.workspace.getConfiguration('isolint').get<NotificationLevel>('showNotifications', 'off');
    const logLine = `[server] ${text}`;
    if (type === MessageType.Error) this.log.error(logLine);
    else if (type === MessageType.Warning) this.log.warn(logLine);
    else this.log.info(logLine);
    const show =
      level === 'always' ||
      (level === 'onWarning' && (type === MessageType.Error || type === MessageType.Warning)) ||
      (level === 'onError' && type === MessageType.Error);
    if (!show) return;
    if (type === MessageType.Error) void vscode.window.showErrorMessage(text);
    else if (type === MessageType.Warning) void vscode.window.showWarningMessage(text);
    else void vscode.window.showInformationMessage(text);
  }

  private fail(reason: string, message: UserMessage | undefined): void {
    this.status.show({ kind: 'error', reason });
    this.log.error(reason);
    if (!message || this.shownProblems.has(message.key)) return;
    this.shownProblems.add(message.key);
    const buttons = [`Open ${message.setting}`, ...(message.copyCommand ? ['Copy Command'] : []), 'Show Output'];
    void vscode.window.showErrorMessage(message.text, ...buttons).then(async (choice) => {
      if (choice === 'Show Output') this.log.show();
      else if (choice === 'Copy Command' && message.copyCommand) await vscode.env.clipboard.writeText(message.copyCommand);
      else if (choice?.startsWith('Open ')) await vscode.commands.executeCommand('workbench.action.openSettings', message.setting);
    });
  }
}

/**
 * vscode-languageclient registers a VS Code command for every command the server advertises. The
 * extension registers isolint.fixAll and isolint.showDebugInfo itself (they must work from the
 * palette with no arguments, and explain themselves when the server is down), so those two are
 * left out of the automatic registration; any other server command is still registered.
 */
function keepServerCommandsForTheExtension(client: LanguageClient): void {
  const feature = client.getFeature(ExecuteCommandRequest.method) as unknown as {
    register(data: { id: string; registerOptions: { commands?: string[] } }): void;
  };
  const register = feature.register.bind(feature);
  feature.register = (data) =>
    register({
      ...data,
      registerOptions: {
        ...data.registerOptions,
        commands: (data.registerOptions.commands ?? []).filter((c) => !CLIENT_OWNED_COMMANDS.has(c)),
      },
    });
}

/** The folder whose settings choose the interpreter (one server serves every folder of the window). */
export function primaryFolder(): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.[0];
}

/** What `${…}` in a path setting expands to for `folder`. */
export function variablesFor(folder: vscode.WorkspaceFolder | undefined): VariableContext {
  return { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env };
}

/** The settings the server receives for `scope` (validated; paths resolved against its folder). */
export function payloadFor(scope: vscode.Uri | undefined): Record<string, unknown> {
  const settings = readServerSettings(vscode.workspace.getConfiguration('isolint', scope), vscode.workspace.isTrusted);
  const folder = (scope && vscode.workspace.getWorkspaceFolder(scope)) || primaryFolder();
  return serverPayload(settings, variablesFor(folder));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
