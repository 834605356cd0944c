"""The command line: check, fix, rule(s), report, server."""
