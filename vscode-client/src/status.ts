// The status bar item: what the server is doing, one click away from the output channel.

import * as vscode from 'vscode';

export type ServerState =
  | { kind: 'starting' }
  | { kind: 'ready'; version: string; python?: string }
  | { kind: 'stopped'; reason: string }
  | { kind: 'error'; reason: string };

export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private current: ServerState = { kind: 'stopped', reason: 'not started' };

  constructor() {
    this.item = vscode.window.createStatusBarItem('isolint.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'isolint';
    this.item.command = 'isolint.showOutput';
    this.show({ kind: 'starting' });
    this.item.show();
  }

  get state(): ServerState {
    return this.current;
  }

  show(state: ServerState): void {
    this.current = state;
    this.item.backgroundColor = undefined;
    this.item.accessibilityInformation = { label: `isolint: ${state.kind}`, role: 'button' };
    switch (state.kind) {
      case 'starting':
        this.item.text = '$(loading~spin) isolint';
        this.item.tooltip = 'isolint: starting the server…';
        break;
      case 'ready':
        this.item.text = '$(check) isolint';
        this.item.tooltip = `isolint ${state.version}: ready${state.python ? ` (${state.python})` : ''}. Click to show the output.`;
        break;
      case 'stopped':
        this.item.text = '$(circle-slash) isolint';
        this.item.tooltip = `isolint: stopped — ${state.reason}. Click to show the output.`;
        break;
      case 'error':
        this.item.text = '$(error) isolint';
        this.item.tooltip = `isolint: ${state.reason}. Click to show the output.`;
        this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
