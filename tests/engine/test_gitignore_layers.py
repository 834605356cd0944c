"""An ignore layer answers exactly what pathspec answers for its .gitignore, pattern for
pattern: its one combined search only skips paths no pattern can match."""

from __future__ import annotations

import itertools

import pathspec
import pytest

from isolint.core.gitignore import IgnoreLayer

PATTERNS = [
    "node_modules/", "*.pyc", "!keep.pyc", "/build", "docs/**/x.md", "**/cache", "logs/*.log",
    "!logs/important.log", "a?c", "[Tt]emp*", "\\#literal", "dir/", "!dir/kept/", "*.egg-info/",
    "/.env", ".env.*", "!.env.example", "deep/**", "**/generated/**/*.ts", "trailing\\ space\\ ",
    "# a comment", "", "foo/bar", "(?P<name>x)",
]
PATHS = [
    "node_modules/x.js", "src/node_modules/y/z.js", "a.pyc", "src/keep.pyc", "build", "build/out.js",
    "src/build/x.py", "docs/x.md", "docs/a/b/x.md", "lib/cache", "lib/cache/file", "logs/a.log",
    "logs/important.log", "logs/deep/a.log", "abc", "axc", "abbc", "Temp1", "temp2/file", "#literal",
    "dir/file", "dir/kept/file", "x.egg-info/PKG-INFO", ".env", "sub/.env", ".env.local",
    ".env.example", "deep/a/b", "app/generated/x/y.ts", "app/generated/y.ts", "trailing space ",
    "foo/bar", "x/foo/bar", "(?P<name>x)", "plain/file.py", "./build", "/build",
]


@pytest.mark.parametrize("size", [1, 3, len(PATTERNS)])
def test_a_layer_answers_what_pathspec_answers(size: int) -> None:
    for start in range(0, len(PATTERNS), size):
        lines = PATTERNS[start:start + size]
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
        for prefix, strip in itertools.product(["", "top/"], [0, 4]):
            layer = IgnoreLayer(spec, prefix, strip)
            for path in PATHS:
                walk_rel = "abc/" + path if strip else path
                expected = spec.check_file(prefix + walk_rel[strip:]).include
                assert layer.verdict(walk_rel) == expected, (lines, prefix, walk_rel)


def test_a_gitignore_without_patterns_ignores_nothing() -> None:
    layer = IgnoreLayer(pathspec.GitIgnoreSpec.from_lines(["# only a comment", ""]), "", 0)
    assert layer.verdict("anything.py") is None


FOLDER_PATTERNS = ("*.egg-info/", "*cache/", "a*b*c/", ".*/", "x.*/", "*/", "tmp*/", "**/", "a**b/", "[ab]*/",
                   "node_modules/", "foo/bar*/", "!keep*/", "*.py")
FOLDER_NAMES = ("pkg.egg-info", "egg-info", ".egg-info", "x.egg-info.bak", "mycache", "cache", "abc", "aXbYc",
                "ac", ".hidden", "x.y", "x.", "tmp", "tmpdir", "a", "ab", "foo", "bar1", "keepme", "node_modules")


@pytest.mark.parametrize("size", [1, 2])
def test_excluded_folders_are_what_pathspec_excludes(size: int) -> None:
    """``exclude``'s folder names and folder-name globs are answered without pathspec: the
    same verdicts as its spec of the same patterns, at every depth."""
    from isolint.core.config import Settings
    from isolint.engine.discovery import _Excluder

    for patterns in itertools.combinations(FOLDER_PATTERNS, size):
        excluder = _Excluder(Settings(exclude=list(patterns)))
        spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        for parent in ("", "sub", "foo", "sub/deep"):
            for name in FOLDER_NAMES:
                rel = f"{parent}/{name}" if parent else name
                assert excluder.folder(rel, name) == spec.match_file(rel + "/"), (patterns, rel)


def test_the_default_excludes_need_no_gitignore_spec() -> None:
    from isolint.core.config import Settings
    from isolint.engine.discovery import _Excluder

    excluder = _Excluder(Settings())
    assert excluder.spec is None and excluder.file_spec is None
    assert excluder.folder("libs/pkg.egg-info", "pkg.egg-info") and excluder.folder("web/node_modules", "node_modules")
    assert not excluder.folder("libs/egg", "egg")


def test_a_catch_all_route_in_a_gitignore_is_read_without_a_warning(tmp_path) -> None:
    """``pages/auth/[[...path]].tsx`` (a Next.js optional catch-all route) is a valid pattern
    (git reads its brackets as a character set, and so does pathspec); Python's ``re`` would print a FutureWarning ("possible nested set") on the user's terminal
    while pathspec and the combined search compile it."""
    import warnings

    from isolint.core.gitignore import load_ignore_file

    ignore = tmp_path / ".gitignore"
    ignore.write_text("web/src/pages/auth/[[...path]].tsx\nbuild/\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec = load_ignore_file(str(ignore)).spec
        layer = IgnoreLayer(spec, "", 0)
        # as git reads it: `[[...path]` is one character of a set, then a `]`
        assert layer.verdict("web/src/pages/auth/p].tsx") is True
        assert layer.verdict("web/src/pages/auth/[[...path]].tsx") is None
        assert layer.verdict("web/src/pages/auth/login.tsx") is None
