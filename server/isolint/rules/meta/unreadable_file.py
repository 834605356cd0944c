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
    - Text holding a stray NUL character (a key separator inside a TypeScript template
      literal): it is read and checked. Python refuses a NUL anywhere in its source, so such a
      Python file is a parse error ([ISO001](ISO001.md)) at the NUL. NUL bytes make a file
      binary when they are one character in ten or more of its first 8 KiB (a wide encoding
      such as UTF-16) or when its bytes do not decode.
    - Generated files (`node_modules/`, `build/`…): no rule applies there.
    """

    code = "ISO002"
    name = "unreadable-file"
    message = "Cannot read this file: {reason}"
