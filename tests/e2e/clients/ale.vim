" Drives Vim + ALE through one isolint session, headless (`vim -es`): open a file, wait for
" ALE's diagnostics, run `:ALECodeAction` on one and pick the fix from ALE's prompt, lint again,
" then write a JSON report. tests/e2e/test_editors.py makes the assertions.
"
" Usage: vim -N -u NONE -i NONE -n -es -S tests/e2e/clients/ale.vim
" Env:   ISOLINT_E2E_SPEC  JSON file written by tests/e2e/editor_session.py
"
" -es gotchas handled here: no :echo output (everything goes into the report file);
" TextChanged does not fire in Ex mode, so :ALELint sends the didChange after the edit;
" :ALECodeAction always asks through ale#util#Input(), answered like a user typing the number.
" ALE reads LSP `character` as a byte offset, so on non-ASCII lines its columns are wrong.

set nocompatible
let s:spec = json_decode(join(readfile($ISOLINT_E2E_SPEC), "\n"))
let s:report = {'diagnostics': [], 'actions': [], 'after_diagnostics': [], 'offset_encoding': 'utf-16'}

function! s:Finish(status) abort
  let s:report.status = a:status
  call writefile([json_encode(s:report)], s:spec.report)
  if a:status ==# 'ok' | qall! | else | cquit 1 | endif
endfunction

function! s:Wait(cond, what) abort
  let l:start = reltime()
  while !eval(a:cond)
    if reltimefloat(reltime(l:start)) * 1000 > s:spec.timeout_ms
      throw 'timeout (' . s:spec.timeout_ms . ' ms) waiting for ' . a:what
    endif
    sleep 20m
  endwhile
endfunction

let g:ale_enabled = 1
let g:ale_lint_delay = 0
let g:ale_echo_cursor = 0
let g:ale_set_signs = 0
let g:ale_set_highlights = 0
let g:ale_set_loclist = 0
let g:ale_set_quickfix = 0
let g:ale_virtualtext_cursor = 'disabled'
let g:ale_linters = {'python': ['isolint']}
let g:ale_linters_explicit = 1
packadd ale

call ale#linter#Define('python', {
\   'name': 'isolint',
\   'lsp': 'stdio',
\   'executable': s:spec.server_cmd[0],
\   'command': join(map(copy(s:spec.server_cmd), 'shellescape(v:val)')),
\   'project_root': {buffer -> s:spec.root},
\})

runtime autoload/ale/util.vim
function! ale#util#Input(message, value, ...) abort
  " The prompt lists '1. title' lines; answer with the number of the wanted fix.
  let l:choice = ''
  for l:line in split(a:message, "\n")
    let l:match = matchlist(l:line, '^\s*\(\d\+\)[.:)]\s*\(.*\)$')
    if !empty(l:match)
      call add(s:report.actions, l:match[2])
      if empty(l:choice) && stridx(l:match[2], s:spec.fix.title_prefix) == 0
        let l:choice = l:match[1]
        let s:report.chosen = l:match[2]
      endif
    endif
  endfor
  return l:choice
endfunction

function! s:Diagnostics() abort
  let l:result = []
  for l:d in get(get(g:ale_buffer_info, bufnr(''), {}), 'loclist', [])
    if get(l:d, 'linter_name', '') !=# 'isolint' | continue | endif
    let l:end = get(l:d, 'end_col', l:d.col)
    call add(l:result, {'line': l:d.lnum - 1, 'code': get(l:d, 'code', ''), 'col': l:d.col - 1,
          \ 'message': l:d.text, 'covers': getline(l:d.lnum)[l:d.col - 1 : l:end - 1]})
  endfor
  return l:result
endfunction

function! s:Keys(diagnostics) abort
  return sort(map(copy(a:diagnostics), 'v:val.line . ":" . v:val.code'))
endfunction

function! s:HasAll(expected) abort
  let l:present = s:Keys(s:Diagnostics())
  for l:key in s:Keys(a:expected)
    if index(l:present, l:key) < 0 | return 0 | endif
  endfor
  return 1
endfunction

try
  let s:report.editor = 'vim ' . v:version / 100 . '.' . v:version % 100 . ' + ALE'
  execute 'edit ' . fnameescape(s:spec.file)
  setlocal filetype=python
  ALELint
  call s:Wait('s:HasAll(s:spec.expected)', 'the expected diagnostics')
  let s:report.diagnostics = s:Diagnostics()
  let s:target = filter(copy(s:report.diagnostics), 'v:val.line == s:spec.fix.line && v:val.code ==# s:spec.fix.code')
  if empty(s:target) | throw 'no ' . s:spec.fix.code . ' diagnostic on line ' . s:spec.fix.line | endif
  call cursor(s:target[0].line + 1, s:target[0].col + 1)
  let s:tick = b:changedtick
  ALECodeAction
  call s:Wait('b:changedtick != s:tick', 'the quick fix to edit the buffer')
  ALELint
  call s:Wait('s:Keys(s:Diagnostics()) == s:Keys(s:spec.expected_after)', 'the diagnostics after the fix')
  let s:report.after_diagnostics = s:Diagnostics()
  let s:report.after_text = join(getline(1, '$'), "\n") . "\n"
  call s:Finish('ok')
catch
  let s:report.error = v:exception . ' @ ' . v:throwpoint
  let s:report.log = [string(g:ale_buffer_info)]
  let s:report.after_diagnostics = s:Diagnostics()
  let s:report.after_text = join(getline(1, '$'), "\n") . "\n"
  call s:Finish('error')
endtry
