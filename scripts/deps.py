"""Install the dependencies listed in pyproject.toml, the one place they are written.

    python scripts/deps.py install [--extra test]   # into this interpreter, if changed
    python scripts/deps.py requirements [--extra test]   # print them, one per line

The project is not a package (`pip install -e .` has nothing to install), so this reads
[project] dependencies and [project.optional-dependencies] with tomllib. `install` keeps
a stamp in the environment keyed on the hash of what it installed and skips pip when
nothing changed.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project.get("dependencies", []))
    optional = project.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise SystemExit(f"deps.py: pyproject.toml has no optional dependencies {extra!r}")
        reqs += optional[extra]
    return reqs


def stamp_path(extras: list[str]) -> Path:
    name = "-".join(["base", *sorted(extras)])
    return Path(sys.prefix) / f".deps-{name}.sha256"


def digest(reqs: list[str]) -> str:
    key = "\n".join([sys.version, *sorted(reqs)])
    return hashlib.sha256(key.encode()).hexdigest()


def install(extras: list[str]) -> None:
    reqs = requirements(extras)
    stamp = stamp_path(extras)
    wanted = digest(reqs)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        print(f"deps: up to date ({stamp.name})")
        return
    print(f"deps: installing {len(reqs)} requirements from pyproject.toml", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, *reqs], check=True)
    stamp.write_text(wanted + "\n")
    # What an extra installs includes the base set, so that one is current too.
    if extras:
        stamp_path([]).write_text(digest(requirements([])) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/deps.py", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["install", "requirements"])
    parser.add_argument("--extra", action="append", default=[], help="e.g. test")
    args = parser.parse_args(argv)
    if args.action == "install":
        install(args.extra)
    else:
        print("\n".join(requirements(args.extra)))


if __name__ == "__main__":
    main()
