"""The bound on what isolint hands libcst: a stretch of one expression past
``LIBCST_TOKEN_RUN_LIMIT`` tokens is refused before libcst sees it, and nothing shorter is."""

from __future__ import annotations

import pytest

from isolint.core.libcst_bound import LIBCST_TOKEN_RUN_LIMIT, TooLongForLibcst, refuse_if_too_long_for_libcst
from isolint.engine.newer_syntax import downlevel
from isolint.fixers import FixNotApplicable
from isolint.fixers.wrap_in_with import wrap_in_with
from tests.robustness.hostile import fstring_operator_chain


def chain(tokens: int) -> str:
    """``a + a + …`` of exactly ``tokens`` tokens (odd)."""
    return " + ".join(["a"] * ((tokens + 1) // 2))


@pytest.mark.parametrize("text", [
    f"x = {chain(LIBCST_TOKEN_RUN_LIMIT - 2)}\n",  # with ``x`` and ``=``: exactly the limit
    "x = [" + ", ".join(["a + b"] * 50_000) + "]\n",  # long, but every stretch is short
    "\n".join(f"x = {chain(999)}" for _ in range(50)) + "\n",  # a line end ends a stretch
    f"x = 1  # {chain(5_001)}\n",  # a comment is one token
    f"x = '{chain(5_001)}'\n",  # and so is a string
], ids=["at-the-limit", "long-list", "many-lines", "comment", "string"])
def test_real_code_shapes_pass(text: str) -> None:
    refuse_if_too_long_for_libcst(text)


@pytest.mark.parametrize(("text", "stretch_start"), [
    (f"x = {chain(LIBCST_TOKEN_RUN_LIMIT)}\n", "x = a + a"),
    ("x = (" + " +\n".join(["a"] * 1_000) + ")\n", "a +\na"),  # in brackets a line end does not end it
    ("x = a" + ".b" * 1_000 + "\n", "x = a.b"),
    ("x = a" + "()" * 1_600 + "\n", "x = a()"),
    (fstring_operator_chain(1_000), "x = f'{os"),
], ids=["just-past-the-limit", "over-lines", "attributes", "calls", "newer-fstring"])
def test_a_stretch_past_the_limit_is_refused_where_it_starts(text: str, stretch_start: str) -> None:
    with pytest.raises(TooLongForLibcst, match="more than 1,500 tokens") as refused:
        refuse_if_too_long_for_libcst(text)
    assert text[refused.value.offset:].startswith(stretch_start)


def test_downlevel_refuses_rather_than_parse() -> None:
    with pytest.raises(TooLongForLibcst):
        downlevel(fstring_operator_chain())


def test_the_with_fix_is_not_offered_on_such_a_file() -> None:
    text = f"s = SessionLocal()\ns.query({chain(LIBCST_TOKEN_RUN_LIMIT + 2)})\ns.close()\n"
    with pytest.raises(FixNotApplicable, match="more than 1,500 tokens"):
        wrap_in_with(text, {"name": "s", "keyword": "with", "line": 0, "close_line": 2})
