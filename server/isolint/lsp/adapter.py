"""Every use of pygls beyond its public API, in one place.

pygls 2.x leaves to private attributes what this server needs: sending a message it has already
serialised (``publishDiagnostics`` runs on every keystroke, see ``convert.diagnostic_json``),
the cattrs converter, error responses, the shutdown flag, and the protocol's built-in handlers
for text synchronisation and ``exit``. A pygls upgrade that moves them breaks this module only.

It is also where the protocol's life cycle is enforced for every message, which pygls does not
do: a request before ``initialize`` is answered with ServerNotInitialized (notifications are
dropped, ``exit`` excepted), a request after ``shutdown`` with InvalidRequest, a request whose
params do not match the method with InvalidParams, and ``exit`` leaves with 0 after
``shutdown``, 1 otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cattrs import transform_error
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS, SERVER_NOT_INITIALIZED = -32700, -32600, -32602, -32002
#: what to do with a message the life cycle does not allow yet (or any more)
DROP = (0, "")


def lifecycle_verdict(initialized: bool, shut_down: bool, method: str, is_request: bool
                      ) -> tuple[int, str] | None:
    """None when the message is served; else ``DROP`` or the error (code, message) to answer."""
    if method == types.EXIT:
        return None
    if not initialized:
        if method == types.INITIALIZE:
            return None
        return (SERVER_NOT_INITIALIZED, f"{method}: the server is not initialized yet") if is_request else DROP
    if method == types.INITIALIZE:
        return (INVALID_REQUEST, "initialize: the server is already initialized") if is_request else DROP
    if shut_down:
        return (INVALID_REQUEST, f"{method}: the server is shutting down") if is_request else DROP
    return None


class IsolintProtocol(LanguageServerProtocol):
    """pygls' protocol with the life cycle enforced (``receive``), an ``exit`` that ends the
    message loop with the right code, and without pygls' own copy of the open documents.

    The server keeps its own (:mod:`isolint.lsp.documents`). pygls' copy would double the work
    of every keystroke (it rebuilds the whole text per change) and, worse, corrupt the change
    the server then applies: its position conversion rewrites ``position.character`` in place
    when a column lies past the end of a line, and its lines also break at U+2028 and form
    feeds, so an edit on such a line — or a client sending a large column to mean "the end of
    the line", as the specification allows — reached the server moved.
    """

    def __init__(self, server: LanguageServer, converter: Any) -> None:
        super().__init__(server, converter)
        self.initialized = False
        #: set by ``exit`` (or when the client is gone): the process leaves with this code
        self.exit_code: int | None = None
        self.on_exit: Callable[[], None] = lambda: None

    @property
    def shut_down(self) -> bool:
        return self._shutdown

    def leave(self, code: int) -> None:
        if self.exit_code is None:
            self.exit_code = code
            self.on_exit()

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> None:
        """pygls calls ``sys.exit`` here, from inside the message loop, and the process then
        ends with 0 whatever the code; the transport ends the loop instead."""
        self.leave(0 if self._shutdown else 1)

    def receive(self, data: Any) -> None:
        """One decoded JSON message from the client: checked against the life cycle, then
        structured and handled by pygls; every request gets an answer."""
        if not isinstance(data, dict) or data.get("jsonrpc") != "2.0" or not isinstance(data.get("method", ""), str):
            log.warning("ignoring a message that is not JSON-RPC 2.0: %.200r", data)
            if isinstance(data, dict) and "id" in data and "method" in data:
                self.send_error(data["id"], INVALID_REQUEST, "not a JSON-RPC 2.0 request")
            return
        method, is_request = data.get("method"), "method" in data and "id" in data
        if method is not None:
            verdict = lifecycle_verdict(self.initialized, self._shutdown, method, is_request)
            if verdict is DROP:
                log.warning("dropping %s: not allowed %s", method,
                            "after shutdown" if self.initialized else "before initialize")
                return
            if verdict is not None:
                self.send_error(data["id"], *verdict)
                return
        try:
            message = self._structure(data)
        except Exception as exc:  # noqa: BLE001 - whatever cattrs raises, the params did not fit
            problem = f"{method or 'response'}: invalid params: {_explain(exc)}"
            if is_request:
                self.send_error(data["id"], INVALID_PARAMS, problem)
            log.warning("%s%s", problem, "" if is_request else " (notification dropped)")
            return
        if method == types.INITIALIZE:
            self.initialized = True
        if method == types.WORKSPACE_EXECUTE_COMMAND and message.params.command not in self.fm.commands:
            # pygls answers the same, but logs the client's mistake with a traceback
            self.send_error(data["id"], INVALID_PARAMS, f"{method}: no command {message.params.command!r}")
            return
        self.handle_message(message)

    def _structure(self, data: dict[str, Any]) -> Any:
        """pygls' ``structure_message`` without its traceback in the log for a client's mistake."""
        if "id" not in data:
            kind = self.get_message_type(data["method"]) or JsonRPCNotification
        elif "error" in data:
            kind = types.ResponseErrorMessage
        elif "method" in data:
            kind = self.get_message_type(data["method"]) or JsonRPCRequestMessage
        else:
            kind = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
        return self._converter.structure(data, kind)

    def send_error(self, msg_id: Any, code: int, message: str) -> None:
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


def _explain(exc: Exception) -> str:
    """What did not match, as cattrs can say it (``expected int @ $.params.processId``)."""
    try:
        details = transform_error(exc)
    except Exception:  # noqa: BLE001 - not a cattrs validation error: its text will do
        details = [str(exc)]
    return "; ".join(details[:3]) + (f" (and {len(details) - 3} more)" if len(details) > 3 else "")


def to_json(server: LanguageServer, value: Any) -> Any:
    """An lsprotocol object as plain JSON data, with the protocol's own converter."""
    return server.protocol._converter.unstructure(value)


def send_notification_json(server: LanguageServer, method: str, params: dict[str, Any]) -> None:
    """Send a notification whose params are already plain JSON data (no cattrs pass)."""
    server.protocol._send_data({"jsonrpc": "2.0", "method": method, "params": params})
