"""Fills vscode-client/bundled/libs/ with isolint and its dependencies for one VS Code target.

    python scripts/bundle.py --target linux-x64 [--wheels DIR]

One folder per CPython version (bundled/libs/cp310 … cp313): libcst, tree-sitter and PyYAML are
compiled per version, and the launcher (bundled/tool/isolint_server.py) picks the folder of the
interpreter it runs on. Everything comes from published wheels for the target's platform
(`pip download --platform … --python-version … --only-binary=:all:`), so every target can be
built on any machine; the versions are the pins of scripts/bundled-requirements.txt, the same
for every target. isolint itself is the wheel built from this repository.

Checks before it finishes: every dependency a bundled package declares for that Python and
platform is bundled too, and every compiled module is built for the target. Writes
bundled/build.json (target, versions per folder) for the tests and the debug output.

Needs a Python with pip (any version; it never imports what it bundles). Downloads are cached
in --wheels (default: vscode-client/build/wheels), so a second build is offline.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip carries its own copy
    from pip._vendor.packaging.markers import Marker  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

CLIENT = Path(__file__).resolve().parents[1]
ROOT = CLIENT.parent
PINS = CLIENT / "scripts" / "bundled-requirements.txt"
BUNDLED = CLIENT / "bundled"
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13")


def _manylinux(arch: str) -> list[str]:
    # glibc 2.28 is what VS Code itself needs on Linux; manylinux2014 = manylinux_2_17
    return [f"manylinux_2_{minor}_{arch}" for minor in range(28, 16, -1)] + [f"manylinux2014_{arch}"]


#: VS Code target -> pip platform tags, marker environment, file suffixes its compiled modules have
TARGETS: dict[str, dict] = {
    "linux-x64": {"platforms": _manylinux("x86_64"), "sys_platform": "linux", "platform_system": "Linux",
                  "platform_machine": "x86_64", "os_name": "posix", "native": r"(x86_64-linux-gnu|abi3)\.so$"},
    "linux-arm64": {"platforms": _manylinux("aarch64"), "sys_platform": "linux", "platform_system": "Linux",
                    "platform_machine": "aarch64", "os_name": "posix", "native": r"(aarch64-linux-gnu|abi3)\.so$"},
    # pip widens a macOS tag to every older macOS release (and universal2)
    "darwin-x64": {"platforms": ["macosx_11_0_x86_64"], "sys_platform": "darwin", "platform_system": "Darwin",
                   "platform_machine": "x86_64", "os_name": "posix", "native": r"(darwin|abi3)\.so$"},
    "darwin-arm64": {"platforms": ["macosx_11_0_arm64"], "sys_platform": "darwin", "platform_system": "Darwin",
                     "platform_machine": "arm64", "os_name": "posix", "native": r"(darwin|abi3)\.so$"},
    "win32-x64": {"platforms": ["win_amd64"], "sys_platform": "win32", "platform_system": "Windows",
                  "platform_machine": "AMD64", "os_name": "nt", "native": r"(cp3\d+-win_amd64|)\.pyd$"},
}


def tag_of(version: str) -> str:
    return "cp" + version.replace(".", "")


def marker_environment(target: str, version: str) -> dict[str, str]:
    spec = TARGETS[target]
    return {
        "python_version": version, "python_full_version": f"{version}.0", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "implementation_version": f"{version}.0",
        "sys_platform": spec["sys_platform"], "platform_system": spec["platform_system"],
        "platform_machine": spec["platform_machine"], "os_name": spec["os_name"], "platform_release": "",
        "platform_version": "", "extra": "",
    }


def pinned_for(target: str, version: str) -> list[str]:
    """The pins that apply to one Python on one target, as `name==version`."""
    env = marker_environment(target, version)
    pins = []
    for line in PINS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(env):
            pins.append(f"{requirement.name}{requirement.specifier}")
    return pins


def pip(python: str, *args: str) -> None:
    command = [python, "-m", "pip", *args]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        noise = re.compile(r"^WARNING: Location .* is ignored")
        stderr = "\n".join(line for line in result.stderr.splitlines() if not noise.match(line))
        raise SystemExit(f"bundle: failed: {' '.join(command)}\n{result.stdout[-3000:]}\n{stderr[-3000:]}")


def build_isolint_wheel(python: str, out: Path) -> Path:
    """The wheel, built from a copy of the package's sources: setuptools writes build/ and
    *.egg-info next to them, and a build in the checkout would race another one there."""
    source = out / "source"
    shutil.copytree(ROOT / "server", source / "server", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    pip(python, "wheel", str(source), "--no-deps", "--quiet", "--wheel-dir", str(out))
    (wheel,) = out.glob("isolint-*.whl")
    return wheel


def platform_args(target: str, version: str) -> list[str]:
    tag = tag_of(version)
    args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", version,
            "--abi", tag, "--abi", "abi3", "--abi", "none"]
    for platform in TARGETS[target]["platforms"]:
        args += ["--platform", platform]
    return args


def install_folder(python: str, target: str, version: str, isolint_wheel: Path, wheels: Path, libs: Path) -> Path:
    pins = pinned_for(target, version)
    cache = wheels / target / tag_of(version)
    cache.mkdir(parents=True, exist_ok=True)
    pip(python, "download", "--quiet", "--no-deps", "--dest", str(cache), *platform_args(target, version), *pins)
    folder = libs / tag_of(version)
    pip(python, "install", "--quiet", "--no-deps", "--no-index", "--find-links", str(cache), "--target", str(folder),
        "--no-compile", *platform_args(target, version), *pins, str(isolint_wheel))
    shutil.rmtree(folder / "bin", ignore_errors=True)  # console scripts, with this machine's shebang
    for cached in folder.rglob("__pycache__"):
        shutil.rmtree(cached, ignore_errors=True)
    return folder


def distributions(folder: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, Requires-Dist) of every distribution installed in ``folder``."""
    found = {}
    for metadata_file in folder.glob("*.dist-info/METADATA"):
        metadata = Parser().parsestr(metadata_file.read_text(encoding="utf-8"))
        found[canonicalize_name(metadata["Name"])] = (metadata["Version"], metadata.get_all("Requires-Dist") or [])
    return found


def check_folder(target: str, version: str, folder: Path) -> dict[str, str]:
    """Fails when a declared dependency is missing or a compiled module is for another platform."""
    env = marker_environment(target, version)
    installed = distributions(folder)
    missing = []
    for name, (_, requires) in installed.items():
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(env):
                continue
            dependency = installed.get(canonicalize_name(requirement.name))
            if dependency is None or not requirement.specifier.contains(dependency[0], prereleases=True):
                missing.append(f"{name} needs {line}")
    if missing:
        raise SystemExit(f"bundle: {target} {tag_of(version)}: add to {PINS.name}: " + "; ".join(missing))
    native = re.compile(TARGETS[target]["native"])
    foreign = [p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.suffix in (".so", ".pyd", ".dylib") and not native.search(p.name)]
    if target.startswith("win32"):
        foreign += [p.relative_to(folder).as_posix() for p in folder.rglob("*.so")]
    if foreign:
        raise SystemExit(f"bundle: {target} {tag_of(version)}: compiled modules for another platform: {foreign[:5]}")
    return {name: v for name, (v, _) in sorted(installed.items())}


def isolint_version(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    return Parser().parsestr(metadata)["Version"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, choices=sorted(TARGETS))
    parser.add_argument("--wheels", type=Path, default=CLIENT / "build" / "wheels", help="download cache")
    parser.add_argument("--python", default=sys.executable, help="the Python whose pip downloads (default: this one)")
    parser.add_argument("--out", type=Path, default=BUNDLED, help="where libs/ and build.json go (default: bundled/)")
    args = parser.parse_args(argv)
    libs = args.out / "libs"
    shutil.rmtree(libs, ignore_errors=True)
    libs.mkdir(parents=True)
    (args.out / "build.json").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="isolint-wheel-") as tmp:
        print(f"bundle: building the isolint wheel from {ROOT}", flush=True)
        wheel = build_isolint_wheel(args.python, Path(tmp))
        folders = {}
        for version in PYTHON_VERSIONS:
            print(f"bundle: {args.target} Python {version} -> {libs / tag_of(version)}", flush=True)
            folder = install_folder(args.python, args.target, version, wheel, args.wheels, libs)
            folders[tag_of(version)] = check_folder(args.target, version, folder)
        info = {"target": args.target, "isolint": isolint_version(wheel), "python": list(PYTHON_VERSIONS),
                "libs": folders}
    (args.out / "build.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"bundle: done ({args.target}, isolint {info['isolint']}, {len(folders)} Python versions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
