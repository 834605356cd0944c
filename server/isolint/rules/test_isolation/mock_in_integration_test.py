from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from isolint.core.lazy_regex import lazy_compile
from isolint.core.model import Language, Severity, Zone
from isolint.core.rule import TEST_ZONES, Rule
from isolint.rules.common.names import last_name
from isolint.rules.test_isolation import browser_stubs
from isolint.rules.test_isolation.knowledge import (
    MOCK_TOKENS, fixture_decorator, in_integration_test, literal_text, is_test_function, may_create_mock, may_hold_integration_tests,
    mock_kind, parameters_of, patch_replacement,
)

if TYPE_CHECKING:
    from isolint.core.context import PythonContext, TypeScriptContext
    from isolint.core.source import SourceFile


#: bare mock objects (not patches) that can stand for a callback
RECORDER_KINDS = frozenset({"Mock", "MagicMock", "AsyncMock"})
#: names of callbacks, signal receivers and hooks: a mock there records calls into the real
#: service, it does not replace the service (``on_ack=Mock()``, ``signal_was_called = Mock()``)
CALLBACK_NAME_RE = lazy_compile(
    r"^on_|callback|(^|_)cb$|^cb_|(^|_)(hook|listener|receiver|handler)s?$|_called$|^called_|(^|_)spy(_|$)"
)


def _records_a_callback(ctx: "PythonContext") -> bool:
    parent = ctx.parent
    if isinstance(parent, ast.keyword) and parent.arg:
        return CALLBACK_NAME_RE.search(parent.arg) is not None
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        return len(targets) == 1 and isinstance(targets[0], ast.Name) \
            and CALLBACK_NAME_RE.search(targets[0].id) is not None
    return False


def _root_name(target: ast.AST) -> str | None:
    """``client`` for ``client``, ``client.chat.create`` and ``client["k"].x``; ``self.client``
    for ``self.client.create`` (a fake kept on the instance is named by its attribute)."""
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                and target.value.id in ("self", "cls"):
            return f"{target.value.id}.{target.attr}"
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _bound_name(ctx: "PythonContext") -> str | None:
    """The name of the fake object a mock call builds or configures: the variable it is
    assigned to, the object whose attribute it becomes (``client.create = MagicMock()``), or
    the ``as`` name of a patch (``with patch("x") as fake:``), also through ``.start()``
    (``fake = patch("x").start()``), and the name of the list, tuple or dict it is an element of
    (``stream = [MagicMock(…), MagicMock(…)]``: the fakes of one canned stream)."""
    parents = list(ctx.parents)
    while parents and isinstance(parents[-1], (ast.List, ast.Tuple, ast.Set, ast.Dict)):
        parents.pop()
    parent = parents[-1] if parents else None
    if isinstance(parent, ast.Attribute) and parent.attr == "start" and len(parents) >= 3 \
            and isinstance(parents[-2], ast.Call):
        parent = parents[-3]
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        return _root_name(parent.targets[0])
    if isinstance(parent, ast.AnnAssign):
        return _root_name(parent.target)
    if isinstance(parent, ast.withitem) and parent.optional_vars is not None:
        return _root_name(parent.optional_vars)
    return None


#: mock classes that build a stand-in object (not a patch)
STAND_IN_KINDS = frozenset({"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock",
                            "PropertyMock", "create_autospec", "mocker.Mock", "mocker.MagicMock",
                            "mocker.AsyncMock", "mocker.NonCallableMock", "mocker.PropertyMock",
                            "mocker.create_autospec"})


def _whole_value_of(ctx: "PythonContext") -> str | None:
    """``client`` for ``client = MagicMock()``, ``self.client`` for ``self.client = MagicMock()``:
    the mock is the whole value of a name (not an attribute set on some other object)."""
    parent = ctx.parent
    target = parent.targets[0] if isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
        else parent.target if isinstance(parent, ast.AnnAssign) else None
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"):
        return f"{target.value.id}.{target.attr}"
    return None


def _argument_of(call: ast.Call, ctx: "PythonContext") -> str | None:
    """``BillingDashboardView#0`` for the ``MagicMock()`` in ``BillingDashboardView(MagicMock())``:
    a stand-in handed to a call that is not a mock, by the callee and the position (or keyword)."""
    parent = ctx.parent
    if not isinstance(parent, ast.Call) or mock_kind(parent, ctx.imports, parameters_of(ctx.functions)) is not None:
        return None
    callee = last_name(parent.func)
    position = next((str(i) for i, argument in enumerate(parent.args) if argument is call), None) \
        or next((k.arg for k in parent.keywords if k.value is call and k.arg), None)
    return f"{callee}#{position}" if callee is not None and position is not None else None


def _configured_call(ctx: "PythonContext") -> ast.Call | None:
    """The mock call whose attribute a mock is assigned to: ``mocker.patch("x")`` in
    ``mocker.patch("x").return_value = MagicMock()``."""
    parent = ctx.parent
    if not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
        return None
    target = parent.targets[0]
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return target if isinstance(target, ast.Call) else None


def _attribute_set(ctx: "PythonContext") -> str | None:
    """``page.evaluate`` for ``page.evaluate = AsyncMock(…)``: a mock set as an attribute."""
    parent = ctx.parent
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Attribute):
        return " ".join(ctx.text_of(parent.targets[0]).split())
    return None


#: what carries messages out of the system — e-mail, SMS, webhooks to customers' endpoints, an
#: outgoing HTTP client — as words of a patched name or a mock's ``spec`` (``EmailSender``,
#: ``WebhookService.send``, ``HTTPXMiddleware``)
OUTBOUND_WORDS = frozenset({"email", "emails", "mail", "mailer", "smtp", "sms", "webhook", "webhooks", "httpx",
                            "http_client", "requests"})
#: third-party services a product talks to over the internet, by brand — model providers, code
#: hosts — found inside an identifier (``OpenAIService``, ``GithubClient``), and the generic word
#: for them (``ProviderHandler.verify_repo_provider``): stubbing one stubs the edge of the system
THIRD_PARTY_BRANDS = ("openai", "anthropic", "litellm", "openrouter", "gemini", "mistralai", "ollama", "huggingface",
                      "github", "gitlab", "bitbucket", "stripe", "paypal", "braintree", "twilio", "sendgrid", "mailgun")
#: what a helper's or fixture's docstring says when what it fakes is outside the system
EXTERNAL_WORDS = lazy_compile(r"\bexternal\b|\bthird[- ]part(?:y|ies)\b", re.IGNORECASE)
#: what hands a job to a worker process (Celery's ``task.delay``/``apply_async``): a patch of it
#: keeps the job out of the request under test, like an outbound channel
ENQUEUE_METHODS = frozenset({"delay", "apply_async", "send_task"})
THIRD_PARTY_WORDS = frozenset({"provider", "providers", "llm", "llms", "embedding", "embeddings", "embedder"})
_CAMEL = lazy_compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


#: what a fake of the outside world stands for
OUTBOUND, THIRD_PARTY = "outbound", "third party"


def _stands_at_the_boundary(call: ast.Call, kind: str, ctx: "PythonContext") -> str | None:
    """A fake of the outside world rather than of the service under test: what it replaces or
    imitates (a patch's target, a mock's ``spec``, the helper or fixture building it, the name
    it is bound to) is an outbound channel (``OUTBOUND``) or a third party (``THIRD_PARTY``): a
    model provider, a brand, an ``integrations`` package — the adapters of third-party
    services, which an end-to-end suite stubs at the edge of the system
    (``MagicMock(spec=StripeService)`` from ``app.integrations.stripe``) — or what the helper's
    own docstring calls external."""
    target = _patch_target(call, kind, ctx)
    if (target is not None and target.rsplit(".", 1)[-1] in ENQUEUE_METHODS) or _only_enqueues(call, ctx):
        return OUTBOUND
    if _fakes_a_handed_out_client(ctx):
        return None
    names = [target]
    spec = next((k.value for k in call.keywords if k.arg in ("spec", "spec_set")), None)
    if spec is None and kind.endswith("create_autospec") and call.args:
        spec = call.args[0]
    if spec is not None:
        names.append(ctx.qualified_name(spec))
    function = ctx.current_function
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_test_function(function):
        names.append(function.name)  # a helper or fixture named for what it fakes: `mock_email_sender`
        if EXTERNAL_WORDS.search(ast.get_docstring(function) or "") is not None:
            return THIRD_PARTY  # "Mock tax calculation to avoid external calls"
    if kind in STAND_IN_KINDS:
        names.append(_bound_name(ctx))  # the name it stands under: `self.embedding_model = Mock()`
    if _named_for_a_third_party(ctx.source.name):
        return None  # `test_openrouter_integration.py`: the third party is what the test integrates
    found = None
    if target is not None and any(brand == target.split(".", 1)[0].lower() for brand in THIRD_PARTY_BRANDS):
        return THIRD_PARTY  # `patch("stripe.Subscription.retrieve")`: the third party's own client library
    for name in filter(None, names):
        parts = name.split(".")
        if "integrations" in parts[:-1]:
            return THIRD_PARTY
        for part in parts[-2:]:
            found = _names_the_outside_world(part) or found
            if found == THIRD_PARTY:
                return found
    return found


def _fakes_a_handed_out_client(ctx: "PythonContext") -> bool:
    """``client = openai.OpenAI(…)``, ``client.chat.completions.create = MagicMock()`` and
    ``return client`` in a fixture: the tests are handed a real client whose call is the mock,
    and whatever they drive through it (the code under test wrapping that call) meets the mock,
    not the edge of the system."""
    parent, function = ctx.parent, ctx.current_function
    if not isinstance(parent, ast.Assign) or len(parent.targets) != 1 or not isinstance(parent.targets[0], ast.Attribute) \
            or function is None or fixture_decorator(function) is None:
        return False
    owner = _root_name(parent.targets[0])
    if owner is None or "." in owner:
        return False
    parameters = parameters_of(ctx.functions)
    built = any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == owner for t in n.targets)
                and isinstance(n.value, ast.Call) and mock_kind(n.value, ctx.imports, parameters) is None
                for n in ast.walk(function))
    handed = any(isinstance(n, (ast.Return, ast.Yield)) and isinstance(n.value, ast.Name) and n.value.id == owner
                 for n in ast.walk(function))
    return built and handed


def _named_for_a_third_party(file_name: str) -> bool:
    """``test_openrouter_integration.py``, ``test_llm_providers.py``: a module named for a third
    party (a brand, or the generic word for model providers) integrates that third party."""
    stem = file_name.lower().rsplit(".", 1)[0]
    return any(brand in stem for brand in THIRD_PARTY_BRANDS) or bool(set(stem.split("_")) & THIRD_PARTY_WORDS)


def _only_enqueues(call: ast.Call, ctx: "PythonContext") -> bool:
    """``with patch("app.views.model_activity") as activity:`` where the test only ever reaches
    ``activity.delay``: what is replaced is the hand-over of a job to a worker."""
    name = _bound_name(ctx) if isinstance(ctx.parent, ast.withitem) else None
    function = ctx.current_function
    if name is None or "." in name or function is None:
        return False
    uses = [node for node in ast.walk(function) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == name]
    loads = sum(1 for node in ast.walk(function) if isinstance(node, ast.Name) and node.id == name
                and isinstance(node.ctx, ast.Load))
    return bool(uses) and len(uses) == loads and all(node.attr in ENQUEUE_METHODS for node in uses)


def _names_the_outside_world(identifier: str) -> str | None:
    """What outside world ``identifier`` names: an outbound channel (``EmailSender``,
    ``webhook``) or a third party (``OpenAIService``, ``verify_repo_provider``,
    ``embedding_model``)."""
    lowered = identifier.lower()
    words = set(_CAMEL.sub("_", identifier).lower().split("_"))
    if words & THIRD_PARTY_WORDS or any(brand in lowered for brand in THIRD_PARTY_BRANDS):
        return THIRD_PARTY
    return OUTBOUND if words & OUTBOUND_WORDS or lowered in OUTBOUND_WORDS else None


#: patches whose first argument is the object patched: two patches of one object are one fake
OBJECT_PATCHES = frozenset({"patch.object", "patch.multiple", "mocker.patch.object", "mocker.patch.multiple",
                            "monkeypatch.setattr"})
#: patches that hand the test a new mock unless given the replacement (``new``)
PATCHES = frozenset({"patch", "patch.object", "mocker.patch", "mocker.patch.object"})
#: a parameter named as a test double (``mock_redis``, ``fake_client``): a fake, not a real resource
DOUBLE_NAME = lazy_compile(r"(^|_)(mock|mocked|fake|stub|dummy)(_|$)|Mock$", re.IGNORECASE)


def _patch_target(call: ast.Call, kind: str, ctx: "PythonContext") -> str | None:
    """What a patch replaces, spelled the same wherever the file patches it again:
    ``"app.db.engine"``, ``"OrderRepository.save"`` for ``patch.object(OrderRepository, "save")``
    and the object itself for ``patch.multiple``."""
    args = call.args
    if not args:
        return None
    first = args[0]
    if kind.endswith(("patch", "setattr")) and isinstance(first, (ast.Constant, ast.JoinedStr)) \
            and literal_text(first) is not None:
        return first.value if isinstance(first, ast.Constant) else ctx.text_of(first)
    if kind.endswith(("patch.object", "setattr")) and len(args) > 1 and isinstance(args[1], ast.Constant) \
            and isinstance(args[1].value, str):
        return f"{ctx.text_of(first)}.{args[1].value}"
    if kind.endswith("patch.multiple"):
        return ctx.text_of(first)
    return None


def _replacement(call: ast.Call, kind: str) -> ast.AST | None:
    """The object a patch puts in place (``new`` positionally or by keyword), else the value
    its mock returns (``return_value=``)."""
    replacement = patch_replacement(call, kind)
    if replacement is not None:
        return replacement
    return next((keyword.value for keyword in call.keywords if keyword.arg == "return_value"), None)


def _injects_parameter(call: ast.Call, kind: str) -> bool:
    """A patch decorator not given its replacement (``new``) passes the new mock to the test."""
    if kind not in ("patch", "patch.object"):
        return False
    positional = 2 if kind == "patch.object" else 1
    return len(call.args) <= positional and not any(k.arg == "new" for k in call.keywords)


def _injected_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, ctx: "PythonContext",
                         parameters: set[str]) -> dict[int, str]:
    """Which parameter each patch decorator fills: the bottom decorator the first positional
    parameter after ``self``/``cls``, the next one up the second (``mock.patch``'s order)."""
    names = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    if names[:1] in (["self"], ["cls"]):
        names = names[1:]
    filled: dict[int, str] = {}
    for decorator in reversed(function.decorator_list):
        kind = mock_kind(decorator, ctx.imports, parameters)
        if kind is not None and _injects_parameter(decorator, kind) and len(filled) < len(names):
            filled[id(decorator)] = names[len(filled)]
    return filled


def _wires_a_real_resource(call: ast.Call, kind: str, ctx: "PythonContext", is_fake: Callable[[str], bool]) -> bool:
    """``patch.object(Middleware, "get_session", return_value=session)`` with ``session`` a
    parameter of the test or fixture — the test's own database session, Redis, client: the code
    is handed the real resource the suite set up, not a fake."""
    if kind not in PATCHES or any(k.arg == "side_effect" for k in call.keywords):
        return False
    function = ctx.current_function
    if not (is_test_function(function) or fixture_decorator(function) is not None):
        return False  # a helper's parameter is whatever its caller passes, often plain data
    value = _replacement(call, kind)
    return isinstance(value, ast.Name) and value.id in parameters_of([function]) \
        and not is_fake(value.id) and DOUBLE_NAME.search(value.id) is None


def _passes_through(call: ast.Call, kind: str, ctx: "PythonContext") -> bool:
    """``patch.object(httpx.AsyncClient, "send", guarded)`` where ``guarded`` — defined beside
    it — calls the original it saved (``original = httpx.AsyncClient.send``): a wrapper around
    the real call (a guard, a recorder), like a spy."""
    if not kind.endswith(("patch.object", "setattr")) or len(call.args) < 3:
        return False
    owner, attribute, value = call.args[:3]
    if not isinstance(attribute, ast.Constant) or not isinstance(value, ast.Name):
        return False
    original = f"{ctx.text_of(owner)}.{attribute.value}"
    block = getattr(ctx.current_function, "body", None) or (ctx.tree.body if ctx.tree else [])
    saved = {target.id for statement in block if isinstance(statement, ast.Assign)
             and ctx.text_of(statement.value) == original
             for target in statement.targets if isinstance(target, ast.Name)}
    wrapper = next((statement for statement in block if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and statement.name == value.id), None)
    return bool(saved) and wrapper is not None and any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in saved
        for node in ast.walk(wrapper))


def _injects_a_fault(call: ast.Call, ctx: "PythonContext") -> bool:
    """``patch("…bulk_create", side_effect=RuntimeError("forced"))``: the fake only raises, to
    drive the error path a real service cannot be made to take on demand (fault injection); the
    rest of the test still runs against the real service."""
    raised = next((k.value for k in call.keywords if k.arg == "side_effect"), None)
    if isinstance(raised, ast.Name) and ctx.current_function is not None:
        bound = next((n.value for n in ast.walk(ctx.current_function) if isinstance(n, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == raised.id for t in n.targets)), None)
        raised = bound if bound is not None else raised
    if isinstance(raised, ast.Call):
        raised = raised.func
    name = last_name(raised) if raised is not None else None
    return name is not None and (name.endswith(("Error", "Exception")) or name in ("Exception", "BaseException"))


def _scripts_a_real_object(call: ast.Call, kind: str, ctx: "PythonContext") -> bool:
    """``agent.step = MagicMock(side_effect=next_command)`` with ``agent`` built for real in the
    function and ``next_command`` defined beside it: the test scripts what one real object does
    next to drive the system under test (a stress run feeding a real runtime its commands); the
    object stays real, nothing it stands in front of is faked."""
    parent = ctx.parent
    if kind not in RECORDER_KINDS or not isinstance(parent, ast.Assign) or len(parent.targets) != 1:
        return False
    target = parent.targets[0]
    script = next((k.value for k in call.keywords if k.arg == "side_effect"), None)
    function = ctx.current_function
    if not isinstance(target, ast.Attribute) or not isinstance(target.value, ast.Name) \
            or not isinstance(script, ast.Name) or function is None:
        return False
    owner = target.value.id
    body = list(ast.walk(function))
    defines_script = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == script.id for n in body)
    built_for_real = any(isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == owner for t in n.targets)
                         and isinstance(n.value, ast.Call) and mock_kind(n.value, ctx.imports, parameters_of(ctx.functions)) is None
                         for n in body)
    return defines_script and built_for_real


class _Fakes:
    """Which mock calls of one file build the same fake object (union-find): ``client =
    MagicMock()`` and ``client.create = MagicMock()``, a patch and the mock assigned to its
    ``return_value`` (also through the parameter a patch decorator fills), two patches of one
    target anywhere in the file, a fake passed to a patch (``patch.object(A, "f", fake)``), the
    same stand-in built the same way under the same name in several tests (``client =
    MagicMock()`` in each), and a fake kept on ``self`` across a class's methods."""

    def __init__(self) -> None:
        self._parent: dict[tuple, tuple] = {}
        self.calls: dict[tuple, tuple[ast.AST, str, ast.Call]] = {}
        self.names: dict[tuple, str] = {}

    def _find(self, key: tuple) -> tuple:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def union(self, a: tuple, b: tuple) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def knows(self, key: tuple) -> bool:
        return key in self.names

    def add(self, call: ast.Call, kind: str, keys: list[tuple[tuple, str | None]]) -> None:
        """A mock call (reported at its callee) and the keys it is known by: ``("name", scope,
        name)`` for the names it is bound to, file-wide ``("target", …)`` / ``("shape", …)`` keys."""
        key = ("call", len(self.calls))
        self.calls[key] = (call.func, kind, call)
        self._find(key)
        for other, label in keys:
            if label is not None:  # a call's own key names nothing
                self.names.setdefault(other, label)
            self.union(key, other)

    def groups(self) -> list[tuple[str | None, list[tuple[ast.AST, str, ast.Call]]]]:
        grouped: dict[tuple, list[tuple[ast.AST, str, ast.Call]]] = {}
        for key, call in self.calls.items():
            grouped.setdefault(self._find(key), []).append(call)
        named: dict[tuple, str] = {}
        for key, name in self.names.items():  # the first name a fake was bound to names it
            named.setdefault(self._find(key), name)
        return [(named.get(root), calls) for root, calls in grouped.items()]


class MockInIntegrationTest(Rule):
    """A mock (`Mock`, `patch`, `mocker.patch`…) used inside an integration or end-to-end test.

    ## What it does
    Flags each fake made with a mock inside an integration or end-to-end test — `Mock`,
    `MagicMock`, `AsyncMock` (imported or not), `create_autospec`, `patch`/`patch.object`/`patch.multiple`
    (call, decorator or context manager), pytest-mock's `mocker.patch`…, and `monkeypatch.setattr`
    with a stand-in — once per fake (the mocks configuring it, the mock its patch returns, the same
    target patched or the same stand-in built again anywhere in the file are its related locations),
    and once per helper or fixture that sets up several fakes (its other fakes related); in a
    browser end-to-end suite, a canned response to the application's request (`cy.route(url, body)`,
    `cy.intercept(url, staticResponse)`, Playwright's `route.fulfill` in a `page.route` handler),
    once per route of the file or per helper (the same route stubbed again in later tests related).
    A test is an integration test by its folder (`integration/`, `e2e/`, a tier beside `unit/` such
    as `tests/runtime/`), its name (`test_*_e2e.py`, even under `tests/unit/`, unless the module's
    docstring says it runs without live services), a module `pytestmark`,
    `integration-test-paths`, or an `integration-test-markers` marker on it or its class.

    ## Why is this bad?
    An integration test that mocks the service it claims to integrate passes with the mock and
    fails for real: the audit behind isolint found integration suites green while production
    broke. Integration tests should talk to real services (a test database, a local Redis);
    keep mocks in unit tests.

    ## Example
    ```python
    # tests/integration/test_orders.py
    from unittest.mock import MagicMock

    def test_create_order():
        db = MagicMock()
        assert create_order(db, 3).quantity == 3
    ```

    ## Use instead
    ```python
    # tests/integration/test_orders.py
    def test_create_order(db_session):
        assert create_order(db_session, 3).quantity == 3
    ```

    ## Known look-alikes
    - `patch.dict`; callback recorders, spies (`wraps=`), wrappers calling the original, a real
      object's method scripted by the test's own function; browser routes that wait or pass through.
    - Fault injection: a patch that only raises; a canned server error, timeout or network failure.
    - A patch handing over the test's own real resource (`return_value=db_session`) or a plain
      value; patches of a clock, randomness, an observability side channel, a task's `delay`.
    - A `unit/` module named for a tier whose docstring says it stays in process, or whose
      "integration" is the product's `integrations` package it imports.
    - Fakes of the outside world (e-mail, webhooks, an outgoing HTTP client, a model provider, an
      `integrations` package, a third party's URL, what the helper's docstring calls external),
      unless the module is named for that third party (outbound fakes join a helper's finding).

    ## Options
    - `integration-test-paths`, `integration-test-markers`.
    """

    code = "ISO501"
    name = "mock-in-integration-test"
    message = "`{kind}` in an integration test: integrate the real service instead of a mock"
    severity = Severity.WARNING
    zones = TEST_ZONES
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT})
    tokens = MOCK_TOKENS + browser_stubs.TOKENS
    options = ("integration-test-paths", "integration-test-markers")

    @classmethod
    def admits(cls, source: "SourceFile", project: Any) -> bool:
        # most test files are unit tests, where a mock is fine: only an integration zone or an
        # integration marker in the bytes, and a name that can resolve to a mock library
        if source.language is Language.TYPESCRIPT:
            return source.zone is Zone.INTEGRATION_TEST
        return may_hold_integration_tests(source) and may_create_mock(source)

    def visit_program(self, node: Any, ctx: "TypeScriptContext") -> None:
        #: per route, the calls of the file answering it with a canned response, in order
        self._stubbed_routes: dict[str, list[tuple[Any, str]]] = {}

    def visit_call_expression(self, node: Any, ctx: "TypeScriptContext") -> None:
        """A browser end-to-end test answering the application's request with a canned response."""
        if ctx.source.zone is not Zone.INTEGRATION_TEST:
            return
        kind = browser_stubs.canned_response(node)
        if kind is not None:
            helper = browser_stubs.helper_of(node)
            key = f"helper {helper}" if helper is not None else browser_stubs.route_of(node)
            self._stubbed_routes.setdefault(key, []).append((node, kind))

    def check_typescript(self, tree: Any, ctx: "TypeScriptContext") -> None:
        """One finding per route the file's tests stub: a suite whose tests each register their
        own stub of the same route (test isolation clears routes between tests) fakes that one
        endpoint of the back end, once; its later stubs are related locations. One per helper or
        custom command stubbing several routes, as for Python helpers: it is where the fix goes."""
        for key, stubs in getattr(self, "_stubbed_routes", {}).items():
            (first, kind), *others = stubs
            helper = key.startswith("helper ")
            related = [(other.child_by_field_name("function"),
                        f"`{browser_stubs.route_of(other)}` stubbed by the same helper" if helper
                        else f"`{key}` stubbed again") for other, _ in others]
            ctx.report(self, first.child_by_field_name("function"), kind=kind, related=related)
        self._stubbed_routes = {}

    def visit_Call(self, node: ast.Call, ctx: "PythonContext") -> None:
        parameters = parameters_of(ctx.functions)
        kind = mock_kind(node, ctx.imports, parameters)
        if kind is None or not in_integration_test(ctx):
            return
        if any(mock_kind(p, ctx.imports, parameters) for p in ctx.parents):
            return  # `patch("x", new=MagicMock())` is one use, reported on the outer call
        if kind in RECORDER_KINDS and _records_a_callback(ctx):
            return
        if _wires_a_real_resource(node, kind, ctx, lambda name: self._is_fake(name, ctx)) \
                or _passes_through(node, kind, ctx) or _scripts_a_real_object(node, kind, ctx) \
                or _injects_a_fault(node, ctx):
            return
        keys: list[tuple[tuple, str | None]] = [(("node", id(node)), None)]
        keys += [(self._name_key(name, ctx), name) for name in (_bound_name(ctx),) if name]
        if (configured := _configured_call(ctx)) is not None:
            keys.append((("node", id(configured)), None))  # `mocker.patch("x").return_value = Mock()`
        if kind in OBJECT_PATCHES and node.args and literal_text(node.args[0]) is None \
                and (target := _root_name(node.args[0])):
            keys.append((self._name_key(target, ctx), target))
        if (target := _patch_target(node, kind, ctx)) is not None:
            keys.append((("target", target), target))
        elif kind in STAND_IN_KINDS and (whole := _whole_value_of(ctx)) is not None:
            # the same stand-in built the same way under the same name, test after test
            keys.append((("shape", whole, " ".join(ctx.text_of(node).split())), whole))
        elif kind in STAND_IN_KINDS and (attribute := _attribute_set(ctx)) is not None:
            # `page.evaluate = AsyncMock(…)` again in another test: the same method faked again
            keys.append((("attribute", attribute), attribute))
        elif kind in STAND_IN_KINDS and (handed_to := _argument_of(node, ctx)) is not None:
            # `BillingDashboardView(MagicMock())` again in another test: the same input faked again
            keys.append((("argument", handed_to, " ".join(ctx.text_of(node).split())),
                         f"{handed_to.split('#', 1)[0]}(…)"))
        elif kind in STAND_IN_KINDS and len(ctx.functions) > 1 and not _bound_name(ctx):
            # `def status(job): return Mock(status=…)` inside a test: the values of the fake the
            # nested function is handed to (`fake.side_effect = status`)
            nested = ctx.functions[-1]
            keys.append((("name", id(ctx.functions[-2]), nested.name), nested.name))
        # a fake handed to this one (`patch.object(A, "f", fake)`, `setattr(m, "Client", lambda: fake)`)
        handed = [name for value in (*node.args, *(k.value for k in node.keywords))
                  for name in ([value] if isinstance(value, ast.Name) else
                               [n for n in ast.walk(value.body) if isinstance(n, ast.Name)] if isinstance(value, ast.Lambda)
                               else [])]
        keys += [(self._name_key(name.id, ctx), name.id) for name in handed if self._is_fake(name.id, ctx)]
        self._fakes.add(node, kind, keys)
        if (outside := _stands_at_the_boundary(node, kind, ctx)) is not None:
            self._boundaries[id(node.func)] = outside
        helper = ctx.functions[0] if ctx.functions else None
        if isinstance(helper, (ast.FunctionDef, ast.AsyncFunctionDef)) and not is_test_function(helper):
            self._helpers[id(node.func)] = helper

    def visit_FunctionDef(self, node: ast.FunctionDef, ctx: "PythonContext") -> None:
        self._name_injected_mocks(node, ctx)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef, ctx: "PythonContext") -> None:
        self._name_injected_mocks(node, ctx)

    def _name_injected_mocks(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: "PythonContext") -> None:
        """``@patch("x") def test(self, fake)``: the body (walked before the decorators) already
        knows ``fake`` as the decorator's mock."""
        if not node.decorator_list:
            return
        for decorator, name in _injected_parameters(node, ctx, parameters_of(ctx.functions)).items():
            key = ("name", id(node), name)
            self._fakes.names.setdefault(key, name)
            self._fakes.union(key, ("node", decorator))

    def _name_key(self, name: str, ctx: "PythonContext") -> tuple:
        """Where a fake's name lives: a local name in its function; ``self.x`` in its class; a
        test's or fixture's parameter (a fixture's value) and a module-level fake in the file —
        configuring the same fixture or module fake in test after test is one fake."""
        if name.startswith(("self.", "cls.")) and ctx.classes:
            return ("name", id(ctx.classes[-1]), name)
        local = ("name", id(ctx.current_function), name)
        if ctx.current_function is None or self._fakes.knows(local):
            return local
        if name in parameters_of(ctx.functions[:1]):
            return ("fixture", name)
        if self._fakes.knows(module := ("name", id(None), name)):
            return module
        return local

    def _is_fake(self, name: str, ctx: "PythonContext") -> bool:
        return self._fakes.knows(self._name_key(name, ctx))

    def visit_Assign(self, node: ast.Assign, ctx: "PythonContext") -> None:
        # `client.create = create_mock`: the fake named on the right configures the one on the left
        if len(node.targets) != 1 or not isinstance(node.value, (ast.Name, ast.Attribute)):
            return
        target, value = _root_name(node.targets[0]), _root_name(node.value)
        if isinstance(node.value, ast.Attribute) and (value is None or "." not in value):
            return  # `a.x = b.y` on objects that are not kept on self: not a fake handed over
        if not target or not value:
            return
        left, right = self._name_key(target, ctx), self._name_key(value, ctx)
        if left in self._fakes.names and right in self._fakes.names:
            self._fakes.union(left, right)

    def begin_file(self, ctx: "PythonContext") -> None:
        # one finding per fake object: its creation, the attributes set on it and the patch
        # that returns it are one problem (a count of findings counts fakes, not lines)
        self._fakes = _Fakes()
        #: per mock call (its callee), the outside world it stands for
        self._boundaries: dict[int, str] = {}
        #: the helper or fixture (outermost function, not a test) each mock call sits in
        self._helpers: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}

    def end_file(self, ctx: "PythonContext") -> None:
        fakes: list[_Fake] = []
        for name, calls in self._fakes.groups():
            calls = sorted(calls, key=lambda call: (call[0].lineno, call[0].col_offset))
            helpers = {id(self._helpers.get(id(where))): self._helpers.get(id(where)) for where, _, _ in calls}
            outside = {self._boundaries.get(id(where)) for where, _, _ in calls} - {None}
            fakes.append(_Fake(name, calls, THIRD_PARTY if THIRD_PARTY in outside else next(iter(outside), None),
                               next(iter(helpers.values())) if len(helpers) == 1 else None))
        by_helper: dict[int, list[_Fake]] = {}
        for fake in fakes:
            if fake.helper is not None:
                by_helper.setdefault(id(fake.helper), []).append(fake)
        for fake in fakes:
            if fake.helper is not None and len(by_helper[id(fake.helper)]) > 1:
                continue  # one finding for the helper, below
            if not fake.boundary:  # a fake of the outside world is no fake of the service under test
                self._report(ctx, fake, [])
        for group in by_helper.values():
            if len(group) > 1 and not all(fake.boundary for fake in group):
                # the fakes one helper or fixture sets up are one problem: it is where the fix goes;
                # an outbound channel beside fakes of the project's own code is part of it (the
                # client the code reaches the integrated API by), a third party's stand-in is not
                primary = next(fake for fake in sorted(group, key=_Fake.line) if not fake.boundary)
                self._report(ctx, primary, [fake for fake in group
                                            if fake is not primary and fake.boundary != THIRD_PARTY])

    def _report(self, ctx: "PythonContext", fake: "_Fake", companions: list["_Fake"]) -> None:
        (first, kind, _), *others = fake.calls
        related = [(call, f"`{other}` on the same fake `{fake.name}`") for _, other, call in others]
        related += [(call, f"`{other}`: another fake `{fake.helper.name}` sets up") for companion in companions
                    for _, other, call in companion.calls]
        ctx.report(self, first, kind=kind, related=related)


class _Fake(NamedTuple):
    """One fake object of a file: its mock calls in order, the outside world it stands for
    (``OUTBOUND``, ``THIRD_PARTY`` or None), and the helper or fixture all of them sit in
    (``None`` for a test's own fakes)."""

    name: str | None
    calls: list[tuple[ast.AST, str, ast.Call]]
    boundary: str | None
    helper: ast.FunctionDef | ast.AsyncFunctionDef | None

    def line(self) -> tuple[int, int]:
        where = self.calls[0][0]
        return where.lineno, where.col_offset
