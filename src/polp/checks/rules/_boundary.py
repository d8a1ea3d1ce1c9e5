"""Skipping the actions a permissions boundary does not name.

A bounded policy set grants nothing its boundary does not allow, yet asking it about an action
composes every policy's answer, applies the denies and then bounds the result. The boundary's Allow
statements are read once per boundary policy, so a rule asks a bounded set only about the actions
the boundary may allow.
"""

from __future__ import annotations

from collections.abc import Iterable

from polp.checks.rules._asking import PerPolicySet, granted, grants_of, mentioned
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet
from polp.iam.model import Policy
from polp.iam.wildcards import has_wildcard


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
    if not permissions.boundary:
        return None
    return _BOUNDARY_NAMES(permissions)


def _boundary_names(permissions: PolicySet) -> frozenset[str] | None:
    found: set[str] = set()
    for sourced in permissions.boundary:
        names = _allow_names(sourced.policy)
        if names is None:
            return None
        found.update(names)
    return frozenset(found)


_BOUNDARY_NAMES = PerPolicySet(_boundary_names)

#: By policy identity (an entry holds its policy, so the id stays that policy's).
_ALLOW_NAMES: dict[int, tuple[Policy, frozenset[str] | None]] = {}


def _allow_names(policy: Policy) -> frozenset[str] | None:
    """The actions the policy's Allow statements name, as :meth:`PolicySet.candidate_actions` reads
    them; ``None`` for a NotAction or a wildcard service (any action: not worth listing)."""
    entry = _ALLOW_NAMES.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    catalog = get_catalog()
    names: set[str] | None = set()
    for statement in policy.statements:
        if statement.effect != "Allow" or names is None:
            continue
        if statement.action is None:
            if statement.not_action is not None:
                names = None
            continue
        for pattern in statement.action:
            prefix, colon, _ = pattern.partition(":")
            if not colon or has_wildcard(prefix):
                names = None
                break
            names.update(name.lower() for name in catalog.expand(pattern))
    found = frozenset(names) if names is not None else None
    if len(_ALLOW_NAMES) >= 1 << 12:
        _ALLOW_NAMES.clear()
    _ALLOW_NAMES[id(policy)] = (policy, found)
    return found
