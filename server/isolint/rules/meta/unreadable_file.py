from __future__ import annotations

from isolint.rules.meta.not_checked import FileNotChecked


class UnreadableFile(FileNotChecked):
    """A source file isolint cannot read as text, so nothing in it was checked.

    ## What it does
    Reports a file that looks like source (by its name) but cannot be read as text: binary
    content, larger than 5 MB, or bytes that do not decode in its declared encoding.

    ## Why is this bad?
    isolint never guesses an encoding silently; a file it cannot read is not checked, and you
    should know that rather than believe it clean.

    ## Example
    ```text
    a .py file saved as UTF-16, or a binary blob named settings.py
    ```

    ## Use instead
    ```text
    UTF-8 source (or a PEP 263 coding declaration that matches the bytes)
    ```

    ## Known look-alikes
    - UTF-8 with a byte-order mark, and a PEP 263 coding declaration that matches the bytes:
      both are read.
    - Generated files (`node_modules/`, `build/`…): no rule applies there.
    """

    code = "ISO002"
    name = "unreadable-file"
    message = "Cannot read this file: {reason}"
