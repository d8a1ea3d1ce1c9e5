"""Small pieces every format shares: the tool's identity and how a finding's place is written."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from polp.checks.interface import Finding

_SENTINEL = "\x00polp-items\x00"


def stream_json(
    document: dict[str, Any], path: tuple[str | int, ...], items: Iterable[Any]
) -> Iterator[bytes]:
    """``document`` as indented JSON (UTF-8), in pieces, with the list at ``path`` streamed from ``items``.

    Each item is serialised on its own line as it comes, so a report of 20,000 findings never exists
    as one Python object or one string. The result parses to the same value as dumping the whole.
    Bytes, as orjson writes them: a 40 MB report is not decoded to text only to be encoded again.
    """
    holder: Any = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = _SENTINEL
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2)
    marker = orjson.dumps(_SENTINEL)
    before, after = text.split(marker, 1)
    line = before.rsplit(b"\n", 1)[-1]
    indent = b" " * (len(line) - len(line.lstrip(b" ")))
    yield before + b"["
    separator = b",\n" + indent + b"  "
    first = True
    dumps = orjson.dumps
    for item in items:
        yield (b"\n" + indent + b"  " if first else separator) + dumps(item)
        first = False
    yield (b"\n" + indent + b"]" if not first else b"]") + after + b"\n"


def tool_info() -> dict[str, str]:
    from polp import __version__
    from polp.iam.catalog import get_catalog

    catalog = get_catalog()
    return {
        "name": "polp",
        "version": __version__,
        "catalog": catalog.version,
        "catalog_updated": f"{catalog.updated_at:%Y-%m-%d}",
    }


def relative_file(path: str | None) -> str | None:
    """A path relative to the working directory when it is below it (SARIF wants repo paths)."""
    return None if path is None else _relative(path, os.getcwd())


def relative_paths() -> Callable[[str | None], str | None]:
    """:func:`relative_file` for one report: the working directory is read once, and each file once
    (a report names a few files thousands of times)."""
    cwd = os.getcwd()
    known: dict[str, str] = {}

    def relative(path: str | None) -> str | None:
        if path is None:
            return None
        found = known.get(path)
        if found is None:
            found = known[path] = _relative(path, cwd)
        return found

    return relative


def _relative(path: str, cwd: str) -> str:
    base = path.split("#", 1)[0]
    try:
        rel = os.path.relpath(base, cwd)
    except ValueError:
        return base
    return base if rel.startswith("..") else rel.replace(os.sep, "/")


def where(finding: Finding, paths: Callable[[str | None], str | None] = relative_file) -> str:
    """``file:line`` of the finding (``paths``: a report's :func:`relative_paths`)."""
    loc = finding.location
    if loc is None or loc.file is None:
        return ""
    text = paths(loc.file) or ""
    if loc.line is not None:
        text += f":{loc.line}"
    return text


#: Lists in a finding's details are cut to this many items in reports (the total is kept beside them):
#: a principal that can pass any of 2,000 roles should not make a 100 MB report.
DETAILS_LIST_LIMIT = 20


_SCALARS = frozenset({str, int, float, bool, type(None)})
_COLLECTIONS = (list, tuple, set, frozenset)
_STRINGS = {str}


def _trim(value: Any) -> Any:
    """Cut long lists at any depth; a cut list's mapping gets ``<key>_total`` beside it."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(item) in _SCALARS:
                out[key] = item  # most values: no call
                continue
            if isinstance(item, _COLLECTIONS) and len(item) > DETAILS_LIST_LIMIT:
                out[f"{key}_total"] = len(item)
            out[key] = _trim(item)
        return out
    if isinstance(value, _COLLECTIONS):
        items = (sorted(value, key=str) if isinstance(value, set | frozenset) else value)[:DETAILS_LIST_LIMIT]
        if set(map(type, items)) <= _STRINGS:
            return list(items)  # the usual list: ARNs, actions
        return [_trim(item) for item in items]
    return value


def _details(details: Any) -> dict[str, Any]:
    trimmed = _trim(details if type(details) is dict else dict(details))  # _trim makes a new dict
    assert isinstance(trimmed, dict)
    return trimmed


def finding_json(
    finding: Finding, new: bool = True, paths: Callable[[str | None], str | None] = relative_file
) -> dict[str, Any]:
    loc = finding.location
    principal = finding.principal
    return {
        "id": finding.fingerprint,
        "rule": finding.rule.id,
        "rule_name": finding.rule.name,
        "category": finding.rule.category,
        "severity": finding.effective_severity.name,
        "confidence": finding.effective_confidence.name,
        "principal": None
        if principal is None
        else {"type": principal.type, "name": principal.name, "arn": principal.arn},
        "policy": finding.policy,
        "statement": finding.statement,
        "actions": list(finding.actions),
        "resources": list(finding.resources),
        "location": None
        if loc is None
        else {"file": paths(loc.file), "line": loc.line, "column": loc.column, "path": loc.path},
        "message": finding.message,
        "explanation": finding.rule.explanation,
        "remediation": finding.rule.remediation,
        "new": new,
        "details": _details(finding.details),
    }
