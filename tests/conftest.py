"""Shared fixtures: paths to the real corpora in ../shared, and the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
EXAMPLES = ROOT / "examples"
_SCHEMA_CACHE = ROOT / "tests" / ".cache" / "sarif-2.1.0.json"
# Microsoft's jest-sarif package ships the OASIS SARIF 2.1.0 schema; fetched from the npm registry
# at test time, never committed.
_SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
_SARIF_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="session")
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present")
    return CORPORA


def _fetch_sarif_schema() -> dict[str, Any] | None:
    if _SCHEMA_CACHE.is_file():
        return dict(json.loads(_SCHEMA_CACHE.read_text()))
    npm = shutil.which("npm")
    if npm is None:
        return None
    workdir = _SCHEMA_CACHE.parent / "npm"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([npm, "pack", _SARIF_PACKAGE, "--silent"], cwd=workdir, check=True,
                       capture_output=True, timeout=180)
    except (subprocess.SubprocessError, OSError):
        return None
    for tgz in workdir.glob("*.tgz"):
        with tarfile.open(tgz) as archive:
            member = archive.extractfile(_SARIF_MEMBER)
            if member is not None:
                _SCHEMA_CACHE.write_bytes(member.read())
                return dict(json.loads(_SCHEMA_CACHE.read_text()))
    return None


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    schema = _fetch_sarif_schema()
    if schema is None:
        if os.environ.get("CI"):
            pytest.fail("the SARIF 2.1.0 schema could not be fetched from the npm registry")
        pytest.skip("the SARIF 2.1.0 schema is not available (npm missing or offline)")
    return schema
