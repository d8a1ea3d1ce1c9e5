"""Every check polp runs, in one place, in report order."""

from __future__ import annotations

import importlib
import pkgutil

from polp.checks import rules
from polp.checks.interface import Check


def all_checks() -> tuple[Check, ...]:
    """Each module in :mod:`polp.checks.rules` exports ``CHECK``; ids must be unique."""
    found: list[Check] = []
    for info in sorted(pkgutil.iter_modules(rules.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{rules.__name__}.{info.name}")
        check = getattr(module, "CHECK", None)
        if isinstance(check, Check):
            found.append(check)
    ids = [c.rule.id for c in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate check ids: {sorted(duplicates)}")
    return tuple(found)


def check_by_id(rule_id: str) -> Check | None:
    for check in all_checks():
        if rule_id in (check.rule.id, check.rule.name):
            return check
    return None
