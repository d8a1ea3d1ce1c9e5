"""The Action and NotAction elements: well-formed names, known services and actions, redundancy."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from polp.iam.model import Statement
from polp.iam.wildcards import has_wildcard
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.checks.paths import element_path, statement_values

_PREFIX = re.compile(r"[A-Za-z0-9.*?-]+")


def check(ctx: CheckContext) -> None:
    for statement in ctx.statements:
        for element in ("Action", "NotAction"):
            values = statement_values(statement, element)
            if values:
                _names(ctx, statement, element, values)
                _redundant(ctx, statement, element, values)


def _names(ctx: CheckContext, statement: Statement, element: str, values: Sequence[str]) -> None:
    for i, action in enumerate(values):
        problems = action_problems(action)
        if problems:
            path = element_path(statement, element, i, len(values))
            for code_id, message in problems:
                ctx.report(code_id, message, path)


@lru_cache(maxsize=1 << 16)
def action_problems(action: str) -> tuple[tuple[str, str], ...]:
    """The (code, message) pairs for one Action value; memoised, as the same names recur."""
    if action == "*":
        return ()
    prefix, colon, name = action.partition(":")
    if not colon:
        return (
            (
                "invalid-action",
                f'"{action}" has no service prefix: AWS requires service:action, for example "s3:GetObject" '
                '("Actions/Conditions must be prefaced by a vendor").',
            ),
        )
    if ":" in name:
        return (("invalid-action", f'"{action}" has more than one colon: an action is service:action.'),)
    if not _PREFIX.fullmatch(prefix):
        return (
            (
                "invalid-action",
                f'"{action}": the service prefix "{prefix}" is not valid '
                '(letters, digits, "-" and "." only).',
            ),
        )
    if has_wildcard(prefix):
        found: list[tuple[str, str]] = []
        if prefix != "*":
            found.append(
                (
                    "wildcard-in-service",
                    f'"{action}" has a wildcard in the service prefix: it also matches services added later '
                    "with similar names. Name the services.",
                )
            )
        if not lookups.expand(action):
            found.append(("unknown-action", f'"{action}" matches no action of any service.'))
        return tuple(found)
    if not lookups.has_service(prefix.lower()):
        guess = lookups.close_service(prefix)
        hint = f' Did you mean "{guess}"?' if guess else ""
        return (
            (
                "unknown-service",
                f'"{action}": no AWS service has the prefix "{prefix}" in polp\'s catalog (misspelt, '
                f"retired, or newer than the catalog); the action grants nothing.{hint}",
            ),
        )
    if lookups.expand(action):
        return ()
    if has_wildcard(name):
        return (
            ("unknown-action", f'"{action}" matches no action of {prefix.lower()}; it grants nothing today.'),
        )
    guess = lookups.close_action(prefix, name)
    hint = f' Did you mean "{guess}"?' if guess else ""
    return (
        (
            "unknown-action",
            f'"{action}": {prefix.lower()} has no action named "{name}" (retired, misspelt, or newer than '
            f"polp's catalog); it grants nothing.{hint}",
        ),
    )


def _covers(wide: str, narrow: str) -> bool:
    """Whether the pattern ``wide`` matches every action that ``narrow`` can match (lower case)."""
    if wide == "*":
        return True
    if not has_wildcard(narrow):
        return lookups.action_matches(wide, narrow)
    # A pattern ``prefix*`` with no other wildcard covers any pattern starting with ``prefix``.
    stem = wide[:-1]
    return wide.endswith("*") and not has_wildcard(stem) and narrow.startswith(stem) and narrow != wide


def _service(pattern: str) -> str:
    service = pattern.partition(":")[0]
    return "*" if has_wildcard(service) or ":" not in pattern else service


def _redundant(ctx: CheckContext, statement: Statement, element: str, values: Sequence[str]) -> None:
    if len(values) < 2:
        return
    lowered = [v.lower() for v in values]
    by_service: dict[str, list[str]] = {}
    for value in dict.fromkeys(lowered):
        if has_wildcard(value):
            by_service.setdefault(_service(value), []).append(value)
    if not by_service and len(set(lowered)) == len(lowered):
        return
    everywhere = by_service.get("*", [])
    seen: set[str] = set()
    for i, value in enumerate(lowered):
        path = element_path(statement, element, i, len(values))
        if value in seen:
            ctx.report("redundant-action", f'"{values[i]}" is listed twice in {element}; remove one.', path)
            continue
        seen.add(value)
        service = _service(value)
        candidates = everywhere if service == "*" else [*by_service.get(service, ()), *everywhere]
        wide = next((w for w in candidates if w != value and _covers(w, value)), None)
        if wide is None:
            continue
        original = values[lowered.index(wide)]
        ctx.report(
            "redundant-action",
            f'"{values[i]}" is already covered by "{original}" in {element}; remove it.',
            path,
        )
