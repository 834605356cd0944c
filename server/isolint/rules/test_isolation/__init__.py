"""ISO5xx: test isolation — real services in integration tests, no leaked environment."""
