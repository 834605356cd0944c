// The interpreter selected in the Python extension (ms-python.python), when it is installed.

import * as vscode from 'vscode';
import type { PythonExtension } from '@vscode/python-extension';

const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface PythonInterpreterSource {
  /** The selected interpreter for `resource` as [executable]; undefined when there is none. */
  interpreterFor(resource: vscode.Uri | undefined): Promise<string[] | undefined>;
  /** Fires when the user selects another interpreter. */
  readonly onDidChange: vscode.Event<void>;
  dispose(): void;
}

/**
 * Loads the Python extension's API lazily: the extension is optional, and activating it only to
 * learn that no interpreter is selected would slow our own start. Logs, never throws.
 */
export async function connectPythonExtension(log: vscode.LogOutputChannel): Promise<PythonInterpreterSource> {
  const emitter = new vscode.EventEmitter<void>();
  const disposables: vscode.Disposable[] = [emitter];
  let api: PythonExtension | undefined;
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    try {
      const { PythonExtension } = await import('@vscode/python-extension');
      api = await PythonExtension.api();
      disposables.push(api.environments.onDidChangeActiveEnvironmentPath(() => emitter.fire()));
    } catch (err) {
      log.warn(`Python extension is installed but its API is unavailable: ${String(err)}`);
    }
  }
  return {
    onDidChange: emitter.event,
    async interpreterFor(resource) {
      if (!api) return undefined;
      try {
        const active = api.environments.getActiveEnvironmentPath(resource);
        const env = await api.environments.resolveEnvironment(active);
        const executable = env?.executable.uri?.fsPath;
        return executable ? [executable] : undefined;
      } catch (err) {
        log.warn(`Could not resolve the Python extension's interpreter: ${String(err)}`);
        return undefined;
      }
    },
    dispose() {
      disposables.forEach((d) => d.dispose());
    },
  };
}
