"""Baselines: an earlier JSON report; only findings that are not in it fail the gate."""

from __future__ import annotations

from polp.errors import InputError, Location
from polp.iam.source import loads_strict, read_text


def load_baseline(path: str) -> set[str]:
    data, _ = loads_strict(read_text(path), path)
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError('not a polp JSON report (no "findings" list)', Location(path))
    ids: set[str] = set()
    for i, finding in enumerate(data["findings"]):
        if not isinstance(finding, dict) or not isinstance(finding.get("id"), str):
            raise InputError('a finding has no "id"', Location(path, path=f"findings[{i}].id"))
        ids.add(finding["id"])
    return ids
