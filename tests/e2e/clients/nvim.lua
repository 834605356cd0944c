-- Drives Neovim's built-in LSP client (0.7 and current) through one isolint session, headless:
-- open a file, wait for diagnostics, run a quick fix the way a user does (cursor on the
-- diagnostic, `vim.lsp.buf.code_action()`, pick the fix in the `vim.ui.select` menu), wait for
-- the server's republish, then write a JSON report. tests/e2e/test_editors.py makes the
-- assertions; this script only drives the editor and records what it shows.
--
-- Usage: nvim --headless -u NONE -i NONE -n -c 'luafile tests/e2e/clients/nvim.lua'
-- Env:   ISOLINT_E2E_SPEC  JSON file written by tests/e2e/editor_session.py
-- Exit:  0 when the report was written, 1 otherwise (always exits: a watchdog ends hangs).

local spec = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('ISOLINT_E2E_SPEC')), '\n'))
local report = { log = {}, diagnostics = {}, actions = {}, after_diagnostics = {} }

local started = vim.loop.hrtime()
-- Record a step with the seconds since start (the report's `log`, for slow or failed runs).
local function log(what)
  table.insert(report.log, string.format('%.2f s %s', (vim.loop.hrtime() - started) / 1e9, what))
end

local function finish(status)
  report.status = status
  vim.fn.writefile({ vim.fn.json_encode(report) }, spec.report)
  -- `qall!` exits 0 even after a failure; `cquit N` carries the status.
  vim.cmd(status == 'ok' and 'qall!' or 'cquit 1')
end

-- Whatever happens, exit after 3x the timeout.
local watchdog = vim.loop.new_timer()
watchdog:start(3 * spec.timeout_ms, 0, vim.schedule_wrap(function()
  report.error = 'watchdog: the session took longer than ' .. 3 * spec.timeout_ms .. ' ms'
  finish('error')
end))

local function wait(what, predicate)
  if not vim.wait(spec.timeout_ms, predicate, 20) then
    error('timeout (' .. spec.timeout_ms .. ' ms) waiting for ' .. what, 0)
  end
end

-- The isolint diagnostics of the buffer as the editor holds them: `covers` is the buffer text
-- under the range after Neovim converted the LSP positions to its byte columns, which is where
-- a position-encoding bug shows.
local function isolint_diagnostics(bufnr)
  local result = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.source == spec.source then
      local text = ''
      if d.lnum == d.end_lnum then
        local line = vim.api.nvim_buf_get_lines(bufnr, d.lnum, d.lnum + 1, false)[1] or ''
        text = line:sub(d.col + 1, d.end_col)
      end
      table.insert(result, {
        line = d.lnum, code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code),
        col = d.col, message = d.message, covers = text,
      })
    end
  end
  table.sort(result, function(a, b) return a.line < b.line or (a.line == b.line and a.col < b.col) end)
  return result
end

local function keys(diagnostics)
  local set = {}
  for _, d in ipairs(diagnostics) do set[d.line .. ':' .. tostring(d.code)] = true end
  return set
end

local function has_all(diagnostics, expected)
  local present = keys(diagnostics)
  for _, e in ipairs(expected) do
    if not present[e.line .. ':' .. e.code] then return false end
  end
  return true
end

local function same_keys(diagnostics, expected)
  return #diagnostics == #expected and has_all(diagnostics, expected)
end

local ok, err = pcall(function()
  report.editor = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  vim.cmd('edit ' .. vim.fn.fnameescape(spec.file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = spec.filetype -- -u NONE: no filetype detection

  local config = { name = 'isolint', cmd = spec.server_cmd, root_dir = spec.root }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else -- Neovim 0.7: no vim.lsp.start()
    client_id = vim.lsp.start_client(config)
    if client_id then vim.lsp.buf_attach_client(bufnr, client_id) end
  end
  if not client_id then error('the language client did not start', 0) end
  log('client started')

  wait('the expected diagnostics', function() return has_all(isolint_diagnostics(bufnr), spec.expected) end)
  local client = vim.lsp.get_client_by_id(client_id)
  report.offset_encoding = client.offset_encoding
  report.diagnostics = isolint_diagnostics(bufnr)
  log('diagnostics shown')

  -- The quick fix, as a user runs it: cursor on the diagnostic, then the code-action menu.
  local target
  for _, d in ipairs(report.diagnostics) do
    if d.line == spec.fix.line and d.code == spec.fix.code then target = d end
  end
  if not target then error('no ' .. spec.fix.code .. ' diagnostic on line ' .. spec.fix.line, 0) end
  vim.api.nvim_win_set_cursor(0, { target.line + 1, target.col })
  local chosen = false
  vim.ui.select = function(items, opts, on_choice)
    local pick
    for index, item in ipairs(items) do
      -- Neovim 0.7 passes {client_id, action}; newer versions {action=, ctx=}.
      local action = item.action or item[2]
      table.insert(report.actions, action.title)
      if not pick and vim.startswith(action.title, spec.fix.title_prefix) then pick = index end
    end
    chosen = true
    if pick then
      report.chosen = (items[pick].action or items[pick][2]).title
      on_choice(items[pick], pick)
    else
      on_choice(nil, nil)
    end
  end
  local tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.buf.code_action()
  wait('the code-action menu', function() return chosen end)
  if not report.chosen then error('no code action titled "' .. spec.fix.title_prefix .. '..."', 0) end
  -- codeAction/resolve (when the server defers edits) and the edit are asynchronous.
  wait('the quick fix to edit the buffer', function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end)
  log('quick fix applied')
  wait('the diagnostics after the fix', function() return same_keys(isolint_diagnostics(bufnr), spec.expected_after) end)
  report.after_diagnostics = isolint_diagnostics(bufnr)
  report.after_text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
  log('diagnostics republished')

  if client.stop and vim.fn.has('nvim-0.11') == 1 then client:stop() else vim.lsp.stop_client(client_id) end
  wait('the server to shut down', function() return vim.lsp.get_client_by_id(client_id) == nil end)
  log('server shut down')
end)

if not ok then
  report.error = tostring(err)
  local bufnr = vim.api.nvim_get_current_buf()
  pcall(function()
    report.after_diagnostics = isolint_diagnostics(bufnr)
    report.after_text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
  end)
  finish('error')
else
  finish('ok')
end
