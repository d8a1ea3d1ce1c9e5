"""Bytecode for the measured runs: polp's modules compiled as an installed package's are."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def compile_bytecode() -> None:
    """Bring polp's bytecode up to date, as installing a package does (pip compiles at install
    time): with PYTHONDONTWRITEBYTECODE set, as on the reference machine, an edited checkout would
    otherwise compile every changed module from source in each measured run. The peers' packages
    were compiled when pip installed them."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "polp")],
                   check=True, stdout=subprocess.DEVNULL, env=env)
