"""How the rules word their messages."""

from __future__ import annotations

from collections.abc import Iterable

from polp.checks.interface import Severity, Subject
from polp.checks.rules._scoping import Scope
from polp.iam.effective import Grant


def lower(severity: Severity, steps: int = 1) -> Severity:
    return Severity(max(Severity.low, severity - steps))


def join_words(items: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    words = list(dict.fromkeys(items))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def who(subject: Subject) -> str:
    """How a message names the principal."""
    record = subject.record
    if record.kind == "policy":
        return f"whoever holds policy {record.name}"
    return f"{record.kind} {record.name}"


def condition_keys(grants: Iterable[Grant]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for g in grants for k in g.condition_keys))


def scope_text(grants: list[Grant], scope: Scope) -> str:
    """``on every resource`` or ``on resources matching ...`` for a group of grants."""
    if scope is Scope.ALL:
        excluded = sorted({r for g in grants for r in g.not_resources})
        if excluded:
            return "on every resource except " + ", ".join(excluded)
        return "on every resource"
    patterns = sorted({r for g in grants for r in g.resources})
    return "on resources matching " + ", ".join(patterns)
