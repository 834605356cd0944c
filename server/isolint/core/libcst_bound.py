"""The bound on what isolint hands libcst's parser.

libcst parses workspace text in two places: reading syntax newer than the running interpreter
(``isolint.engine.newer_syntax``) and building the ``wrap_in_with`` fix. Its native parser's
time grows with the cube of the longest stretch of one expression, and holds the GIL meanwhile:
a text an editor sends could stall the language server for minutes. The check here is linear
and runs before every such parse.
"""

from __future__ import annotations

import re

#: the most tokens one stretch of an expression may hold (at one bracket depth, between commas,
#: semicolons and line ends) for libcst to be handed the text. libcst's native parser takes time
#: growing with the cube of such a stretch (a chain of ``+``, of attributes or of calls): a
#: second for 2,000 tokens, minutes for 40,000, holding the GIL meanwhile, so the language
#: server could answer nothing, not even ``shutdown``. Real code stays far below: the longest
#: stretch in 17 corpora of real monorepos (16,789 files) is 535 tokens.
LIBCST_TOKEN_RUN_LIMIT = 1_500

_TOKEN_RE = re.compile(r"""
    (?P<string>(?<!\w)[rRbBuUfFtT]{0,2}(?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
  | (?P<comment>\#[^\n]*)
  | (?P<newline>\n)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<separator>[,;])
  | (?P<word>\w+)
  | (?P<other>[^\s\w()\[\]{},;'"\#]+|\S)
""", re.VERBOSE)


class TooLongForLibcst(ValueError):
    """A text libcst is not handed (:data:`LIBCST_TOKEN_RUN_LIMIT`); ``offset``: where the
    stretch of expression that is too long starts."""

    def __init__(self, offset: int):
        super().__init__(
            f"an expression runs on for more than {LIBCST_TOKEN_RUN_LIMIT:,} tokens without a comma; "
            "isolint does not read newer Python syntax in a file holding one (parsing it would take minutes)")
        self.offset = offset


def refuse_if_too_long_for_libcst(text: str) -> None:
    """Raise :class:`TooLongForLibcst` when ``text`` holds a stretch of expression longer than
    :data:`LIBCST_TOKEN_RUN_LIMIT` tokens; called before every libcst parse of workspace text.

    One pass of a regular expression: a string (a 3.12 f-string that reuses its quote reads as
    several, each a token of the stretch) and a comment are single tokens; an opening bracket
    counts as a token of the stretch it stands in and starts a deeper one; a comma or semicolon
    ends a stretch, a line end does outside brackets."""
    stretches = [0]
    starts = [0]
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "comment" or (kind == "newline" and len(stretches) > 1):
            continue
        if kind in ("newline", "separator"):
            stretches[-1] = 0
        elif kind == "close":
            if len(stretches) > 1:
                stretches.pop()
                starts.pop()
        else:
            if stretches[-1] == 0:
                starts[-1] = match.start()
            stretches[-1] += 1
            if stretches[-1] > LIBCST_TOKEN_RUN_LIMIT:
                raise TooLongForLibcst(starts[-1])
            if kind == "open":
                stretches.append(0)
                starts.append(match.end())
