"""Fixtures for the usage tests: the real CloudTrail corpus, read once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from polp.usage.ingest import ingest
from polp.usage.store import UsageStore


@pytest.fixture(scope="session")
def ct_dir(corpora: Path) -> Path:
    path = corpora / "cloudtrail-invictus"
    if not path.is_dir():
        pytest.skip("the CloudTrail corpus is not present")
    return path


@pytest.fixture(scope="session")
def ct_records(ct_dir: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(ct_dir.glob("*.json")):
        document = orjson.loads(path.read_bytes())
        if isinstance(document, dict) and "Records" in document:
            records.extend(document["Records"])
    return records


@pytest.fixture(scope="session")
def ct_store(ct_dir: Path) -> Iterator[UsageStore]:
    with UsageStore() as store:
        ingest([str(ct_dir)], store, workers=2, progress=False)
        yield store
