"""The language server (pygls 2.x). The only layer that imports pygls and lsprotocol."""
