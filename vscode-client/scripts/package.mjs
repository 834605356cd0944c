// `npm run package [-- --target <vscode-target>]`: the platform-specific .vsix, with the isolint
// server and its Python dependencies bundled (scripts/bundle.py), for this machine's target by
// default. Output: dist/isolint-<target>.vsix. The Python that downloads the wheels is
// $ISOLINT_BUNDLE_PYTHON, else python3 (python on Windows); it needs pip, nothing else.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const client = join(dirname(fileURLToPath(import.meta.url)), '..');
const targets = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
const arg = process.argv.indexOf('--target');
const target = arg >= 0 ? process.argv[arg + 1] : `${process.platform}-${process.arch}`;
if (!targets.includes(target)) {
  console.error(`package: unsupported target ${target}; one of ${targets.join(', ')}`);
  process.exit(2);
}
const python = process.env.ISOLINT_BUNDLE_PYTHON || (process.platform === 'win32' ? 'python' : 'python3');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: client, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`package: ${command} ${args.join(' ')} failed (${result.error ?? `exit ${result.status}`})`);
    process.exit(result.status || 1);
  }
}

mkdirSync(join(client, 'dist'), { recursive: true });
run(process.execPath, ['esbuild.mjs', '--production']);
run(python, ['scripts/bundle.py', '--target', target]);
run(process.execPath, [join(client, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--target', target,
  '--no-dependencies', '--out', `dist/isolint-${target}.vsix`,
  // vsce's secret scan reads every file: 5 minutes for the ~2,800 files of the bundled libraries
  // (third-party code, and isolint's own secret-detection rules quote example secrets).
  '--allow-package-all-secrets', '--allow-package-env-file']);
