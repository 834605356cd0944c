"""``isolint.rules.common.scope``: the walks several rule families share."""

from __future__ import annotations

import ast
import textwrap

from isolint.rules.common.scope import defined_functions


def test_defined_functions_are_the_block_s_own_in_nested_blocks_not_in_functions_or_classes() -> None:
    tree = ast.parse(textwrap.dedent("""
        def top(): pass
        if FLAG:
            async def in_if(): pass
        else:
            def in_else(): pass
        try:
            import fast
        except ImportError:
            def in_handler(): pass
        finally:
            def in_finally(): pass
        with lock:
            def in_with(): pass
        class Holder:
            def method(self): pass
        def outer():
            def inner(): pass
    """))
    assert sorted(function.name for function in defined_functions(tree.body)) == [
        "in_else", "in_finally", "in_handler", "in_if", "in_with", "outer", "top"]
