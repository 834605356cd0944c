from __future__ import annotations

from isolint.rules.meta.not_checked import FileNotChecked


class ParseError(FileNotChecked):
    """A file isolint could not parse, so nothing in it was checked.

    ## What it does
    Reports a file isolint could not parse, with the parser's reason. Only files whose text
    holds something a rule looks for (a local host, an environment lookup, a session, a
    secret-like name…) are parsed, so a syntax error elsewhere is left to the compiler and the
    project's other linters.

    ## Why is this bad?
    A file that does not parse is not checked at all; silently skipping it would hide every
    finding in it. Common causes: half-typed code or a broken encoding. In the editor the last
    good diagnostics stay while the file does not parse.

    ## Example
    ```python
    import os

    DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://app@localhost/app"
    ```

    ## Use instead
    ```python
    import os

    DATABASE_URL = os.environ["DATABASE_URL"]
    ```

    ## Known look-alikes
    - A file with a syntax error but nothing any rule looks for: it is never parsed.
    - Generated files (`node_modules/`, `build/`, `*_pb2.py`…): no rule applies there.
    - Valid code in syntax newer than the Python running isolint (type parameters, `type`
      aliases, PEP 701 f-strings, `except A, B:`): it is read and checked like any other file.
    - A code generator's template named `.py` (Jinja tags such as `{% if … %}` opening a line):
      it is not Python until rendered.
    """

    code = "ISO001"
    name = "parse-error"
    message = "Cannot parse this file: {reason}"
