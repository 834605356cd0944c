"""ISO6xx: service independence — what one service may import from another."""
