;;; eglot.el --- drives Emacs + eglot through one isolint session, headless -*- lexical-binding: t -*-
;;
;; Open a file, wait for flymake to show the server's diagnostics, run the quick fix the way
;; a user does (`M-x eglot-code-actions' on the diagnostic, pick the fix in the menu), wait for
;; the republish, then write a JSON report.  tests/e2e/test_editors.py makes the assertions;
;; this script only drives the editor and records what it shows.
;;
;; Usage: emacs --batch -l tests/e2e/clients/eglot.el
;; Env:   ISOLINT_E2E_SPEC  JSON file written by tests/e2e/editor_session.py
;; Exit:  0 when the report was written, 1 otherwise.
;;
;; --batch gotchas handled here: Debian's elpa-* packages need `package-activate-all'; flymake's
;; start and eglot's didChange both wait for an idle command loop that --batch never has, so
;; the script starts flymake and fires the idle timers itself; flymake positions are plain
;; numbers that go stale after an edit, so it waits for the next publishDiagnostics.

(require 'package)
(package-activate-all)
(require 'json)
(require 'eglot)
(require 'flymake)
(require 'python)

(defvar e2e-spec (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
                   (json-read-file (getenv "ISOLINT_E2E_SPEC"))))
(defun e2e-get (&rest path)
  (let ((value e2e-spec))
    (dolist (key path value) (setq value (alist-get key value)))))
(defvar e2e-timeout (/ (e2e-get 'timeout_ms) 1000.0))
(defvar e2e-report (list (cons 'log nil)))
(defvar e2e-started (float-time))

(defun e2e-log (what)
  "Record WHAT with the seconds since start (the report's `log', for slow or failed runs)."
  (push (format "%.2f s %s" (- (float-time) e2e-started) what) (alist-get 'log e2e-report)))

(defun e2e-put (key value) (setf (alist-get key e2e-report) value))

(defun e2e-finish (status)
  (e2e-put 'status status)
  (e2e-put 'log (reverse (alist-get 'log e2e-report)))  ; pushed newest first
  (with-temp-file (e2e-get 'report)
    (insert (json-encode e2e-report)))
  (kill-emacs (if (equal status "ok") 0 1)))

(defun e2e-wait (what predicate)
  "Run the event loop (process output and timers) until PREDICATE holds."
  (let ((deadline (+ (float-time) e2e-timeout)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (unless (funcall predicate)
      (error "timeout (%s s) waiting for %s" e2e-timeout what))))

(defun e2e-run-idle-timers ()
  "Fire the pending idle timers: eglot sends didChange from one, and --batch is never idle."
  (dolist (timer (copy-sequence timer-idle-list))
    (timer-event-handler timer)))

(defvar e2e-publish-count 0)
(advice-add 'eglot-handle-notification :after
            (lambda (_server method &rest _)
              (when (eq method 'textDocument/publishDiagnostics)
                (setq e2e-publish-count (1+ e2e-publish-count)))))

(defun e2e-column (position)
  (save-excursion (goto-char position) (- position (line-beginning-position))))

(defun e2e-diagnostics ()
  "The server's diagnostics as flymake shows them; `covers' is the buffer text under each."
  (let (result)
    (dolist (d (flymake-diagnostics))
      (let* ((lsp (cdr (assoc 'eglot-lsp-diag (eglot--diag-data d))))
             (beg (flymake-diagnostic-beg d))
             (end (flymake-diagnostic-end d)))
        (when (equal (plist-get lsp :source) (e2e-get 'source))
          (push (list (cons 'line (1- (line-number-at-pos beg)))
                      (cons 'code (plist-get lsp :code))
                      (cons 'col (e2e-column beg))
                      (cons 'message (flymake-diagnostic-text d))
                      (cons 'covers (buffer-substring-no-properties beg end))
                      (cons 'beg beg) (cons 'end end))
                result))))
    (sort result (lambda (a b) (< (alist-get 'beg a) (alist-get 'beg b))))))

(defun e2e-keys (diagnostics)
  (mapcar (lambda (d) (format "%s:%s" (alist-get 'line d) (alist-get 'code d))) diagnostics))

(defun e2e-has-all (expected)
  (let ((present (e2e-keys (e2e-diagnostics))))
    (cl-every (lambda (key) (member key present)) (e2e-keys expected))))

(defun e2e-public (diagnostics)
  (mapcar (lambda (d) (seq-remove (lambda (pair) (memq (car pair) '(beg end))) d)) diagnostics))

(condition-case err
    (progn
      (e2e-put 'editor (format "%s.%s / eglot %s" emacs-major-version emacs-minor-version
                               (package-version-join
                                (package-desc-version (cadr (assq 'eglot package-alist))))))
      (setq eglot-server-programs `((python-mode . ,(e2e-get 'server_cmd)))
            eglot-sync-connect t
            eglot-autoshutdown t
            eglot-send-changes-idle-time 0
            flymake-no-changes-timeout 0.1) ; nil would keep eglot from reporting to flymake
      (find-file (e2e-get 'file))
      (unless (derived-mode-p 'python-mode) (python-mode))
      (let ((default-directory (file-name-as-directory (e2e-get 'root))))
        (apply #'eglot (eglot--guess-contact)))      ; M-x eglot, minus the prompts
      (e2e-wait "eglot to manage the buffer" #'eglot-managed-p)
      (e2e-log "eglot manages the buffer")
      (flymake-start nil t)
      (e2e-wait "the expected diagnostics" (lambda () (e2e-has-all (e2e-get 'expected))))
      (e2e-log "diagnostics shown")
      ;; eglot 1.9 offers no positionEncodings and counts in utf-16; the server must agree.
      (e2e-put 'offset_encoding (or (plist-get (eglot--capabilities (eglot-current-server)) :positionEncoding)
                                    "utf-16 (not stated by the server)"))
      (let* ((diagnostics (e2e-diagnostics))
             (target (seq-find (lambda (d) (and (equal (alist-get 'line d) (e2e-get 'fix 'line))
                                                (equal (alist-get 'code d) (e2e-get 'fix 'code))))
                               diagnostics))
             (published e2e-publish-count)
             (tick (buffer-chars-modified-tick))
             (offered nil))
        (e2e-put 'diagnostics (e2e-public diagnostics))
        (unless target
          (error "no %s diagnostic on line %s" (e2e-get 'fix 'code) (e2e-get 'fix 'line)))
        ;; The menu of `eglot-code-actions' is a `completing-read' (a keyboard event, not a mouse
        ;; click, last invoked the command); answer it the way a user picks the fix.
        (cl-letf (((symbol-function 'completing-read)
                   (lambda (_prompt collection &rest _)
                     (setq offered (mapcar #'car collection))
                     (or (seq-find (lambda (title) (string-prefix-p (e2e-get 'fix 'title_prefix) title))
                                   offered)
                         (error "no code action titled \"%s...\" among %S"
                                (e2e-get 'fix 'title_prefix) offered)))))
          (let ((last-nonmenu-event ?\r))
            (goto-char (alist-get 'beg target))
            (eglot-code-actions (alist-get 'beg target) (alist-get 'end target) nil t)))
        (e2e-log "quick fix applied")
        (e2e-put 'actions offered)
        (e2e-put 'chosen (seq-find (lambda (title) (string-prefix-p (e2e-get 'fix 'title_prefix) title))
                                   offered))
        (when (= tick (buffer-chars-modified-tick))
          (error "the quick fix did not edit the buffer"))
        (e2e-run-idle-timers)           ; -> textDocument/didChange
        (e2e-wait "the diagnostics after the fix"
                  (lambda () (and (> e2e-publish-count published)
                                  (let ((now (e2e-keys (e2e-diagnostics)))
                                        (want (e2e-keys (e2e-get 'expected_after))))
                                    (and (= (length now) (length want))
                                         (cl-every (lambda (k) (member k now)) want)))))))
      (e2e-log "diagnostics republished")
      (e2e-put 'after_diagnostics (e2e-public (e2e-diagnostics)))
      (e2e-put 'after_text (buffer-substring-no-properties (point-min) (point-max)))
      (set-buffer-modified-p nil)
      (eglot-shutdown (eglot-current-server))
      (e2e-log "server shut down")
      (e2e-finish "ok"))
  (error
   (e2e-put 'error (error-message-string err))
   (ignore-errors
     (e2e-put 'after_diagnostics (e2e-public (e2e-diagnostics)))
     (e2e-put 'after_text (buffer-substring-no-properties (point-min) (point-max))))
   (e2e-finish "error")))
