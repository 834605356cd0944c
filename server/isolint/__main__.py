"""``isolint server …`` starts the language server; everything else is the CLI.

The two front ends never import each other, so the dispatch happens here.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] == ["server"]:
        from isolint.lsp.main import main as server_main

        return server_main(words[1:])
    from isolint.cli.main import main as cli_main

    # None: the arguments are this process's own (``isolint …``, ``python -m isolint …``), so the
    # command line may prepare the process for the run (``cli.common.prepare_engine``)
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
