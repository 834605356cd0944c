"""Editor-independent analysis: sources, prefilter, runners, project index, checker, fixing."""
