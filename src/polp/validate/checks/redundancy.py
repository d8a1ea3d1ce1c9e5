"""Statements that repeat an earlier statement of the same policy."""

from __future__ import annotations

from collections.abc import Hashable

from polp.iam.model import Statement
from polp.validate.checks.context import CheckContext


def _fingerprint(statement: Statement) -> Hashable:
    def norm(values: tuple[str, ...] | None, fold: bool) -> tuple[str, ...] | None:
        if values is None:
            return None
        return tuple(sorted({v.lower() if fold else v for v in values}))

    condition = tuple(
        sorted((c.operator, c.key.lower(), tuple(sorted(c.values))) for c in statement.condition)
    )
    return (
        statement.effect,
        statement.principal,
        statement.not_principal,
        norm(statement.action, True),
        norm(statement.not_action, True),
        norm(statement.resource, False),
        norm(statement.not_resource, False),
        condition,
    )


def check(ctx: CheckContext) -> None:
    seen: dict[Hashable, Statement] = {}
    for statement in ctx.statements:
        key = _fingerprint(statement)
        first = seen.setdefault(key, statement)
        if first is not statement:
            ctx.report(
                "redundant-statement",
                f"Statement {statement.label} grants exactly what statement "
                f"{first.label} grants; remove one of them.",
                statement.path,
            )
