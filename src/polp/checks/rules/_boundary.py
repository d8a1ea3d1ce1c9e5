"""Skipping the actions a permissions boundary does not name.

A bounded policy set grants nothing its boundary does not allow, yet asking it about an action
composes every policy's answer, applies the denies and then bounds the result. The boundary's Allow
statements are read once per boundary policy, so a rule asks a bounded set only about the actions
the boundary may allow.
"""

from __future__ import annotations

from collections.abc import Iterable

from polp.checks.rules._asking import granted, grants_of, mentioned
from polp.iam.effective import Grant, PolicySet


def granted_within(permissions: PolicySet, wanted: Iterable[str]) -> list[Grant]:
    """:func:`granted`, without asking a bounded set about the actions its boundary does not name."""
    wanted = tuple(wanted)
    names = boundary_names(permissions)
    if names is None:
        return granted(permissions, wanted)
    # granted()'s answer: each action's grants in turn; the others' are empty.
    inside = [a for a in mentioned(permissions, wanted) if a.lower() in names]
    return [g for a in inside for g in grants_of(permissions, a)]


def boundary_names(permissions: PolicySet) -> frozenset[str] | None:
    """The actions (lower case) the permissions boundary's Allow statements may name; ``None`` when
    there is no boundary or it may name any action. The set grants no other action: the boundary
    allows none of them."""
    return permissions.boundary_actions()
