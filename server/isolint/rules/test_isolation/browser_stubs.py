"""Canned network responses in browser end-to-end tests (TypeScript and JavaScript).

An end-to-end test drives the real front end against the real back end; a stub that answers a
request of the application with a canned response instead (Cypress's ``cy.route(url, body)`` and
``cy.intercept(url, staticResponse)``, Playwright's ``page.route(url, r => r.fulfill(…))``) is the
browser suite's mock. What stays quiet: a route registered only to wait for or read the real
response (``cy.route("POST", url).as("save")``), a handler that also lets requests through
(``route.continue()``, a ``req.reply()`` given no response: fault injection — one failure, then
the real server), a canned failure the real server cannot be made to answer on demand (a server
error, a timeout or rate limit, ``forceNetworkError``: fault injection too, while the success path
runs against the real stack), and a stub of another host than the application's (an absolute URL
to a third party). A canned client error (``statusCode: 401`` for a login) is a stub: the real
back end answers it to the request the test sends.
"""

from __future__ import annotations

import re
from typing import Any

from isolint.core.context import node_text

#: ``cy.route``'s and ``cy.intercept``'s optional first argument
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
#: values that are a response body or a ``StaticResponse`` (not a handler)
LITERAL_TYPES = frozenset({"object", "array", "string", "template_string", "number", "true", "false", "null"})
FUNCTION_TYPES = frozenset({"arrow_function", "function_expression", "function"})
#: what a handler calls to answer with its own response, and to let the request through
ANSWERS = (".reply(", ".fulfill(")
PASSES_THROUGH = (".continue(", ".fallback(")
#: ``req.reply()`` given no response sends the request on to the real server
EMPTY_REPLY = re.compile(r"\.reply\(\s*\)")
#: hosts of the application itself in a stubbed URL
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]")
#: a server error (``statusCode: 500``, Playwright's ``status: 503``), a timeout or rate limit
#: (408, 429) or a network failure in a canned response: the stub injects a fault
FAILURE = re.compile(r"\b(?:statusCode|status)\s*:\s*(?:5\d\d|408|429)\b|\bforceNetworkError\s*:\s*true\b")
#: any other status: what the real back end answers to the request the test sends (a 401 for bad
#: credentials, a 404 for a missing record)
ANSWERED_FOR_REAL = re.compile(r"\b(?:statusCode|status)\s*:\s*(?!408\b|429\b)[1234]\d\d\b")
#: the bytes a file needs to hold a stub
TOKENS = (b"route", b"intercept", b"fulfill")


def canned_response(call: Any) -> str | None:
    """How ``call`` (a ``call_expression``) answers one of the application's requests with a
    canned response (``cy.route(…, response)``, ``page.route(…) answered by fulfill(…)``); None
    when it does not."""
    callee = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    if callee is None or arguments is None or callee.type != "member_expression":
        return None
    owner, method = callee.child_by_field_name("object"), callee.child_by_field_name("property")
    if owner is None or method is None:
        return None
    name = f"{node_text(owner)}.{node_text(method)}"
    args = [a for a in arguments.named_children if a.type != "comment"]
    if not args or _third_party(_url_of(args)) or _injects_a_fault(args[-1]):
        return None
    if name in ("cy.route", "cy.intercept"):
        if len(args) == 1:
            only = args[0]  # cy.route({method, url, response}); cy.intercept(url) only watches
            canned = only.type == "object" and _has_key(only, ("response", "body", "fixture"))
            return f"{name}(…, response)" if canned else None
        after_url = args[2:] if _is_method(args[0]) else args[1:]
        if not after_url:
            return None
        response = after_url[-1]
        if response.type in LITERAL_TYPES or response.type == "identifier" or (
                response.type in FUNCTION_TYPES and _answers_itself(response)):
            return f"{name}(…, response)"
        return None
    if node_text(method) == "route" and len(args) >= 2 and args[-1].type in FUNCTION_TYPES:
        return f"{node_text(owner)}.route(…) answered by fulfill(…)" if _answers_itself(args[-1]) else None
    return None


def route_of(call: Any) -> str:
    """The route a stub answers, spelled the same wherever the file stubs it again: ``GET
    **/api/orgs`` for ``cy.intercept("GET", "**/api/orgs", …)`` and ``cy.route({method: "GET",
    url: "**/api/orgs", …})``; ``* url`` when no method is given (``cy.intercept`` and
    ``page.route`` match every method)."""
    arguments = call.child_by_field_name("arguments")
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if not args:
        return node_text(call)
    method = node_text(args[0]).strip("'\"`").upper() if _is_method(args[0]) else None
    matcher = args[1] if method is not None and len(args) > 1 else args[0]
    if matcher.type == "object":
        method = method or _value_of(matcher, "method")
        url = _value_of(matcher, "url") or node_text(matcher)
    else:
        url = node_text(matcher).strip("'\"`")
    return f"{method or '*'} {' '.join(url.split())}"


#: nodes of a function in the TypeScript and JavaScript grammars
FUNCTION_NODES = frozenset({"function_declaration", "generator_function_declaration", "method_definition",
                            *FUNCTION_TYPES})


def helper_of(call: Any) -> str | None:
    """The helper the stub sits in — a named function (``function setupTier()``, ``const
    stubOrgs = () => …``, a method) or a custom command (``Cypress.Commands.add("login", …)``) —
    or None inside a test's own callback (``it(…, () => …)``, ``beforeEach``)."""
    node = call.parent
    while node is not None and node.type not in FUNCTION_NODES:
        node = node.parent
    if node is None:
        return None
    name = node.child_by_field_name("name")
    if name is not None:
        return node_text(name)
    holder = node.parent
    if holder is not None and holder.type == "variable_declarator" and holder.child_by_field_name("name") is not None:
        return node_text(holder.child_by_field_name("name"))
    if holder is not None and holder.type == "arguments":
        outer = holder.parent
        callee = outer.child_by_field_name("function") if outer is not None else None
        if callee is not None and node_text(callee).replace(" ", "") == "Cypress.Commands.add":
            first = next((a for a in holder.named_children if a.type != "comment"), None)
            return node_text(first).strip("'\"`") if first is not None else None
    return None


def _value_of(node: Any, key: str) -> str | None:
    for pair in node.named_children:
        if pair.type == "pair" and (name := pair.child_by_field_name("key")) is not None \
                and node_text(name).strip("'\"") == key and (value := pair.child_by_field_name("value")) is not None:
            return node_text(value).strip("'\"`").upper() if key == "method" else node_text(value).strip("'\"`")
    return None


def _injects_a_fault(response: Any) -> bool:
    """The canned response (a ``StaticResponse``, a ``cy.route`` options object, or a handler's
    own replies) only ever answers with a failure."""
    if response.type not in ("object", *FUNCTION_TYPES):
        return False
    text = node_text(response)
    return FAILURE.search(text) is not None and ANSWERED_FOR_REAL.search(text) is None


def _answers_itself(handler: Any) -> bool:
    """The handler answers with its own response and never lets the request through."""
    text = node_text(handler)
    return any(a in text for a in ANSWERS) and not any(p in text for p in PASSES_THROUGH) \
        and EMPTY_REPLY.search(text) is None


def _is_method(node: Any) -> bool:
    return node.type == "string" and node_text(node).strip("'\"`").upper() in HTTP_METHODS


def _url_of(args: list) -> str | None:
    first = args[1] if len(args) > 1 and _is_method(args[0]) else args[0]
    return node_text(first).strip("'\"`") if first.type in ("string", "template_string") else None


def _third_party(url: str | None) -> bool:
    """An absolute URL to another host than the application's own (a payment provider's API)."""
    if url is None or "://" not in url:
        return False
    host = url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0].lower()
    return bool(host) and "*" not in host and not host.startswith(LOCAL_HOSTS) and "${" not in host


def _has_key(node: Any, keys: tuple[str, ...]) -> bool:
    for pair in node.named_children:
        if pair.type == "pair":
            key = pair.child_by_field_name("key")
            if key is not None and node_text(key).strip("'\"") in keys:
                return True
        elif pair.type == "shorthand_property_identifier" and node_text(pair) in keys:
            return True
    return False
