#!/usr/bin/env python3
"""Benchmark parsing the 1,641 AWS managed policies of ../shared/corpora/managed-policies.

Usage: ``python bench/parse.py`` with polp's venv active. Prints the time to read and parse every
document into polp's typed model (best of 5, one core), against the issue's target of 2 s, and the
time of a bare ``json.loads`` of the same files for scale.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from polp.iam.parse import parse_policy_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "managed-policies" / "policies"


def best_of(runs: int, work: object) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    files = sorted(CORPUS.glob("*.json"))
    texts = [(str(f), f.read_text()) for f in files]

    def parse_all() -> None:
        for name, text in texts:
            parse_policy_text(text, name)

    def json_all() -> None:
        for _name, text in texts:
            json.loads(text)

    polp_s = best_of(5, parse_all)
    json_s = best_of(5, json_all)
    statements = sum(len(parse_policy_text(t, n).statements) for n, t in texts)
    print(f"{len(texts)} managed policies, {statements} statements")
    print(f"polp parse: {polp_s:.3f} s ({len(texts) / polp_s:,.0f} policies/s); target < 2 s: "
          f"{'met' if polp_s < 2 else 'MISSED'}")
    print(f"json.loads alone: {json_s:.3f} s (polp's strict parse costs {polp_s / json_s:.1f}x that)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
