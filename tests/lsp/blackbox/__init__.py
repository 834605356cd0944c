"""An independent black-box client for ``isolint server``: raw JSON-RPC over stdio, its own
text model and position arithmetic, and consistency checks against a fresh CLI run."""
