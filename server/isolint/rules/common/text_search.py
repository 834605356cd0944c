"""Asking whether a regex of alternatives occurs anywhere in a file's bytes, fast.

Admission and whole-file tests run on every keystroke of the language server, over the whole
text. ``sre`` skips ahead to a pattern's literal prefix with a fast search, but a pattern that
starts with ``\\b`` or has several alternatives has no such prefix: it is tried at every byte,
about 80 ns a byte per regex (3 ms over a 40 KB file). :class:`Alternatives` searches each
alternative on its own, only where a word every match of it contains occurs (a plain ``in``),
and checks a leading ``\\b`` by hand, so each search has its literal prefix again.
"""

from __future__ import annotations


from isolint.core.lazy_regex import LazyPattern, lazy_compile

#: what ``\\w`` matches in a bytes pattern
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
#: what ``[\\w\\x80-\\xff]`` matches in a bytes pattern: an identifier's bytes, UTF-8 ones included
IDENTIFIER_BYTES = _WORD_BYTES | frozenset(range(0x80, 0x100))


class Alternatives:
    """``regex.search(text) is not None`` for ``regex`` the alternatives joined with ``|``.

    Each alternative comes with a word that every match of it contains; an alternative
    starting with ``\\b`` must go on with a word character (the boundary then means "no word
    character before")."""

    def __init__(self, *alternatives: tuple[bytes, bytes]) -> None:
        self.alternatives = alternatives
        self.regex = lazy_compile(b"|".join(pattern for _, pattern in alternatives))
        self._searches: list[tuple[bytes, LazyPattern[bytes], bool]] = []
        for word, pattern in alternatives:
            bounded = pattern.startswith(rb"\b")
            self._searches.append((word, lazy_compile(pattern[2:] if bounded else pattern), bounded))

    def occurs(self, text: bytes) -> bool:
        for word, regex, bounded in self._searches:
            if word not in text:
                continue
            position = 0
            while (match := regex.search(text, position)) is not None:
                start = match.start()
                if not bounded or start == 0 or text[start - 1] not in _WORD_BYTES:
                    return True
                position = start + 1
        return False


def occurs_at_identifier(text: bytes, word: bytes, regex: LazyPattern[bytes]) -> bool:
    """``regex.search(text) is not None`` for a ``regex`` every match of which starts at the first
    byte of an identifier holding ``word`` (the pattern starts with a look-behind refusing an
    identifier byte, then the identifier: ``(?<![\\w\\x80-\\xff.])[\\w\\x80-\\xff]*publish…``).
    Such a pattern has no literal prefix and is tried at every byte; here it is tried only at
    the start of each identifier where ``word`` occurs."""
    tried = -1
    at = text.find(word)
    while at >= 0:
        start = at
        while start and text[start - 1] in IDENTIFIER_BYTES:
            start -= 1
        if start != tried:
            if regex.match(text, start) is not None:
                return True
            tried = start
        at = text.find(word, at + 1)
    return False
