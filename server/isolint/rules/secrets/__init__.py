"""ISO2xx — secrets: real-looking secrets in committed env files, real values in env
templates, hard-coded secrets in code. Detection is shared (``detection``); every message and
every output masks the secret (``data["secret_range"]``)."""
