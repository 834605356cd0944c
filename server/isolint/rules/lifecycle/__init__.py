"""ISO3xx: session and connection lifecycle (the audit's pattern 2)."""
