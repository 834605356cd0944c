"""Which Python files can hold a hard-coded secret (ISO203), decided from their bytes alone.

``HardcodedSecretInCode`` reports a string literal of at least eight characters in one of two
ways, and each needs some text in the file:

- **by its name** (``find_secret``'s high-entropy and password verdicts): the literal is bound
  to a secret-named name — an assignment or annotated assignment (``API_KEY = …``,
  ``self.password: str = …``, ``os.environ["API_KEY"] = …``), a keyword argument, a dict key, a
  parameter default, a walrus, an environment lookup's default (``getenv("JWT_SECRET", …)``), a
  ``Field(…)`` default, a comparison (``password == …`` or ``… == password``), a getter's
  ``return`` (``def get_api_key(): return …``) or a signing call's key (``jwt.encode(p, …)``,
  ``hmac.new(…)``). Such a value is judged on its stripped text, which must have no whitespace,
  eight characters or more, and two of lower case, upper case and digits — so the literal
  (``CANDIDATE_LITERAL``) is either such a run between its quotes, or holds an escape (which
  may decode to anything), or is followed by another literal (implicit concatenation). The name
  (``SECRET_NAME``) holds one of the words ``classify_name`` turns into a secret or password
  (``pass``, ``pw``/``pwd``, ``secret``, ``token``, ``<word>_key``, ``cred``…), then a binding
  operator; the literal follows within ``_REACH`` bytes (a conditional, an ``or`` fallback, a
  type annotation, ``Field(description=…, default=…)`` sit in between).
- **whatever it is bound to**: a provider format (``AKIA…``, ``ghp_…``, ``-----BEGIN … PRIVATE
  KEY``, a JWT…), an ``Authorization`` value (``"Bearer <token>"``), a password in a URL
  (``scheme://user:password@host``) or a secret-named URL parameter (``?api_key=…``).

``may_hold_secret`` is the union of those necessary texts: one pass of a compiled bytes pattern
(and a few ``in`` checks). It must stay a superset of where the rule can report; the tests hold
one file per shape (multi-line calls, comments, implicit concatenation, escapes, prefixes,
camelCase and UPPER_CASE names, non-ASCII text).
"""

from __future__ import annotations

import itertools
import re

from isolint.core.lazy_regex import lazy_compile
from isolint.rules.common.secret_detection import NOT_SECRET_KEY_QUALIFIERS

#: between tokens of one expression: spaces, newlines (inside brackets), continuations, comments
_GAP = rb"(?:\s|\\\r?\n|#[^\n]*\n)*"  # (a comment runs to its newline: no backtracking inside)
_PREFIX = rb"[rRbBuUfF]{0,2}"
#: how far a literal may sit from its name's binding operator (``x if c else "…"``,
#: ``os.environ.get("A") or "…"``, ``: Optional[str] = "…"``, ``Field(description="…", default="…")``)
_REACH = 400

# -- the literal ----------------------------------------------------------------------------------


def _run(excluded: bytes) -> bytes:
    """≥ 8 characters without whitespace, an escape or ``excluded``, mixing two of lower case,
    upper case and digits (a non-ASCII byte may be any of them)."""
    char = rb"[^\s\\" + excluded + rb"]"
    lower, upper, digit = rb"[a-z\x80-\xff]", rb"[A-Z\x80-\xff]", rb"[0-9\x80-\xff]"
    classes = (rb"(?:(?=" + char + rb"*" + lower + rb")(?=" + char + rb"*(?:" + upper + rb"|" + digit + rb"))"
               rb"|(?=" + char + rb"*" + upper + rb")(?=" + char + rb"*" + digit + rb"))")
    return classes + char + rb"{8,}"


def _literal(quote: bytes) -> bytes:
    """A literal opened by ``quote`` (one character) that can hold a value judged by its name.
    Every branch starts with the quote itself, so the engine skips to quotes at C speed."""
    q = re.escape(quote)
    run3 = rb"(?:[^\s\\" + q + rb"]|" + q + rb"(?!" + q + q + rb"))"  # triple-quoted content may hold q
    classes3 = _run(b"")[: -len(rb"[^\s\\]{8,}")]
    return (q + rb"(?:" + q + q + rb"\s*(?:" + classes3.replace(rb"[^\s\\]", run3) + run3 + rb"{8,}\s*" + q * 3
            + rb"|" + run3 + rb"*\\)"  # """Abc12345""", or an escape
            + rb"|(?<!" + q + q + rb")(?!" + q + q + rb")(?:"  # not a piece of a triple quote
            + rb"[ \t\f\v]*" + _run(q) + rb"[ \t\f\v]*" + q  # "Abc12345", " Abc12345 " (one line)
            + rb"|[^" + q + rb"\n\\]*\\"  # an escape: may decode to anything
            + rb"|[^" + q + rb"\n\\]*" + q + _GAP + _PREFIX + rb"[\"']"  # "ab" "c…": implicit concatenation
            + rb"))")


#: (the prefix, ``rb"…"``, ``f'…'``, is not part of it: a pattern starting at a quote is scanned fast)
CANDIDATE_LITERAL = rb"(?:" + _literal(b'"') + rb"|" + _literal(b"'") + rb")"

# -- the name -------------------------------------------------------------------------------------

#: a fragment without which ``classify_name`` says neither SECRET nor PASSWORD (case-insensitive
#: words; a lower-case run continued by a lower-case letter is another word: ``tokenize``,
#: ``passed``, ``keyword``, ``pwned``)
_SEP = rb"[_.\- \x80-\xff]"  # what splits a name into words (``name_words``) in identifiers and keys


def _after(words: tuple[bytes, ...], then: bytes) -> bytes:
    """Preceded by one of ``words`` (any case) and ``then``: one fixed-width look-behind each."""
    return rb"(?:" + rb"|".join(rb"(?<=(?i:" + word + rb")" + then + rb")" for word in words) + rb")"


#: not after a whole qualifier word (``primary_key``, ``cacheKey``): one look-behind per spelling
_QUALIFIED_KEY = b"".join(
    rb"(?<![^A-Za-z0-9](?i:" + re.escape(word.encode()) + rb")" + then + rb")"
    for word in sorted(NOT_SECRET_KEY_QUALIFIERS) for then in (rb"[_.\- ][kK]", rb"[kK]"))
_KEY_WORDS = (b"api", b"auth", b"access", b"private", b"session", b"signing", b"master", b"encryption")
_JOINED_KEY = (b"api", b"access", b"private")  # "apikey" in the joined words: ``api_keyword``
_JOINED_TOKEN = (b"auth", b"access")
#: a fragment without which ``classify_name`` says neither SECRET nor PASSWORD (its words,
#: case-insensitive; a lower-case run continued by a lower-case letter is another word:
#: ``tokenize``, ``passed``, ``keyword``, ``pwned``; the words joined count too: ``api_keyword``
#: holds "apikey", ``auth_tokenizer`` "authtoken"). Every branch starts with a plain character,
#: which the regex engine scans for at C speed, and looks behind only once it is found.
_NAME_WORD = (
    rb"(?:[sS](?i:ecret)"
    rb"|[pP](?i:ass)(?:(?i:w(?:or)?ds?|phrase)|(?![a-z]))"
    rb"|[pP](?:(?<![A-Za-z][pP])|(?<=[a-z]P))[wW][dD]?(?![a-z])"
    rb"|[kK](?:" + _after(_JOINED_KEY, rb"[kK]") + rb"|" + _after(_JOINED_KEY, _SEP + rb"[kK]") + rb"|"
    + _after(_JOINED_KEY, _SEP + _SEP + rb"[kK]")
    + rb")[eE][yY]"
    rb"|[kK]" + _after(_KEY_WORDS, rb"[kK]") + rb"[eE][yY](?![a-z])"
    # "key" as the last word after another one (``stripe_key``, ``apiKey``), unless that one
    # makes it a cache, sort, primary… key (``NOT_SECRET_KEY_QUALIFIERS``)
    rb"|[kK](?:(?<=[A-Za-z0-9\x80-\xff]" + _SEP + rb"[kK])|(?<=" + _SEP + _SEP + rb"[kK])|(?<=[0-9\x80-\xff][kK])"
    rb"|(?<=[a-z]K)|(?<=[A-Z]K)(?=ey))" + _QUALIFIED_KEY + rb"[eE][yY](?!" + _SEP + rb"*[A-Za-z0-9])"
    rb"|[tT](?:(?<![a-z][tT])|(?<=[a-z]T)|" + _after(_JOINED_TOKEN + (b"refresh",), rb"[tT]") + rb")(?i:okens?)(?![a-z])"
    rb"|[tT](?:" + _after(_JOINED_TOKEN, rb"[tT]") + rb"|" + _after(_JOINED_TOKEN, _SEP + rb"[tT]") + rb")(?i:oken)"
    rb"|[cC](?i:reds|redentials?)(?![a-z])|[bB](?i:earer)(?![a-z])|[pP](?i:epper)(?![a-z])"
    rb")"
)
_ID = rb"[\w\x80-\xff]"
#: the name's end: the rest of an identifier, or of a quoted key (``"X-Api-Key"``, ``["API_KEY"]``)
_NAME_END = rb"(?:" + _ID + rb"*(?:" + _GAP + rb"\))?|[^\"'\n\\]*[\"']" + _GAP + rb"[\])]?)"
#: what binds the name to a value: ``=`` (assignment, keyword, default), ``:`` (dict key,
#: annotation, walrus), a comparison, ``,`` after a quoted name (``getenv("API_KEY", …)``)
_BINDS = rb"(?:[=:<>]|!=|\bin\b|\bnot\b|\bis\b|(?<=[\"'\]])" + _GAP + rb",)"
SECRET_NAME = _NAME_WORD + _NAME_END + _GAP + _BINDS

#: ``def get_api_key(…)``: the function's ``return "…"`` is bound to ``api_key`` (``GETTER_RE``); it starts
#: with a plain ``def`` (no ``\b``), which the engine finds with a fast literal search
_GETTER = rb"def\s+_*(?:get|load|read|fetch|default)_" + _ID + rb"*?" + _NAME_WORD
#: a module that ``SECRET_SINKS`` call into: its key argument is named by the call, not the code
_SINK_MODULE = rb"(?i:jwt|jose|hmac|fernet|itsdangerous)"
_COMPARISON = rb"(?:[=!<>]=|[<>]|\bin\b|\bnot\b|\bis\b)"

# -- values that are secrets whatever their name ------------------------------------------------

_AUTH_SCHEME = rb"(?:Bearer|Token|token|Basic|Bot|ApiKey|Api-Key)"
_AUTHORIZATION = (rb"[\"']" + _AUTH_SCHEME + rb"(?:[ \t\f\v]+(?:[^\s\\]{16}|\\|[\"']" + _GAP + _PREFIX
                  + rb"[\"'])|\\)")
#: ``scheme://user:password@host`` (a password has eight characters or more)
_URL_PASSWORD = rb"://(?:[^\s/@\"']*:[^\s/@]{8}[^\s/]*?@|[^/@]*?[\"']" + _GAP + _PREFIX + rb"[\"'][^/@]*?@)"
_URL_PARAMETER = rb"[?&][\w.\-]*?" + _NAME_WORD + rb"[\w.\-]*="

_REACH_BYTES = rb"[\s\S]{0," + str(_REACH).encode() + rb"}?"
_CANDIDATE_LITERAL_RE = lazy_compile(CANDIDATE_LITERAL)
#: a secret-named binding that reaches to the window's end (the candidate literal)
_NAME_BEFORE_RE = lazy_compile(SECRET_NAME + _REACH_BYTES + rb"\Z")
#: after a literal: a comparison with a secret-named name (``"…" == password``)
_NAME_AFTER_RE = lazy_compile(rb"(?:[^\"'\n]*[\"'])?" + _GAP + _COMPARISON + _REACH_BYTES + _NAME_WORD)
_AUTHORIZATION_RE = lazy_compile(_AUTHORIZATION)
#: the markers of ``KNOWN_FORMATS`` (``KNOWN_FORMAT_TOKENS``) in one scan, each found from one
#: of its rarer characters (a capital, ``_``, ``-``) and confirmed by looking behind
_FORMAT_MARKER_RE = lazy_compile(
    rb"A(?:KIA|SIA|BIA|CCA|3T|Iza|ccountKey=)|PRIVATE KEY|S(?:G\.|haredAccessKey=)|J(?<=eyJ)"
    rb"|_(?:(?<=gh[pousr]_)|(?<=github_pat_)|(?<=npm_)|live_)|-(?:(?<=glpat-)|(?<=sk-)|(?<=pypi-))|x(?=ox)"
    rb"|\.(?<=hooks\.)slack\.com")
_URL_PASSWORD_RE = lazy_compile(_URL_PASSWORD)  # starts with "://": a fast literal search
_URL_PARAMETER_RE = lazy_compile(_URL_PARAMETER)
_GETTER_RE = lazy_compile(_GETTER)
_SINK_MODULES = (b"jwt", b"jose", b"hmac", b"fernet", b"itsdangerous")
#: the lower-case spellings of the name words (a window without any holds no secret name)
_WORDS = (b"secret", b"pass", b"pw", b"token", b"key", b"cred", b"bearer", b"pepper")
#: how far before a literal its name may start: the reach and a long name
_WINDOW = _REACH + 120


def may_hold_secret(raw: bytes) -> bool:
    """False only when ISO203 certainly finds nothing in a Python file with these bytes.

    The cheap scans run first; then each literal a name could judge is looked at with the bytes
    before it (and after it, for a comparison): a plain ``in`` for a name word, and only then
    the name pattern, on that window alone."""
    if _FORMAT_MARKER_RE.search(raw):
        return True
    if b"://" in raw and (_URL_PASSWORD_RE.search(raw) or _URL_PARAMETER_RE.search(raw)):
        return True
    if _AUTHORIZATION_RE.search(raw):
        return True
    candidates = _CANDIDATE_LITERAL_RE.finditer(raw)
    first = next(candidates, None)
    if first is None:
        return False
    if any(module in raw for module in _SINK_MODULES) or (b"def" in raw and _GETTER_RE.search(raw)):
        return True
    lowered = raw.lower()
    for match in itertools.chain((first,), candidates):
        start = match.start()
        before = max(0, start - _WINDOW)
        window = lowered[before:start]
        if any(word in window for word in _WORDS) and _NAME_BEFORE_RE.search(raw, before, start):
            return True
        after = lowered[start:start + _WINDOW + 200]
        if any(word in after for word in _WORDS) and _NAME_AFTER_RE.match(
                raw, match.end(), start + _WINDOW + 200):
            return True
    return False
