from __future__ import annotations

from isolint.core.model import Language, Severity
from isolint.core.rule import ALL_ZONES, Rule


class ParseError(Rule):
    """## What it does
    Reports a file isolint could not parse, with the parser's reason.

    ## Why is this bad?
    A file that does not parse is not checked at all; silently skipping it would hide every
    finding in it. Common causes: half-typed code, syntax newer than the Python that runs
    isolint (run the server with the project's own interpreter), or a broken encoding.

    ## Example
    ```python
    def broken(:
        pass
    ```

    ## Use instead
    ```python
    def fixed():
        pass
    ```
    """

    code = "ISO001"
    name = "parse-error"
    message = "Cannot parse this file: {reason}"
    severity = Severity.INFO
    languages = frozenset({Language.PYTHON, Language.TYPESCRIPT, Language.DOTENV})
    zones = ALL_ZONES
