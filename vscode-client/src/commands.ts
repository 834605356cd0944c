// The user-facing commands that need more than a one-line handler.

import * as vscode from 'vscode';
import { formatCommandLine } from './launch';
import { SERVER_COMMANDS, ServerManager, payloadFor, primaryFolder } from './server';
import { readLaunchSettings } from './settings';

/**
 * Fix all in the active file through the server's isolint.fixAll command; the server applies the
 * edit with workspace/applyEdit (the same edit as the `source.fixAll.isolint` code action).
 */
export async function fixAll(server: ServerManager): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('isolint: open a file to fix.');
    return;
  }
  const result = (await server.executeServerCommand(SERVER_COMMANDS.fixAll, [{ uri: editor.document.uri.toString() }])) as
    | { applied?: boolean; reason?: string }
    | undefined;
  if (result && !result.applied) vscode.window.setStatusBarMessage(`isolint: ${result.reason ?? 'nothing fixed'}`, 4000);
}

/** Writes what a bug report needs (versions, the exact command, effective settings) to the output. */
export async function showDebugInfo(
  context: vscode.ExtensionContext,
  server: ServerManager,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const folder = primaryFolder();
  const trusted = vscode.workspace.isTrusted;
  const command = server.currentCommand;
  const lines = [
    'isolint debug information',
    `  extension: ${context.extension.packageJSON.version} (${context.extensionMode === vscode.ExtensionMode.Production ? 'production' : 'development'})`,
    `  VS Code: ${vscode.version} (${vscode.env.appName}, ${vscode.env.appHost})`,
    `  workspace trusted: ${trusted}`,
    `  workspace folders: ${(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath).join(', ') || '(none)'}`,
    `  server command: ${command ? `${formatCommandLine([command.command, ...command.args], process.platform)} (from ${command.source})` : '(not resolved)'}`,
    `  server: ${server.runningClient ? `running, isolint ${server.version}` : 'not running'}`,
  ];
  for (const f of vscode.workspace.workspaceFolders ?? []) {
    lines.push(`  settings for ${f.name}: ${JSON.stringify(payloadFor(f.uri))}`);
  }
  const launch = readLaunchSettings(vscode.workspace.getConfiguration('isolint', folder?.uri), trusted);
  lines.push(`  isolint.interpreter: ${JSON.stringify(launch.interpreter)} (${launch.origin.interpreter})`);
  lines.push(`  isolint.path: ${JSON.stringify(launch.path)} (${launch.origin.path})`);
  lines.push(`  isolint.importStrategy: ${launch.importStrategy}${command?.launcher ? ` (bundled server: ${command.launcher})` : ''}`);
  if (server.serverHasCommand(SERVER_COMMANDS.debugInfo)) {
    const uri = vscode.window.activeTextEditor?.document.uri.toString();
    const fromServer = await server.executeServerCommand(SERVER_COMMANDS.debugInfo, uri ? [{ uri }] : []);
    lines.push('server:', typeof fromServer === 'string' ? fromServer : JSON.stringify(fromServer, null, 2));
  }
  log.info(lines.join('\n'));
  log.show(true);
}
