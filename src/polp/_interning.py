"""One object per set of names: policies, statements and policy sets name the same few services and
actions, and an audit of a large account keeps tens of thousands of such sets alive."""

from __future__ import annotations

_SETS: dict[frozenset[str], frozenset[str]] = {}
_LIMIT = 1 << 16  # hostile inputs may name any number of different sets: start over past this


def interned(found: frozenset[str]) -> frozenset[str]:
    """The one object with the content of ``found`` (``found`` itself, the first time)."""
    if len(_SETS) >= _LIMIT:
        _SETS.clear()
    return _SETS.setdefault(found, found)
