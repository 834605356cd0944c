"""Output formats; each module exposes ``render(run, options) -> str``."""
