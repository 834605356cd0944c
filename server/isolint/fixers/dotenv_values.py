"""Range edits for dotenv values: blanking a committed secret, swapping a real value for a
placeholder. Plain text edits — dotenv files need no syntax tree to be rewritten safely."""

from __future__ import annotations

from isolint.core.model import Applicability, Edit, Fix, Position, Range


def blank_value_fix(
    *,
    key: str,
    value_range: Range,
    line_text: str,
    end_line_text: str,
    inline_comment: str,
    line_ending: str,
    where: str = "the deployment's secret store",
) -> Fix:
    """``KEY=secret  # note`` → ``# set KEY in <where>  # note`` above ``KEY=``.

    The rest of the line goes too: python-dotenv reads ``KEY= # note`` as the value ``# note``,
    so an inline comment left behind would become the new value. It moves into the comment.
    """
    indent = line_text[: len(line_text) - len(line_text.lstrip())]
    note = f"# set {key} in {where}" + (f" ({inline_comment.lstrip('#').strip()})" if inline_comment else "")
    start_line = value_range.start.line
    insert = Position(start_line, 0)
    cut = Range(value_range.start, Position(value_range.end.line, len(end_line_text)))
    return Fix(
        title=f"Blank `{key}` (set it in {where})",
        applicability=Applicability.UNSAFE,
        edits=(Edit(Range(insert, insert), f"{indent}{note}{line_ending}"), Edit(cut, "")),
    )


def replace_value_fix(*, replace: Range, new_text: str, title: str, applicability: Applicability) -> Fix:
    return Fix(title=title, applicability=applicability, edits=(Edit(replace, new_text),))
