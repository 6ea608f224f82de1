"""Run one entry of the Procfile in place of this process: `scripts/procfile.py NAME`.

docker-compose.yml and the deployment drill start every service this way, and `make
run` runs the same file with honcho, so the commands are written once. The entry runs
under `sh -c` (as honcho runs it), from the repository root, with this environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: scripts/procfile.py NAME")
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    if argv[1] not in processes:
        raise SystemExit(f"Procfile has no {argv[1]!r}; it has {', '.join(processes)}")
    os.chdir(ROOT)
    # `python` in an entry is this interpreter (the virtualenv's, in a checkout).
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    os.execvp("sh", ["sh", "-c", processes[argv[1]]])  # noqa: S606 - the shell is the point


if __name__ == "__main__":
    main(sys.argv)
