#!/usr/bin/env python3
"""Benchmark ``polp validate`` against parliament on the 3,000 policy files of the large account.

Usage: ``python bench/validate.py [--repeat N]`` from the project root, with polp's venv active.
Run ``bench/setup_peers.sh`` first: parliament lives in its own venv (bench/.peers/venv), never in
polp's dependencies.

The files come from ``../shared/bench/gen_auth_details.py --policies-dir`` (generated once into
bench/.work/, gitignored). Each tool is timed in the same run, on the same files, in two ways:

* in-process: a fresh interpreter imports the tool, then a loop validates every file (read, parse,
  all checks); the loop is timed on its own and the import separately, so interpreter start-up is
  not counted 3,000 times. For parliament the loop calls ``analyze_policy_string`` per file, as its
  ``--directory`` mode does.
* command line: the wall time of one process over all files (``python -m polp.validate DIR`` and
  ``parliament --directory DIR``), output discarded.

Every timing is the best of ``--repeat`` runs (default 3); polp runs single-threaded.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from _bytecode import compile_bytecode

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
POLICIES = WORK / "policies"
SHARED = ROOT.parent / "shared"
PEERS_PYTHON = ROOT / "bench" / ".peers" / "venv" / "bin" / "python"
PARLIAMENT = ROOT / "bench" / ".peers" / "venv" / "bin" / "parliament"

_LOOP = r"""
import json, sys, time
t0 = time.perf_counter()
{imports}
t1 = time.perf_counter()
files = sys.argv[1:]
findings = 0
for path in files:
{body}
t2 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "loop_s": t2 - t1, "files": len(files), "findings": findings}}))
"""

POLP_LOOP = _LOOP.format(
    imports="from polp.validate.validator import validate_file",
    body="    findings += len(validate_file(path).findings)",
)
PARLIAMENT_LOOP = _LOOP.format(
    imports="from parliament import analyze_policy_string",
    body=(
        "    with open(path) as handle:\n"
        "        findings += len(analyze_policy_string(handle.read(), filepath=path).findings)"
    ),
)


def generate() -> list[str]:
    if not POLICIES.is_dir() or len(list(POLICIES.glob("*.json"))) < 3000:
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable, str(SHARED / "bench" / "gen_auth_details.py"),
                "--roles", "2000", "--policies", "3000", "--seed", "1337",
                "--aws-managed-from",
                str(SHARED / "corpora" / "account-authorization-details" / "cloudsplaining-example.json"),
                "--out", str(WORK / "large.json"), "--policies-dir", str(POLICIES),
            ],
            check=True, stdout=subprocess.DEVNULL,
        )
    return sorted(str(p) for p in POLICIES.glob("*.json"))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH", "")]))
    return env


def in_process(python: str, script: str, files: list[str]) -> dict[str, float]:
    command = [python, "-c", script, *files]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=_env())
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(), check=False)
    return time.perf_counter() - start


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return min(runs, key=lambda r: r["loop_s"])


def main() -> int:
    compile_bytecode()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        print("parliament is not installed: run bench/setup_peers.sh", file=sys.stderr)
        return 2
    files = generate()
    print(f"{len(files)} policy files in {POLICIES.relative_to(ROOT)}")

    polp = best([in_process(sys.executable, POLP_LOOP, files) for _ in range(args.repeat)])
    peer = best([in_process(str(PEERS_PYTHON), PARLIAMENT_LOOP, files) for _ in range(args.repeat)])
    polp_cli = min(wall([sys.executable, "-m", "polp.validate", str(POLICIES)]) for _ in range(args.repeat))
    peer_cli = min(wall([str(PARLIAMENT), "--directory", str(POLICIES), "--include_policy_extension", ".json",
                         "--minimal"]) for _ in range(args.repeat))

    rows = [
        ("polp, in-process loop", polp["loop_s"], polp["import_s"], int(polp["findings"])),
        ("parliament, in-process loop", peer["loop_s"], peer["import_s"], int(peer["findings"])),
    ]
    print(f"\n{'':32}{'loop s':>9}{'import s':>10}{'files/s':>10}{'findings':>10}")
    for name, loop, imp, found in rows:
        print(f"{name:32}{loop:9.2f}{imp:10.2f}{len(files) / loop:10.0f}{found:10d}")
    print(f"{'polp, command line (wall)':32}{polp_cli:9.2f}")
    print(f"{'parliament, command line (wall)':32}{peer_cli:9.2f}")
    print(f"\nspeed-up, in-process loop: {peer['loop_s'] / polp['loop_s']:.1f}x")
    total = (peer["loop_s"] + peer["import_s"]) / (polp["loop_s"] + polp["import_s"])
    print(f"speed-up, import + loop:   {total:.1f}x")
    print(f"speed-up, command line:    {peer_cli / polp_cli:.1f}x  (target: 10x)")
    results = {"files": len(files), "polp": polp, "parliament": peer, "polp_cli_s": polp_cli,
               "parliament_cli_s": peer_cli}
    (WORK / "validate-results.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
