# Starts the isolint language server bundled with the VS Code extension, with whatever Python
# runs this file. The extension runs it as `python -I isolint_server.py [server options]`
# (isolated mode: no PYTHONPATH, no user site, no working directory on sys.path, so nothing
# installed on the machine or in the workspace can stand in for the bundled code).
#
# Compiled dependencies (libcst, tree-sitter, PyYAML) differ per CPython version, so the bundle holds
# one folder per version, ../libs/cp310 … ../libs/cp313; this file picks the one for the running
# interpreter. `--probe` prints one line for the extension instead of starting the server:
#   ISOLINT_PROBE ok <isolint version> <python version>
#   ISOLINT_PROBE unsupported-python <python version> <bundled tags, comma-separated>
#
# Written for any Python (no f-strings), so that even a Python 2 or 3.6 can say what it is.
import os
import sys


def _python_version():
    return "%d.%d.%d" % tuple(sys.version_info[:3])


def _libs_root():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "libs")


def main(argv):
    probe = argv[:1] == ["--probe"]
    root = _libs_root()
    tag = "cp%d%d" % tuple(sys.version_info[:2])
    libs = os.path.join(root, tag)
    implementation = getattr(getattr(sys, "implementation", None), "name", "cpython")
    if implementation != "cpython" or not os.path.isdir(libs):
        bundled = sorted(name for name in os.listdir(root) if name.startswith("cp")) if os.path.isdir(root) else []
        if probe:
            sys.stdout.write("ISOLINT_PROBE unsupported-python %s %s\n" % (_python_version(), ",".join(bundled) or "-"))
            return 0
        sys.stderr.write(
            "isolint: the bundled server has no libraries for %s %s (bundled: %s)\n"
            % (implementation, _python_version(), ", ".join(bundled) or "none")
        )
        return 2
    sys.path.insert(0, libs)
    if probe:
        import isolint.lsp.server  # noqa: F401  (loads the compiled dependencies: a broken bundle fails here)
        from isolint import __version__

        sys.stdout.write("ISOLINT_PROBE ok %s %s\n" % (__version__, _python_version()))
        return 0
    from isolint.__main__ import main as isolint_main

    return isolint_main(["server"] + list(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
