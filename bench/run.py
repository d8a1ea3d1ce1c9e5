#!/usr/bin/env python3
"""Run every benchmark with one command: ``python bench/run.py [NAME...]``.

With polp's venv active, after ``bench/setup_peers.sh`` (the peers live in bench/.peers/venv). Each
benchmark measures polp and its peers in the same run and prints its own figures and ratios:

* parse       parsing the 1,641 AWS managed policies (target < 2 s)
* simulate    decisions per second of the evaluator (target 100,000/s on one core)
* validate    3,000 policy files, polp validate vs parliament (target 10x faster)
* audit       the 2,000-role account, polp audit vs cloudsplaining and parliament (target 20x, 1/4 memory)
* cloudtrail  one million CloudTrail records end to end (target 150,000 records/s, < 500 MB)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("parse", "simulate", "validate", "audit", "cloudtrail")


def main(argv: list[str]) -> int:
    names = argv or list(ORDER)
    unknown = [n for n in names if n not in ORDER]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(ORDER)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names:
        print(f"\n=== {name} " + "=" * (70 - len(name)), flush=True)
        result = subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent)
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
