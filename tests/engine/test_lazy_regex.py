"""A ``LazyPattern`` answers exactly what the compiled pattern answers, and compiles only when
used (importing the rule registry compiles none of the patterns made lazy)."""

from __future__ import annotations

import copy
import pickle
import re
import subprocess
import sys

from isolint.core.lazy_regex import LazyPattern, compile_pending, lazy_compile


def test_methods_and_attributes_are_the_compiled_patterns():
    lazy, eager = lazy_compile(r"(?P<key>[a-z]+)=(\d+)", re.IGNORECASE), re.compile(r"(?P<key>[a-z]+)=(\d+)", re.I)
    text = "A=1, bb=22; C=x"
    assert lazy.search(text).group(0) == eager.search(text).group(0) == "A=1"
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub("-", text) == eager.sub("-", text)
    assert lazy.match("zz=9") is not None and lazy.fullmatch("zz=9x") is None
    assert lazy.groupindex == eager.groupindex and lazy.groups == eager.groups == 2
    assert lazy.compiled() is lazy.compiled()


def test_source_is_there_without_compiling():
    lazy = lazy_compile(rb"ab+")
    combined = re.compile(lazy.pattern + rb"|cd")
    assert lazy._compiled is None  # building on the source compiled nothing
    assert combined.search(b"xxabbb").group(0) == b"abbb"
    assert lazy.search(b"xxabbb") is not None and lazy._compiled is not None


def test_bad_pattern_fails_when_used():
    lazy = lazy_compile(r"(unclosed")
    try:
        lazy.search("x")
    except re.error:
        pass
    else:
        raise AssertionError("an invalid pattern must raise re.error when used")


def test_copies_and_pickles():
    lazy = lazy_compile(r"a+")
    for twin in (copy.deepcopy(lazy), pickle.loads(pickle.dumps(lazy))):
        assert twin.search("baaa").group(0) == "aaa"


def test_importing_the_registry_compiles_no_lazy_pattern():
    code = ("import gc, isolint.rules.registry\n"
            "from isolint.core.lazy_regex import LazyPattern\n"
            "lazy = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]\n"
            "print(len(lazy), sum(o._compiled is not None for o in lazy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    made, compiled = int(out[0]), int(out[1])
    assert made >= 40 and compiled == 0, out


def test_is_not_a_pattern_for_re_functions():
    # callers use its methods; re.search(lazy, …) would need .compiled()
    assert not isinstance(lazy_compile("a"), re.Pattern)
    assert isinstance(lazy_compile("a"), LazyPattern)
    assert re.search(lazy_compile("a+").compiled(), "caa").group(0) == "aa"


def test_compile_pending_compiles_what_was_not_used_yet():
    unused, used, broken = lazy_compile(r"x+y"), lazy_compile(r"u+v"), lazy_compile(r"(unclosed")
    used.search("uuv")
    assert compile_pending() >= 1
    assert unused._compiled is not None and unused.search("xxy").group(0) == "xxy"
    assert broken._compiled is None  # left to fail where it is used
    assert compile_pending() == 0  # nothing compilable is left
