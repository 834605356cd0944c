"""Knowledge shared by several rule families (one place, not copies)."""
