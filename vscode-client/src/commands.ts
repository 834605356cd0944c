// The user-facing commands that need more than a one-line handler.

import * as vscode from 'vscode';
import { WorkspaceEdit as ProtocolWorkspaceEdit } from 'vscode-languageclient/node';
import { formatCommandLine } from './launch';
import { SERVER_COMMANDS, ServerManager, primaryFolder } from './server';
import { readLaunchSettings, readServerSettings, serverPayload } from './settings';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('isolint');

/**
 * Fix all in the active file: the server's isolint.fixAll command when it has one, else the
 * `source.fixAll.isolint` code action (the same edit `editor.codeActionsOnSave` applies).
 */
export async function fixAll(server: ServerManager): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage('isolint: open a file to fix.');
    return;
  }
  const document = editor.document;
  if (server.serverHasCommand(SERVER_COMMANDS.fixAll)) {
    const result = await server.executeForDocument(SERVER_COMMANDS.fixAll, document);
    // The server either applies the edit itself (workspace/applyEdit) or returns it.
    if (isProtocolWorkspaceEdit(result) && server.runningClient) {
      await vscode.workspace.applyEdit(await server.runningClient.protocol2CodeConverter.asWorkspaceEdit(result));
    }
    return;
  }
  if (!server.runningClient) {
    await server.executeForDocument(SERVER_COMMANDS.fixAll, document); // explains that the server is down
    return;
  }
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider', document.uri, whole, FIX_ALL_KIND.value);
  const action = actions?.find((a) => a.edit);
  if (action?.edit) await vscode.workspace.applyEdit(action.edit);
}

function isProtocolWorkspaceEdit(value: unknown): value is ProtocolWorkspaceEdit {
  return typeof value === 'object' && value !== null && ('changes' in value || 'documentChanges' in value);
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
    const config = vscode.workspace.getConfiguration('isolint', f.uri);
    lines.push(`  settings for ${f.name}: ${JSON.stringify(serverPayload(readServerSettings(config, trusted)))}`);
  }
  const launch = readLaunchSettings(vscode.workspace.getConfiguration('isolint', folder?.uri), trusted);
  lines.push(`  isolint.interpreter: ${JSON.stringify(launch.interpreter)} (${launch.origin.interpreter})`);
  lines.push(`  isolint.path: ${JSON.stringify(launch.path)} (${launch.origin.path})`);
  const editor = vscode.window.activeTextEditor;
  if (server.serverHasCommand(SERVER_COMMANDS.debugInfo) && editor) {
    const fromServer = await server.executeForDocument(SERVER_COMMANDS.debugInfo, editor.document);
    lines.push('server:', typeof fromServer === 'string' ? fromServer : JSON.stringify(fromServer, null, 2));
  }
  log.info(lines.join('\n'));
  log.show(true);
}
