// Entry point: wires settings, commands and events to the server manager. No logic of its own.

import * as vscode from 'vscode';
import { connectPythonExtension } from './python';
import { SERVER_COMMANDS, ServerManager } from './server';
import { RESTART_SETTINGS } from './settings';
import { StatusItem } from './status';
import { fixAll, showDebugInfo } from './commands';

let manager: ServerManager | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('isolint', { log: true });
  const status = new StatusItem();
  const python = await connectPythonExtension(log);
  manager = new ServerManager(context, log, status, python);
  const server = manager;
  context.subscriptions.push(log, status, python);

  context.subscriptions.push(
    vscode.commands.registerCommand('isolint.restart', () => server.restart('requested by the user')),
    vscode.commands.registerCommand('isolint.showOutput', () => log.show()),
    vscode.commands.registerCommand(SERVER_COMMANDS.fixAll, () => fixAll(server)),
    vscode.commands.registerCommand(SERVER_COMMANDS.debugInfo, () => showDebugInfo(context, server, log)),

    vscode.workspace.onDidChangeConfiguration((event) => {
      const changed = RESTART_SETTINGS.filter((key) => event.affectsConfiguration(key));
      if (changed.length > 0) void server.restart(`${changed.join(', ')} changed`);
    }),
    python.onDidChange(() => void server.restartIfCommandChanged('the Python extension selected another interpreter')),
    vscode.workspace.onDidGrantWorkspaceTrust(() => void server.restart('the workspace is now trusted')),
    vscode.workspace.onDidChangeWorkspaceFolders(() => void server.restartIfCommandChanged('workspace folders changed')),
  );

  // Not awaited: activation must not wait for a Python interpreter to start.
  void server.restart('extension activated');
}

export async function deactivate(): Promise<void> {
  await manager?.dispose();
  manager = undefined;
}
