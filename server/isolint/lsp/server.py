"""Placeholder until the language server lands (issue 3)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    print("isolint server: not implemented yet", file=sys.stderr)
    return 2
