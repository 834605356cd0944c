"""One module per rule, one package per family; ``registry`` is the single list."""
