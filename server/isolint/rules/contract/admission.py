"""Which Python files can hold a piece of the message catalogue, decided from their bytes alone.

``PythonMessageIndexer.extract`` finds something (an entry, an enum, a model, an alias, a
wrapper) only through a handful of syntactic shapes, each of which needs some text in the file;
``may_hold_messages`` is the union of those necessary texts, so a file with none of them is
never parsed for the catalogue (nor for the ISO4xx rules, which only report where a file's own
facts are). It must stay a superset: each shape the collector reads is listed below with the
text it cannot do without, and the tests hold files of each shape in its unusual spellings
(calls over several lines, parenthesized names, line continuations, comments, non-ASCII names).

- an ``Enum``/``StrEnum`` class: a ``class`` statement whose bases name ``Enum`` or ``StrEnum``;
- a message model: a class-body annotation of a discriminator (``type:``, ``message_type :``,
  or a learnable key fixed by a ``Literal``: ``kind: Literal[Kind.ERROR]``);
- a ``Literal[…]`` alias bound to a message-type name (``MessageType = Literal[…]``);
- a mapping table (a name holding a map word and a subject word, ``EVENT_MAP = {…}``) and a
  handler table or registration (``handlers = {…}``, ``self._routes["x"] = fn``);
- a call whose first argument can be a string or an ``Enum.MEMBER``: a handler decorator or
  registrar (``on``, ``register``, ``subscribe``, ``…handler``), ``send_…``/``…_send`` (a wrapper
  of another file), Socket.IO's ``sio.call``; any ``emit…`` call (also the wrappers that forward
  their first parameter to it);
- a send (``send_json``, ``broadcast``…) of a dict with a discriminator key, of a call with a
  discriminator keyword or of a message-model constructor; a returned dict with a discriminator
  key in WebSocket code;
- a dispatch on a message type: ``msg["type"]``, ``data.get("type")``, ``event.type`` on a
  message-like name; a type variable (``msg_type``, ``type_``…) compared, bound or matched; a
  ``match`` statement with a ``{"type": …}`` pattern;
- a publish to a message broker (``redis.publish(…)``, ``xadd``, ``lpush``, ``rpush``) or a put
  on a queue (``put``, ``put_nowait``) with a discriminator key in the file;
- a ``yield`` of a message in a generator a streaming response may return: a constructor call
  or a name on its line, or a dict with a discriminator key or a Server-Sent Event's ``event``;
- a class field tagged with a member of a ``…Type``/``…Kind`` enum
  (``observation: str = ObservationType.RUN``, also through ``Field(…)``);
- a WebSocket route, a streaming HTTP endpoint or a Socket.IO server
  (``channels.python_channels``): the channel's own file;
- a role discriminator (``request_type``…) declared or read, and a message model built
  (``ErrorResponse(…)``, ``WorkRequest.parse_obj(…)``): what the catalogue needs to tell a kind
  declared and handled from one that is sent.

Speed: every pattern starts with a literal (``re`` then skips ahead to it at C speed instead of
trying a match at every byte), and the ones whose literal is common run only after a rarer word
they need was found with ``in``; the few loops are over matches, which are rare.
"""

from __future__ import annotations

import re

from isolint.core.lazy_regex import LazyPattern, lazy_compile
from isolint.rules.common.text_search import Alternatives, occurs_at_identifier
from isolint.rules.contract.channels import python_channels
from isolint.rules.contract.naming import is_ws_context

_ID = rb"[\w\x80-\xff]"  # an identifier character (the UTF-8 bytes of non-ASCII names included)
_NOT_ID_AFTER = rb"(?![\w\x80-\xff])"
#: between a name and what follows it: spaces, newlines inside brackets, line continuations, and
#: the closing parenthesis of a parenthesized name (``(handlers)["x"] = fn``)
_GAP = rb"[\s\\)]*"
#: after an opening bracket: spaces, continuations, comments, further opening parentheses
_OPEN = rb"(?:[\s\\(]|#[^\n]*\n)*"
#: the discriminator keys (``DISCRIMINATOR_KEYS``)
_DISCRIMINATOR = rb"(?:message_|msg_|event_)?type"
#: a first argument that can be a wire-name string (``u"…"``, ``r'…'``, ``"a" "b"``) or an enum
#: reference (``MessageType.X``, ``pkg.Events.X``, ``Kind._X``)
_FIRST_ARG = (rb"\(" + _OPEN + rb"(?:[rRuU]?[\"']|(?:" + _ID + rb"+\s*\.\s*)*[A-Z\x80-\xff]" + _ID
              + rb"*\s*\.\s*[A-Z_\x80-\xff])")


def _compile(pattern: bytes) -> LazyPattern[bytes]:
    return lazy_compile(pattern)


#: ``= ObservationType.RUN``, ``= Field(pkg.EventKind.X, …)``, ``default=Kind.X``: the default
#: that tags a class field with a member of a ``…Type``/``…Kind`` enum (``_Collector.kind_tags``);
#: the field and its annotation before it are not checked (a superset)
KIND_TAG_RE = _compile(
    rb"(?<![=!<>])=(?!=)[\s\\]*(?:(?:" + _ID + rb"+[\s\\]*\.[\s\\]*)*Field[\s\\]*\([\s\\]*)?(?:" + _ID + rb"+[\s\\]*\.[\s\\]*)*"
    + _ID + rb"*(?:Type|Kind)[\s\\]*\.[\s\\]*[A-Z\x80-\xff]"
)
#: where ``KIND_TAG_RE`` ends: ``Type.X`` / ``Kind.X`` (each led by its literal)
_KIND_MEMBER_RES = tuple(_compile(word + rb"[\s\\]*\.[\s\\]*[A-Z\x80-\xff]") for word in (b"Type", b"Kind"))
#: the bytes ``KIND_TAG_RE`` allows between its ``=`` and the ``Type``/``Kind`` of a member
_KIND_TAG_BETWEEN = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ \t\n\r\f\v\\.(") | frozenset(range(0x80, 0x100))


def _kind_tag(raw: bytes) -> bool:
    """``KIND_TAG_RE.search(raw)``, tried only at the ``=`` before each ``Type.X``/``Kind.X``: the
    pattern starts at every ``=`` of the file otherwise, and most are no tag. Only the bytes
    ``_KIND_TAG_BETWEEN`` holds separate a match's ``=`` from its ``Type``/``Kind``, so walking back
    over them from a member finds the one ``=`` a match ending there can start at."""
    for pattern in _KIND_MEMBER_RES:
        for member in pattern.finditer(raw):
            start = member.start()
            while start and raw[start - 1] in _KIND_TAG_BETWEEN:
                start -= 1
            if start and raw[start - 1] == 61 and KIND_TAG_RE.match(raw, start - 1):  # 61: "="
                return True
    return False


#: ``class Kind(str, Enum):`` (bases over several lines, with comments, ``enum.StrEnum``)
ENUM_CLASS_RE = _compile(rb"class\b[^(:]*\((?:[^:#]|#[^\n]*\n)*?(?<![\w\x80-\xff])(?:Str)?Enum" + _NOT_ID_AFTER)
#: ``type: Literal["thread_updated"]`` in a class body, also on a class's one line or
#: parenthesized (parameters match too: a superset)
MODEL_FIELD_RE = _compile(
    rb"type(?:(?<=[\s(:;]type)|(?<=[\s(:;]message_type)|(?<=[\s(:;]msg_type)|(?<=[\s(:;]event_type))"
    rb"(?<!#type)(?<!# type)" + _GAP + rb":"  # not ``# type: ignore``
    # ``Literal[…]`` (``typing.Literal``), or a name with a default (``type: str = "…"``)
    + rb"[ \t]*(?:(?:\\\r?\n|\()[\s\\(]*)?(?:" + _ID + rb"+[\s\\]*\.[\s\\]*)*(?:Literal[\s\\]*\[|" + _ID
    + rb"+[\s\\)]*=(?!=))"
)
#: calls whose literal first argument is a handled or sent type (lower-case literal first, so
#: each alternative skips ahead to its word): handler decorators and registrars, wrappers'
#: ``send_…``/``…_send`` calls; ``sio.call`` is checked apart (it needs a Socket.IO receiver)
NAMED_CALL_RES = tuple(_compile(word + _GAP + _FIRST_ARG) for word in (
    rb"on(?<![\w\x80-\xff]on)(?:_event|_message)?",
    rb"handle[rs]",
    rb"register",
    rb"subscribe",
    rb"send" + _ID + rb"*",
))
ACK_CALL_RE = _compile(rb"call" + _GAP + _FIRST_ARG)
#: a publisher (``python_indexer.PUBLISHER_NAME_RE``) defined, or called by a plain name (an import,
#: not a method: ``redis.publish(…)`` is a broker's) with a wire name, an enum member or a module
#: constant first (``eventstream_publish("benefit.revoked", …)``, ``publish(UPDATED_EVENT, …)``)
PUBLISHER_WORDS = (b"publish", b"emit", b"broadcast", b"notify", b"dispatch", b"push")
PUBLISHER_RES = tuple(_compile(
    rb"(?<![\w\x80-\xff.])" + _ID + rb"*" + word + _ID + rb"*" + _GAP + rb"\(" + _OPEN
    + rb"(?:[rRuU]?[\"']|(?:" + _ID + rb"+\s*\.\s*)*[A-Z\x80-\xff]" + _ID + rb"*\s*(?:\.\s*" + _ID + rb"|[,)]))"
) for word in PUBLISHER_WORDS)
PUBLISHER_DEF_RE = _compile(rb"def[ \t]+" + _ID + rb"*(?:publish|emit|broadcast|notify|dispatch|push)" + _ID + rb"*[ \t]*\(")
SOCKETIO_WORDS = (b"sio", b"socketio", b"socket_io")
#: every ``emit…``/``…_emit`` call: named sends, and the wrappers that forward a parameter
EMIT_CALL_RE = _compile(rb"emit" + _ID + rb"*" + _GAP + rb"\(")
#: ``handlers = {…}``, ``HANDLERS: dict[…] = {…}``, ``self._routes["x"] = fn`` (lower-cased text)
HANDLER_WORDS = (b"handler", b"dispatch", b"router", b"routes", b"callbacks")
HANDLER_ASSIGN_RES = {word: _compile(
    word + _ID + rb"*" + _GAP
    + rb"(?:(?::[^=]*)?=(?!=)(?:[\s\\(]*[\w\x80-\xff.]+[\s\\)]*=(?!=))*[\s\\(]*\{|\[[^\]]*\][\s\\)]*=(?!=))"
) for word in HANDLER_WORDS}
#: ``EVENT_NAME_MAP = {…}``: a name with a map word and a subject word (lower-cased text); the
#: match is the name from its map word on, the subject word may precede it
MAP_WORDS = (b"map", b"alias", b"translation", b"rename")
MAP_ASSIGN_RES = {word: _compile(word + _ID + rb"*" + _GAP + rb"[:=]") for word in MAP_WORDS}
NAME_START_RE = _compile(rb"[\w\x80-\xff]*\Z")
SUBJECT_RE = _compile(rb"message|msg|event|type|frontend|ws|socket")
#: a name ``MESSAGE_CONTAINER_RE`` accepts, then ``=`` or an annotation (lower-cased text)
CONTAINER_ASSIGN_RE = _compile(
    rb"(?:message|msg|event|frame|packet|notification|command|signal|ws|socket)" + _ID + rb"*" + _GAP + rb"[:=]"
)
LITERAL_VALUE_RE = _compile(rb"=(?!=)[\s\\(]*(?:" + _ID + rb"+[\s\\]*\.[\s\\]*)*Literal[\s\\]*\[")
#: a dispatch on a message type, anchored at each ``type`` that is read (not called, subscripted,
#: assigned or passed as a keyword) in the lower-cased text; what precedes and follows each one
#: is then matched against the subject forms of ``_type_subject_base``
_NOT_CALLED = rb"(?![\s\\]*(?:[(\[]|=(?!=)))"
TYPE_READ_RE = _compile(rb"type_?" + _NOT_ID_AFTER + _NOT_CALLED)
_OWNER = (rb"(?:(?:msg|message|data|event|payload|frame|packet|incoming|parsed|raw|body|json|envelope|ws)" + _ID
          + rb"*|(?<![\w\x80-\xff])(?:m|e|evt))" + _GAP)
_KEY_PREFIX = rb"(?:message_|msg_|event_)?"
#: the text before a discriminator (lower-cased): ``event.type``, ``msg["type"]``,
#: ``data.get("type")`` on a name ``MESSAGE_VARIABLE_RE`` accepts
OWNER_ACCESS_END_RE = _compile(
    _OWNER + rb"(?:\.[\s\\]*|(?:\[|\.[\s\\]*get" + _GAP + rb"\()" + _OPEN + rb"[ru]?[\"']+)" + _KEY_PREFIX + rb"\Z"
)
#: a type variable: a name ``TYPE_VARIABLE_RE`` accepts (matched in any case)
_TYPE_VARIABLE_PREFIX = rb"(?i:(?:msg|message|event|ws|frame|packet|payload)_?|m)?"
TYPE_VARIABLE_END_RE = _compile(rb"(?<![\w\x80-\xff.])" + _TYPE_VARIABLE_PREFIX + rb"\Z")
#: ``str(…)`` or a capitalized callee (``MessageType(…)``, ``ws.Kind(…)``) around the subject (in
#: the raw text: the capital counts)
_CALLEE = rb"(?:" + _ID + rb"+[\s\\]*\.[\s\\]*)*(?:str|[A-Z\x80-\xff]" + _ID + rb"*)[\s\\]*\(" + _OPEN
_CALLED_WITH = rb"(?:" + _CALLEE + rb")?"
_NAMED = rb"[\s\\(]*(?:[ru]?[\"']|" + _ID + rb"+[\s\\]*\.)"  # a string, or the start of ``Enum.MEMBER``
#: after a type variable (lower-cased): compared with a name (``== "x"``, ``is Kind.X``, ``in (…)``),
#: read further (``.lower()``, ``.value``)
TYPE_VARIABLE_COMPARED_RE = _compile(
    rb"[\s\\)]*(?:==" + _NAMED + rb"|is(?![\s\\]+not" + _NOT_ID_AFTER + rb")" + _NAMED
    + rb"|in[\s\\]*[(\[{]|\.[\s\\]*(?:value|lower|upper|strip|casefold)" + _NOT_ID_AFTER + rb")"
)
#: ``(type_ or "")``: after the variable, then before it
TYPE_VARIABLE_DEFAULTED_RE = _compile(rb"[\s\\]*(?:or|and)" + _NOT_ID_AFTER)
PARENTHESIS_END_RE = _compile(rb"\([\s\\(]*\Z")
#: before a type variable (raw text): compared from the right or bound by a walrus (``== mtype``,
#: ``:= str(type)``), wrapped in a call (``kind = MessageType(type_)``), ``"x" is type``,
#: ``match mtype:``; and a plain binding (``kind = mtype``), which ``TYPE_VARIABLE_BOUND_RE`` checks
#: further: ``f(kind=type_)`` and ``kind = type_,`` (a tuple) bind nothing
TYPE_VARIABLE_READER_END_RE = _compile(
    rb"(?:(?:==|:=)[\s\\(]*" + _CALLED_WITH + rb"|=[\s\\(]*" + _CALLEE + rb"|is(?<![\w\x80-\xff]is)[\s\\(]*"
    + _CALLED_WITH + rb"|match(?<![\w\x80-\xff.]match)[\s\\(]" + _OPEN + _CALLED_WITH + rb")\Z"
)
TYPE_VARIABLE_BOUND_END_RE = _compile(rb"=[\s\\(]*\Z")
UNBOUND_RE = _compile(rb"[\s\\]*[,)]")
#: the calls ``_Collector.is_socket_send`` accepts (``SEND_METHODS``), by the word each starts with
SEND_CALL_RES = {word: _compile(word + boundary + rb"(?:" + suffixes + rb")?" + _GAP + rb"\(") for word, boundary, suffixes in (
    (b"send", rb"(?:(?<![\w\x80-\xff]send)|(?<=ws_send)|(?<=safe_send))",
     rb"_json|_text|_message|_personal_message|_to_user|_to_thread|_to_client|_to_connection|_event|_update|_ws|_safe"),
    (b"broadcast", rb"(?<![\w\x80-\xff]broadcast)", rb"_json|_message|_to_thread|_to_room|_to_user"),
    (b"emit", rb"(?<![\w\x80-\xff]emit)", rb"_event"),
    (b"push", rb"(?<![\w\x80-\xff]push)", rb"_event"),
    (b"notify", rb"(?<![\w\x80-\xff]notify)", rb"(?!)"),
)}
#: a publish to a message broker or a put on a queue (``python_indexer.RELAY_CALLS``), a method call
BROKER_WORDS = (b"publish", b"xadd", b"lpush", b"rpush", b"put")
BROKER_CALL_RE = _compile(rb"\.[\s\\]*(?:publish|xadd|lpush|rpush|put|put_nowait)" + _GAP + rb"\(")
#: a discriminator key in a dict (``{"type": …}``, ``'msg_type'``) or in a mapping pattern
DISCRIMINATOR_KEY_RE = _compile(rb"type[\"']")
#: ``Model(type="…")``
DISCRIMINATOR_KEYWORD_RE = _compile(rb"type[\s\\]*=(?!=)")
#: a constructor ``MESSAGE_MODEL_RE`` accepts: ``ThreadUpdatedMessage(…)``, ``WsEvent(…)`` —
#: lower-cased, a model word then the call (the capital first letter is not checked)
MODEL_CALL_RE = _compile(
    rb"(?:message|msg|event|frame|packet|notification|command|signal|payload|socket|ws)" + _ID + rb"*" + _GAP + rb"\("
)
MATCH_STATEMENT_RE = _compile(rb"match(?<![\w\x80-\xff.]match)[\s\\(]")
#: ``case {"type": …}`` (or ``case ({…}) | {…}``)
MAPPING_CASE_RE = _compile(rb"case(?<![\w\x80-\xff.]case)[\s\\(]*\{")
#: ``return {"type": …}`` in WebSocket code
RETURN_DICT_RE = _compile(rb"return(?<![\w\x80-\xff.]return)[\s\\(]*\{")
#: ``kind: Literal[Kind.ERROR] = …``: a learnable discriminator key fixed by a ``Literal`` in a model
LEARNABLE_FIELD_RE = _compile(
    rb"(?<![\w\x80-\xff])(?:kind|action|op|command|cmd)" + _GAP + rb":[ \t]*(?:" + _ID
    + rb"+[\s\\]*\.[\s\\]*)*Literal[\s\\]*\["
)
#: a generator's ``yield`` of a message: a constructor call or a serializer on its line
#: (``yield Delta(…)``, ``yield json.dumps(packet.model_dump()) + "\n"``) or a bare name
#: (``yield packet``); a dict
#: or an f-string yielded is admitted by the discriminator key it needs
YIELD_MESSAGE_RE = _compile(
    rb"yield(?<![\w\x80-\xff]yield)[ \t(]+(?:[^\n]*(?:[A-Z\x80-\xff]" + _ID + rb"*[\s\\]*\(|dumps|model_dump|\.json|\.dict)|" + _ID
    + rb"+[ \t)]*(?:\r?\n|#|$))"
)
#: ``{"event": …, "data": …}`` / ``ServerSentEvent(event=…)``: a Server-Sent Event's name
SSE_EVENT = Alternatives((b"event", rb"event[\"'][\s\\]*:"), (b"ServerSentEvent", rb"ServerSentEvent"))
#: a pydantic union's role discriminator (``Field(discriminator="request_type")``) and a read of a
#: role key (``worker_request.request_type``, ``python_indexer.ROLE_KEYS``) a dispatch may compare
ROLE_KEY_RE = _compile(rb"(?:request|response|reply|command)_type" + _NOT_ID_AFTER)
#: a message model built (``python_indexer.CONSTRUCTED_MODEL_RE``, ``constructed_models``):
#: ``ErrorResponse(…)``, ``WorkRequest.parse_obj(…)``; each alternative led by its word
MODEL_WORDS = (b"Request", b"Response", b"Update", b"Event", b"Message", b"Frame", b"Packet", b"Payload",
               b"Notification", b"Chunk")
MODEL_CONSTRUCT_RES = {word: _compile(
    word + rb"[\s\\]*(?:\(|\.[\s\\]*(?:parse_obj|parse_raw|model_validate|model_validate_json|construct"
    rb"|model_construct)[\s\\]*\()"
) for word in MODEL_WORDS}
#: the byte before a model word in a class name (``ErrorResponse``, not ``JSONResponse``)
_LOWER_OR_DIGIT = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789")
#: how far back a key access or a type variable's start is looked for
_WINDOW = 200


def may_hold_messages(raw: bytes, rel_path: str) -> bool:
    """False only when no shape ``PythonMessageIndexer`` reads can occur in ``raw``."""
    return may_hold_message_shapes(raw, rel_path) or may_build_message_models(raw)


def may_build_message_models(raw: bytes) -> bool:
    """A message model can be built in ``raw`` (``MODEL_CONSTRUCT_RES``): all the indexer takes
    from a file with no other shape (``python_indexer.constructed_models``)."""
    for word, pattern in MODEL_CONSTRUCT_RES.items():
        if word in raw:
            for match in pattern.finditer(raw):
                if match.start() and raw[match.start() - 1] in _LOWER_OR_DIGIT:
                    return True
    return False


def may_hold_message_shapes(raw: bytes, rel_path: str) -> bool:
    """False only when no shape but a built model can occur in ``raw``: the collector's walk is
    needed only where this holds."""
    if (b"Type" in raw or b"Kind" in raw) and _kind_tag(raw):
        return True
    if b"Enum" in raw and ENUM_CLASS_RE.search(raw):
        return True
    if python_channels(raw):  # a WebSocket route or a Socket.IO server: the channel itself
        return True
    if any(pattern.search(raw) for pattern in NAMED_CALL_RES):
        return True
    if any(occurs_at_identifier(raw, word, pattern) for word, pattern in zip(PUBLISHER_WORDS, PUBLISHER_RES)):
        return True
    if b"def" in raw and PUBLISHER_DEF_RE.search(raw):
        return True
    lowered = raw.lower()
    if b"emit" in raw and EMIT_CALL_RE.search(raw):
        return True
    if any(word in lowered for word in SOCKETIO_WORDS) and ACK_CALL_RE.search(raw):
        return True
    if b"type" in lowered and (MODEL_FIELD_RE.search(raw) or _dispatches_on_type(raw, lowered)):
        return True
    if any(word in lowered and HANDLER_ASSIGN_RES[word].search(lowered) for word in HANDLER_WORDS):
        return True
    if any(word in lowered and _map_name(MAP_ASSIGN_RES[word], lowered) for word in MAP_WORDS):
        return True
    if b"Literal" in raw and (_literal_alias(raw, lowered) or LEARNABLE_FIELD_RE.search(raw)):
        return True
    discriminator_key = DISCRIMINATOR_KEY_RE.search(raw) is not None
    if b"yield" in raw and (discriminator_key or SSE_EVENT.occurs(raw) or YIELD_MESSAGE_RE.search(raw)):
        return True
    if discriminator_key and ((MATCH_STATEMENT_RE.search(raw) and MAPPING_CASE_RE.search(raw))
                              or (RETURN_DICT_RE.search(raw) and is_ws_context(raw, rel_path))):
        return True
    if any(word in raw for word in BROKER_WORDS) and BROKER_CALL_RE.search(raw) \
            and (discriminator_key or DISCRIMINATOR_KEYWORD_RE.search(raw) is not None):
        return True
    if b"_type" in raw and ROLE_KEY_RE.search(raw):
        return True
    if any(word in raw and pattern.search(raw) for word, pattern in SEND_CALL_RES.items()):
        return discriminator_key or DISCRIMINATOR_KEYWORD_RE.search(raw) is not None \
            or MODEL_CALL_RE.search(lowered) is not None
    return False


def _literal_alias(raw: bytes, lowered: bytes) -> bool:
    """``MessageType = Literal[…]`` (also annotated, chained, ``typing.Literal``): a message-type
    name is bound shortly before a ``Literal[`` that is the value itself."""
    for match in LITERAL_VALUE_RE.finditer(raw):
        if CONTAINER_ASSIGN_RE.search(lowered, max(0, match.start() - _WINDOW), match.start() + 1):
            return True
    return False


def _map_name(pattern: re.Pattern[bytes], lowered: bytes) -> bool:
    """A name bound or annotated that holds the map word ``pattern`` starts with and a subject."""
    for match in pattern.finditer(lowered):
        start = match.start()
        prefix = NAME_START_RE.search(lowered, max(0, start - 80), start)
        if SUBJECT_RE.search(lowered, prefix.start() if prefix else start, match.end()):
            return True
    return False


def _dispatches_on_type(raw: bytes, lowered: bytes) -> bool:
    """A comparison or ``match`` on a message's type can occur (see ``_type_subject_base``)."""
    for match in TYPE_READ_RE.finditer(lowered):
        start, end = match.span()
        window = max(0, start - _WINDOW)
        if lowered[end - 1] != 95 and OWNER_ACCESS_END_RE.search(lowered, window, start):  # 95: "_"
            return True
        prefix = TYPE_VARIABLE_END_RE.search(lowered, max(0, start - 20), start)
        if prefix is None:
            continue
        name_start = prefix.start()
        if TYPE_VARIABLE_COMPARED_RE.match(lowered, end) or TYPE_VARIABLE_READER_END_RE.search(raw, window, name_start):
            return True
        if TYPE_VARIABLE_DEFAULTED_RE.match(lowered, end) and PARENTHESIS_END_RE.search(lowered, window, name_start):
            return True
        if TYPE_VARIABLE_BOUND_END_RE.search(raw, window, name_start) and not UNBOUND_RE.match(raw, end):
            return True
    return False
