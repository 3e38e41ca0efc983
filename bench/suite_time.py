"""Wall time of the test run: ``bash scripts/test.sh`` as a developer runs it (tests marked slow
left out) and as CI runs it (``CI=true``: every test). Set-up is done first and not timed.

    python bench/suite_time.py [--modes local,ci] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = {"local": {"CI": "", "TEST_ALL": ""}, "ci": {"CI": "true"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", default="local,ci")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=ROOT, check=True, capture_output=True)
    for mode in args.modes.split(","):
        for run in range(1, args.runs + 1):
            env = {**os.environ, **MODES[mode]}
            started = time.perf_counter()
            done = subprocess.run(
                ["bash", "scripts/test.sh"], cwd=ROOT, env=env, capture_output=True, text=True
            )
            seconds = time.perf_counter() - started
            summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            print(f"{mode} run {run}: {seconds:.1f} s, exit {done.returncode}: {summary}")


if __name__ == "__main__":
    main()
