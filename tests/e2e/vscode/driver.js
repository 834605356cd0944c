// Drives VS Code (code-server) in headless Chromium as a new user would, and writes what it saw
// to a JSON report; tests/e2e/test_vscode.py starts code-server, runs this, and asserts on the report.
//
// Usage: node driver.js CONFIG.json   (written by test_vscode.py; see VSCodeSession there)
//
// Every step records what the UI showed (DOM text, not the extension's API), takes a screenshot,
// and the run stops at the first step that times out: a failing report says where and what was
// on screen.
'use strict';
const fs = require('fs');
const path = require('path');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { chromium } = require(path.join(config.clientDir, 'node_modules', 'playwright-core'));

const T = config.timeoutMs;
const report = { steps: [], ok: false };
const started = Date.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const SQUIGGLE = '.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info';
const PROBLEM_ROWS = '.markers-panel .monaco-list-row';
const TOASTS = '.notifications-toasts .notification-toast';

async function step(name, fn) {
  const t0 = Date.now();
  const entry = { name, ms: 0 };
  report.steps.push(entry);
  try {
    Object.assign(entry, (await fn()) || {});
    entry.ok = true;
  } catch (err) {
    entry.ok = false;
    entry.error = String((err && err.message) || err).split('\n')[0];
    throw err;
  } finally {
    entry.ms = Date.now() - t0;
  }
}

async function shot(page, name) {
  const file = path.join(config.artifacts, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Polls `fn` until it returns a truthy value (VS Code renders asynchronously). */
async function until(fn, what, timeout = T) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    last = await fn();
    if (last) return last;
    await sleep(150);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
}

async function toastTexts(page) {
  return page.$$eval(TOASTS, (els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
}

/** The text of 1-based line `n` of the active editor (it must be scrolled into view). */
async function lineText(page, n) {
  return page.evaluate((n) => {
    const editor = document.querySelector('.part.editor .editor-instance .monaco-editor');
    if (!editor) return null;
    for (const num of editor.querySelectorAll('.margin-view-overlays .line-numbers')) {
      if (num.textContent.trim() !== String(n)) continue;
      const top = num.parentElement.style.top;
      for (const line of editor.querySelectorAll('.view-lines .view-line')) {
        if (line.style.top === top) return line.innerText.replace(/\u00a0/g, ' ');
      }
    }
    return null;
  }, n);
}

/** Lines `from`..`to` (1-based, inclusive) of the active editor. */
async function lineRange(page, from, to) {
  const out = {};
  for (let n = from; n <= to; n++) out[n] = await lineText(page, n);
  return out;
}

function sameLines(actual, expected) {
  return Object.entries(expected).every(([n, text]) => actual[n] === text);
}

async function problemRows(page) {
  return page.$$eval(PROBLEM_ROWS, (rows) => rows.map((r) => r.innerText.replace(/\s+/g, ' ').trim()));
}

async function statusItem(page) {
  return page.$$eval('.statusbar-item', (items) =>
    items.map((i) => (i.getAttribute('aria-label') || i.innerText || '').trim()).filter((t) => /isolint/i.test(t)));
}

/** The bundled server: `<python> -I …/bundled/tool/isolint_server.py`, run by config.python. */
function isServerCommandLine(pid, cmdline) {
  if (!cmdline.some((arg) => arg.endsWith('/bundled/tool/isolint_server.py'))) return false;
  try {
    return fs.realpathSync(`/proc/${pid}/exe`) === fs.realpathSync(config.python); // `python3` found on PATH
  } catch {
    return false;
  }
}

/** PIDs of the bundled isolint servers this code-server started. */
function serverPids() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (isServerCommandLine(entry, cmdline)) pids.push(Number(entry));
  }
  const parentOf = (pid) => {
    try {
      return Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    } catch {
      return -1;
    }
  };
  const descendsFromCodeServer = (pid) => {
    for (let p = parentOf(pid); p > 1; p = parentOf(p)) if (p === config.codeServerPid) return true;
    return false;
  };
  // Only our code-server's servers (other test runs on the machine start their own), and not
  // the workers a server forks with the same command line.
  return pids
    .filter((pid) => descendsFromCodeServer(pid) && !pids.includes(parentOf(pid)))
    .sort((a, b) => a - b);
}

function serverCommandLine(pid) {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

function writeWorkspaceSettings(settings) {
  fs.mkdirSync(path.dirname(config.settingsFile), { recursive: true });
  fs.writeFileSync(config.settingsFile, JSON.stringify(settings, null, 2));
}

/** The squiggle decoration on the target line (1-based), found by the line's vertical position. */
async function squiggleOnLine(page, line) {
  const lineBox = await targetLineBox(page, line);
  if (!lineBox) return null;
  for (const handle of await page.$$(SQUIGGLE)) {
    const box = await handle.boundingBox();
    if (box && Math.abs(box.y + box.height / 2 - (lineBox.y + lineBox.height / 2)) < lineBox.height) return box;
  }
  return null;
}

async function targetLineBox(page, line) {
  // The line-number gutter holds the 1-based numbers; its row shares the text line's top.
  for (const handle of await page.$$('.monaco-editor .margin-view-overlays .line-numbers')) {
    if ((await handle.innerText()).trim() === String(line)) return handle.boundingBox().then((b) => b && { ...b, x: 0 });
  }
  return null;
}

/** Quick Open (Ctrl+P) the file, then Go to Line (Ctrl+G) so the line is on screen. */
async function openFile(page, relPath, line) {
  await page.click('.monaco-workbench .part.editor', { timeout: T }).catch(() => {});
  await page.keyboard.press('Control+P');
  await page.waitForSelector('.quick-input-widget input', { timeout: T });
  await page.keyboard.type(relPath);
  await sleep(800);
  await page.keyboard.press('Enter');
  await until(async () => (await page.title()).startsWith(path.basename(relPath)), `the editor of ${relPath}`);
  await page.keyboard.press('Control+G');
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await until(() => lineText(page, line), `line ${line} on screen`);
}

/** Runs a command from the Command Palette by its title, as a user would. */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { timeout: T });
  await page.keyboard.type(title);
  await until(async () => (await page.$$eval('.quick-input-list .monaco-list-row', (rows) => rows.map((r) => r.innerText)))
    .some((t) => t.includes(title)), `the command ${title}`);
  await page.keyboard.press('Enter');
}

async function run(page) {
  const target = config.target;

  await step('open workspace', async () => {
    await page.goto(config.url, { waitUntil: 'domcontentloaded', timeout: T });
    await page.waitForSelector('.monaco-workbench', { timeout: T });
    return { title: await page.title() };
  });

  await step('fromEnvironment without isolint: one message', async () => {
    const text = await until(async () => (await toastTexts(page)).find((t) => /isolint is not installed/.test(t)), 'the not-installed notification');
    await sleep(1500); // a second popup, if the extension spammed, would be up by now
    const all = (await toastTexts(page)).filter((t) => /isolint/i.test(t));
    return { notification: text, isolintNotifications: all, status: await statusItem(page), screenshot: await shot(page, '1-not-installed') };
  });

  await step('useBundled (the default): the bundled server starts on the system Python', async () => {
    writeWorkspaceSettings({});
    const pids = await until(async () => { const p = serverPids(); return p.length ? p : null; }, 'the isolint server process');
    const commandLine = serverCommandLine(pids[0]);
    const status = await until(async () => (await statusItem(page)).find((t) => t === 'isolint: ready'), 'the status bar item to show ready');
    // dismiss the notification so it does not cover the editor in later screenshots
    await page.keyboard.press('Escape');
    for (const btn of await page.$$(`${TOASTS} .codicon-notifications-clear`)) await btn.click().catch(() => {});
    return { serverPids: pids, commandLine, status, isolintNotifications: (await toastTexts(page)).filter((t) => /isolint/i.test(t)) };
  });

  await step('open the file: squiggle and Problems entry', async () => {
    await openFile(page, target.relPath, target.line);
    const squiggle = await until(() => squiggleOnLine(page, target.line), `a squiggle on line ${target.line}`);
    await page.keyboard.press('Control+Shift+M');
    // The Problems list is virtualised and holds the whole workspace's findings: filter it to
    // the rule, as a user looking for one finding would.
    const filter = page.locator('.part.panel .viewpane-filter input, .part.panel .markers-panel-action-filter input').first();
    await filter.click({ timeout: T });
    await filter.fill(target.code);
    const rows = await until(async () => {
      const r = await problemRows(page);
      return r.some((t) => t.includes(target.code)) ? r : null;
    }, `a Problems entry for ${target.code}`);
    await page.keyboard.press('Control+1'); // focus back in the editor (Escape in the filter would clear it)
    const before = await lineRange(page, target.firstLine, target.lastLine);
    return { squiggle, problems: rows, lines: before, screenshot: await shot(page, '2-diagnostic') };
  });

  await step('hover shows the rule documentation', async () => {
    const box = await squiggleOnLine(page, target.line);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = await until(async () => {
      const texts = await page.$$eval('.monaco-hover', (els) => els.map((e) => e.innerText.trim()).filter(Boolean));
      return texts.find((t) => t.includes(target.code));
    }, 'a hover with the rule code');
    return { hover, screenshot: await shot(page, '3-hover') };
  });

  await step('quick fix through Ctrl+.', async () => {
    await page.mouse.move(10, 10);
    await page.keyboard.press('Escape');
    const box = await squiggleOnLine(page, target.line);
    await page.mouse.click(box.x + Math.min(box.width / 2, 20), box.y + box.height / 2);
    await page.keyboard.press('Control+.');
    await page.waitForSelector('.action-widget .monaco-list-row', { timeout: T });
    await sleep(400);
    const menu = await page.$$eval('.action-widget .monaco-list-row', (rows) => rows.map((r) => r.innerText.trim()));
    const menuShot = await shot(page, '4-quickfix-menu');
    const wanted = new RegExp(target.fixTitle);
    const index = menu.findIndex((t) => wanted.test(t));
    if (index < 0) throw new Error(`no quick fix matching /${target.fixTitle}/ in ${JSON.stringify(menu)}`);
    // Hover the row (the widget focuses it) and press Enter, as a mouse-and-keyboard user would.
    const row = page.locator('.action-widget .monaco-list-row').nth(index);
    await row.hover();
    await sleep(200);
    await page.keyboard.press('Enter');
    let lines;
    try {
      await until(async () => sameLines((lines = await lineRange(page, target.firstLine, target.lastLine)), target.afterFix),
        'the fixed text in the editor', 10_000);
    } catch (err) {
      throw new Error(`${err.message}; editor shows ${JSON.stringify(lines)}`);
    }
    await sleep(1000); // the republished diagnostics
    const remaining = await squiggleOnLine(page, target.line);
    return { menu, chosen: menu[index], lines, squiggleAfterFix: remaining, menuScreenshot: menuShot, screenshot: await shot(page, '5-after-fix') };
  });

  await step('undo brings the finding back', async () => {
    await page.keyboard.press('Control+Z');
    let lines;
    await until(async () => sameLines((lines = await lineRange(page, target.firstLine, target.lastLine)), target.beforeFix),
      'the original text after one undo', 10_000);
    await until(() => squiggleOnLine(page, target.line), 'the squiggle to return after undo');
    return { lines };
  });

  await step('isolint.ignore in workspace settings hides the finding without a restart', async () => {
    const before = serverPids();
    writeWorkspaceSettings({ 'isolint.ignore': [target.code] });
    await until(async () => !(await squiggleOnLine(page, target.line)), 'the squiggle to disappear');
    const rows = await until(async () => {
      const r = await problemRows(page);
      return r.every((t) => !t.includes(target.code)) ? r : null;
    }, `the ${target.code} Problems entry to disappear`);
    return { serverPidsBefore: before, serverPidsAfter: serverPids(), problems: rows, screenshot: await shot(page, '6-ignored-by-setting') };
  });

  const envTarget = config.envTarget;
  await step('.env file: a finding', async () => {
    await openFile(page, envTarget.relPath, envTarget.line);
    const squiggle = await until(() => squiggleOnLine(page, envTarget.line), `a squiggle on line ${envTarget.line} of ${envTarget.relPath}`);
    return { squiggle, line: await lineText(page, envTarget.line), screenshot: await shot(page, '6b-env-file') };
  });

  const fixAll = config.fixAllTarget;
  await step('isolint: Fix All command', async () => {
    const t0 = Date.now();
    await openFile(page, fixAll.relPath, fixAll.line);
    const opened = Date.now() - t0;
    await until(() => squiggleOnLine(page, fixAll.line), `a squiggle on line ${fixAll.line}`);
    const squiggled = Date.now() - t0;
    await runCommand(page, 'isolint: Fix All Auto-fixable Problems in File');
    const commandRun = Date.now() - t0;
    let lines;
    try {
      await until(async () => sameLines((lines = await lineRange(page, fixAll.firstLine, fixAll.lastLine)), fixAll.afterFix),
        'the fixed text in the editor', 10_000);
    } catch (err) {
      throw new Error(`${err.message}; editor shows ${JSON.stringify(lines)}`);
    }
    const screenshot = await shot(page, '7-fix-all-command');
    await page.keyboard.press('Control+Z');
    await until(async () => sameLines(await lineRange(page, fixAll.firstLine, fixAll.lastLine), fixAll.beforeFix),
      'the original text after undo', 10_000);
    return { lines, screenshot, timings: { opened, squiggled, commandRun, fixed: Date.now() - t0 } };
  });

  await step('fix all on save (editor.codeActionsOnSave)', async () => {
    const file = path.join(config.workspace, fixAll.relPath);
    const before = fs.readFileSync(file, 'utf8');
    writeWorkspaceSettings({
      'isolint.ignore': [target.code],
      'editor.codeActionsOnSave': { 'source.fixAll.isolint': 'explicit' },
    });
    await sleep(1500); // VS Code re-reads the settings file
    await page.keyboard.press('Control+S');
    const fileOnDisk = await until(() => {
      const text = fs.readFileSync(file, 'utf8');
      return text !== before ? text : null;
    }, 'the file on disk to change on save', 15_000);
    return { fileOnDisk, screenshot: await shot(page, '8-fixed-on-save') };
  });

  await step('isolint: Show Debug Info command', async () => {
    await runCommand(page, 'isolint: Show Debug Info');
    const text = await until(async () => {
      const t = await page.$$eval('.part.panel .monaco-editor .view-lines .view-line', (ls) =>
        ls.map((l) => ({ top: parseFloat(l.style.top), t: l.innerText.replace(/\u00a0/g, ' ') }))
          .sort((a, b) => a.top - b.top).map((l) => l.t).join('\n'));
      return /editor settings: enable=/.test(t) ? t : null;
    }, 'the debug information in the isolint output', 15_000);
    return { text, screenshot: await shot(page, '10-debug-info') };
  });

  await step('isolint: Restart Server command', async () => {
    const before = serverPids();
    await runCommand(page, 'isolint: Restart Server');
    const after = await until(async () => {
      const now = serverPids();
      return now.length && !now.some((pid) => before.includes(pid)) ? now : null;
    }, 'a new server process in place of the old one', 30_000);
    const status = await until(async () => (await statusItem(page)).find((t) => t === 'isolint: ready'), 'ready again after the restart');
    return { before, after, status };
  });

  await step('isolint: Show Output command', async () => {
    await page.keyboard.press('Control+Shift+M'); // the Problems view replaces the Output view in the panel
    await until(async () => !(await page.$('.part.panel .monaco-editor .view-lines .view-line')), 'the output view hidden');
    await runCommand(page, 'isolint: Show Output');
    const channel = await until(async () => {
      const names = await page.$$eval('.part.panel select, .part.panel .monaco-select-box', (els) =>
        els.map((e) => (e.value || e.getAttribute('title') || e.innerText || '').trim()));
      return names.find((n) => /isolint/i.test(n)) || null;
    }, 'the isolint output channel shown', 15_000);
    const lines = await until(async () => {
      const t = await page.$$eval('.part.panel .monaco-editor .view-lines .view-line', (ls) => ls.map((l) => l.innerText));
      return t.some((x) => x.trim()) ? t : null;
    }, 'the output channel text', 15_000);
    return { channel, lines, screenshot: await shot(page, '11-output') };
  });
}

/**
 * Restricted Mode: the workspace's own settings name an interpreter (a script that leaves a
 * marker file when run). The extension must not run it: it falls back to python3 on PATH, which
 * lacks isolint, and says so.
 */
async function runUntrusted(page) {
  await step('open untrusted workspace', async () => {
    await page.goto(config.url, { waitUntil: 'domcontentloaded', timeout: T });
    await page.waitForSelector('.monaco-workbench', { timeout: T });
    return { title: await page.title() };
  });
  await step('workspace interpreter ignored in Restricted Mode', async () => {
    // the command line is read when the process is seen: the server may exit (isolint missing) before the wait ends
    const found = await until(async () => {
      const p = serverPids();
      try { return p.length ? { pids: p, commandLine: serverCommandLine(p[0]) } : null; } catch { return null; }
    }, 'the bundled server on python3 from PATH');
    await sleep(1500);
    return {
      serverPids: found.pids,
      commandLine: found.commandLine,
      markerExists: fs.existsSync(config.markerFile),
      restrictedModeShown: await page.$$eval('.statusbar-item', (items) =>
        items.some((i) => /Restricted Mode/i.test(i.innerText || i.getAttribute('aria-label') || ''))),
      screenshot: await shot(page, '9-untrusted-workspace'),
    };
  });
}

(async () => {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (e) => (report.pageErrors = [...(report.pageErrors || []), String(e).slice(0, 300)]));
  try {
    await (config.scenario === 'untrusted' ? runUntrusted(page) : run(page));
    report.ok = true;
  } catch (err) {
    report.error = String((err && err.stack) || err);
    report.failureScreenshot = await shot(page, 'failure').catch(() => undefined);
    report.toasts = await toastTexts(page).catch(() => undefined);
  } finally {
    report.totalMs = Date.now() - started;
    fs.writeFileSync(config.report, JSON.stringify(report, null, 2));
    await browser.close();
  }
  process.exit(report.ok ? 0 : 1);
})();
