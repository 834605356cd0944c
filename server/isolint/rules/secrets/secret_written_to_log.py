from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import SECRET_RANGE, Range, Severity
from isolint.core.rule import PRODUCTION_ONLY, Rule
from isolint.core.scratch import Key
from isolint.rules.common.names import LOG_METHODS, assigned_name, dotted_name
from isolint.rules.common.secret_detection import NameKind, classify_name, name_words

if TYPE_CHECKING:
    from isolint.core.context import PythonContext

#: what a logger is called (``logger``, ``self._log``, ``app.logger``)
LOGGER_NAME_RE = lazy_compile(r"(^|[._])_?(log|logger|logging|structlog|loguru)$")
#: the logging libraries' own functions (``logging.info(…)``, ``loguru.logger.info(…)``)
LOGGING_MODULES = ("logging.", "structlog.", "loguru.")
#: a name's last word that makes it a credential by itself
CREDENTIAL_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "secret", "apikey", "secretkey",
                              "privatekey", "accesskey", "authtoken", "accesstoken", "refreshtoken", "credentials",
                              "creds", "cookie"})
#: the words before ``token`` that make it a credential, not a piece of a language model's text
TOKEN_QUALIFIERS = frozenset({
    "access", "auth", "refresh", "bearer", "api", "session", "jwt", "csrf", "oauth", "id", "bot", "personal",
    "github", "gh", "gitlab", "bitbucket", "slack", "reset", "verification", "verify", "invite", "magic", "webhook",
    "service", "hf", "npm", "login", "security", "secret", "client", "app", "admin", "deploy", "registration",
})
#: the words before ``key`` that make it a credential, not a lookup key (``llm_key``, ``issue_key``)
KEY_QUALIFIERS = frozenset({"api", "secret", "private", "access", "signing", "encryption", "master", "auth",
                            "session", "client", "hmac", "webhook", "ssh", "license", "service", "account"})
#: words that say the value is about the secret or stands in for it (``masked_key``, ``has_api_key``)
NOT_THE_SECRET_WORDS = frozenset({"masked", "mask", "redacted", "obfuscated", "truncated", "hashed", "hidden",
                                  "safe", "short", "partial", "preview", "display", "has", "is", "use", "uses",
                                  "with", "without", "no", "missing", "valid", "invalid", "num"})
#: format specs that keep only part of a value (``{key:.6}``)
TRUNCATING_SPEC_RE = lazy_compile(r"^\.\d+")
#: calls that hand their argument's text on unchanged
TEXT_CALLS = frozenset({"str", "repr", "format", "f"})


def secret_name(node: ast.AST) -> str | None:
    """The name ``node`` is read under when that name says it holds a credential in full:
    ``api_key``, ``self.password``, ``data["client_secret"]``, ``github_token`` — not
    ``masked_key``, ``api_key_id``, an ``llm_key`` that picks a model or a model's ``next_token``."""
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
        return None  # api_key[:8]: a prefix, the usual way of showing which key without revealing it
    name = assigned_name(node) if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)) else None
    if not name or classify_name(name) not in (NameKind.SECRET, NameKind.PASSWORD):
        return None
    words = [word.lower() for word in name_words(name)]
    if not NOT_THE_SECRET_WORDS.isdisjoint(words):
        return None
    *before, last = words
    qualified = (last in ("token", "tokens") and not TOKEN_QUALIFIERS.isdisjoint(before)
                 or last in ("key", "keys") and before[-1:] and before[-1] in KEY_QUALIFIERS)
    return name if last in CREDENTIAL_WORDS or qualified else None


def revealed(node: ast.AST) -> Iterator[tuple[ast.expr, str]]:
    """The secret-named values ``node`` (a log call's argument) writes out in full: the value
    itself, a field of an f-string, an operand of ``%`` or ``+``, an argument of ``.format()``,
    ``str()``/``repr()``, an item of a tuple, list or dict (``extra={"key": api_key}``)."""
    name = secret_name(node)
    if name is not None:
        yield node, name  # type: ignore[misc]
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and not _truncates(value):
                yield from revealed(value.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        yield from revealed(node.left)
        yield from revealed(node.right)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from revealed(element)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from revealed(value)
    elif isinstance(node, ast.Call) and _passes_text_on(node):
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            yield from revealed(argument)


def _truncates(value: ast.FormattedValue) -> bool:
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr) or not spec.values:
        return False
    first = spec.values[0]
    return isinstance(first, ast.Constant) and TRUNCATING_SPEC_RE.match(str(first.value)) is not None


def _passes_text_on(call: ast.Call) -> bool:
    """``str(key)``, ``repr(key)``, ``"…{}".format(key)``: the argument's whole text goes on."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in TEXT_CALLS
    return isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, (ast.Constant, ast.Name))


class SecretWrittenToLog(Rule):
    """A credential (`api_key`, `password`, `access_token`) written in full to a log or printed.

    ## What it does
    Flags a log call (`logger.info`, `logging.warning`, `log.msg`) or `print` in production code
    whose message carries a value named as a credential in full: the value itself, an f-string
    field, a `%`/`+`/`.format()` operand or an item of `extra`.

    ## Why is this bad?
    Logs are copied to log services, support tickets and dashboards that many more people read
    than the secrets store; a key written there in full is leaked to all of them and outlives
    its rotation in the archives.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def record(api_key: str) -> None:
        logger.info(f"request authenticated with {api_key}")
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def record(api_key: str, project_id: str) -> None:
        logger.info(f"request authenticated for project {project_id} (key {api_key[:4]}…)")
    ```

    ## Known look-alikes
    - A prefix or a mask of the secret (`api_key[:8]`, `{key:.6}`, `masked_key`, `mask(key)`), its
      length or hash, a boolean about it (`has_api_key`).
    - Names only about a secret (`api_key_id`, `token_count`, `secret_name`) and a language
      model's `tokens`, `next_token`.
    - Development and test code; exception messages (not a log call).
    """

    code = "ISO204"
    name = "secret-written-to-log"
    message = "`{name}` is {verb} in full"
    severity = Severity.WARNING
    zones = PRODUCTION_ONLY
    tokens = (b"print", b"log", b"LOG")

    def visit_Call(self, node: ast.Call, ctx: PythonContext) -> None:
        verb = _writes_out(node, ctx)
        if verb is None:
            return
        found = [hit for argument in [*node.args, *(keyword.value for keyword in node.keywords
                                                    if keyword.arg not in ("exc_info", "stack_info", "stacklevel"))]
                 for hit in revealed(argument)]
        if not found:
            return
        (first, name), *others = found
        related = [(ctx.range(other), f"`{other_name}` in the same message") for other, other_name in others]
        start = ctx.range(first).start
        # the line names the secret, it does not hold it: nothing to mask, the line can be shown
        ctx.report(self, first, related=related, data={SECRET_RANGE: Range(start, start).to_json()},
                   name=name, verb=verb)


#: per module: whether it has an ``if __name__ == "__main__":`` block
RUN_AS_SCRIPT: Key[bool] = Key("iso2.run-as-script")


def _runs_as_script(tree: ast.AST | None) -> bool:
    """A module run as a command: what it prints goes to the operator who ran it, not to a log."""
    return any(isinstance(statement, ast.If) and isinstance(statement.test, ast.Compare)
               and isinstance(statement.test.left, ast.Name) and statement.test.left.id == "__name__"
               for statement in getattr(tree, "body", ()))


def _writes_out(call: ast.Call, ctx: PythonContext) -> str | None:
    """``"written to the log"`` for a logger's method, ``"printed"`` for ``print``, else None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "print":
        if any(keyword.arg == "file" for keyword in call.keywords) or ctx.scratch.setdefault(
                RUN_AS_SCRIPT, lambda: _runs_as_script(ctx.tree)):
            return None  # written into a file; a script showing its operator the key it just created
        return "printed"
    if not isinstance(func, ast.Attribute) or func.attr not in LOG_METHODS:
        return None
    qualified = ctx.qualified_name(func) or ""
    receiver = dotted_name(func.value) or ""
    if qualified.startswith(LOGGING_MODULES) or LOGGER_NAME_RE.search(receiver.lower()):
        return "written to the log"
    return None
