"""Asking a :class:`PolicySet` about a fixed list of actions, fast enough for thousands of principals.

Three layers keep a large audit to a few seconds: :func:`mentioned` drops the actions no Allow
statement names; :func:`grants_of` composes the answer for an action from what each policy says
about it, worked out once per policy (a managed policy attached to hundreds of roles, each with
some other policies); :class:`PerPolicySet` computes a rule's result once per shared policy set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import Generic, TypeVar, cast

from polp.checks.rules._scoping import Scope, grant_scope
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Policy

T = TypeVar("T")


@lru_cache(maxsize=1 << 10)
def _expansion(pattern: str) -> frozenset[str]:
    return frozenset(get_catalog().expand(pattern))


# What each policy's Allow statements name among a list of wanted actions, by list and policy
# identity (an entry holds its policy, so the id stays that policy's).
_MENTIONS: dict[
    tuple[str, ...], tuple[frozenset[str], dict[int, frozenset[str]], dict[str, frozenset[str]]]
] = {}
#: The policies the entries above are about, by identity, with the action patterns of their Allow
#: statements (a NotAction counts as ``*``): holding them keeps their ids theirs.
_POLICIES: dict[int, tuple[Policy, tuple[str, ...]]] = {}
_NOTHING: frozenset[str] = frozenset()


def _allow_patterns(policy: Policy) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for statement in policy.statements:
        if statement.effect == "Allow":
            found.update(dict.fromkeys(statement.action if statement.action is not None else ("*",)))
    return tuple(found)


def _mentions(policy: Policy, wanted: tuple[str, ...]) -> frozenset[str]:
    entry = _POLICIES.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_POLICIES) >= 1 << 16:
            _POLICIES.clear()
            _MENTIONS.clear()
        entry = _POLICIES[id(policy)] = (policy, _allow_patterns(policy))
        for _, by_policy, _ in _MENTIONS.values():
            by_policy.pop(id(policy), None)
    lists = _MENTIONS.get(wanted)
    if lists is None:
        _check_names(wanted)
        if len(_MENTIONS) >= 1 << 8:
            _MENTIONS.clear()
        lists = _MENTIONS[wanted] = (frozenset(wanted), {}, {})
    wanted_set, by_policy, by_pattern = lists
    found = by_policy.get(id(policy))
    if found is not None:
        return found
    named: set[str] = set()
    for pattern in entry[1]:
        hits = by_pattern.get(pattern)  # policies repeat the same few patterns
        if hits is None:
            if len(by_pattern) >= 1 << 14:
                by_pattern.clear()
            hits = by_pattern[pattern] = wanted_set.intersection(_expansion(pattern))
        if hits:
            named.update(hits)
    found = _interned(frozenset(named)) if named else _NOTHING
    by_policy[id(policy)] = found
    return found


def _check_names(wanted: tuple[str, ...]) -> None:
    """Refuse a list that writes a catalog action otherwise than the catalog: it is compared with the
    catalog's names, so ``iam:createaccesskey`` would never be found named (a silent miss)."""
    catalog = get_catalog()
    for name in wanted:
        info = catalog.action(name)
        if info is not None and info.full_name != name:
            raise ValueError(f"{name!r} must be written as the catalog writes it: {info.full_name!r}")


_SETS: dict[frozenset[str], frozenset[str]] = {}


def _interned(found: frozenset[str]) -> frozenset[str]:
    """One object per content: many policies name the same few actions."""
    if len(_SETS) >= 1 << 16:
        _SETS.clear()
    return _SETS.setdefault(found, found)


def mentioned(permissions: PolicySet, wanted: Iterable[str]) -> tuple[str, ...]:
    """The actions of ``wanted`` (canonical names) that some Allow statement of the identity policies
    names, in ``wanted``'s order: the only ones that can be granted. A NotAction statement may name
    anything."""
    wanted = tuple(wanted)
    named: set[str] = set()
    for sourced in permissions.policies:
        named.update(_mentions(sourced.policy, wanted))
    if not named:
        return ()
    return tuple(a for a in wanted if a in named)


def grants_of(permissions: PolicySet, action: str) -> tuple[Grant, ...]:
    """``permissions.grants(action)``. What each policy says about ``action`` is worked out once per
    policy (:mod:`polp.iam.effective`), so a policy attached to hundreds of principals, each with
    some other policies, costs one answer, and a policy set only composes its policies' answers."""
    return permissions.grants(action)


def separable(permissions: PolicySet) -> bool:
    """Whether a statement's grants in ``permissions`` are the grants its own policy makes alone:
    the set is additive (:meth:`PolicySet.additive`) and no two of its policies share a label and a
    handle (grants are told apart by those and the statement, :func:`statement_key`)."""
    if not permissions.additive():
        return False
    keys = {(sp.label, id(sp.handle)) for sp in permissions.policies}
    return len(keys) == len(permissions.policies)


_PER_SOURCE: dict[tuple[int, object], tuple[SourcedPolicy, object]] = {}


def per_source(sourced: SourcedPolicy, key: object, compute: Callable[[], T]) -> T:
    """``compute()`` once per :class:`SourcedPolicy` and ``key`` (principals that hold a policy
    through the same reference share one SourcedPolicy, and so the answer)."""
    entry = _PER_SOURCE.get((id(sourced), key))
    if entry is not None and entry[0] is sourced:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    if len(_PER_SOURCE) >= 1 << 16:
        _PER_SOURCE.clear()
    _PER_SOURCE[(id(sourced), key)] = (sourced, value)
    return value


def granted(permissions: PolicySet, actions: Iterable[str]) -> list[Grant]:
    """Every grant of the listed actions, in their order (and, for one action, in policy order)."""
    wanted = tuple(actions)
    if not permissions.additive():
        return [g for action in mentioned(permissions, wanted) for g in grants_of(permissions, action)]
    # Each policy's grants stand on their own: take each policy's (worked out once per policy and
    # shared by every set that holds it) and put them in the order of the actions, then the policies.
    parts: list[tuple[int, int, tuple[Grant, ...]]] = []
    for position, sourced in enumerate(permissions.policies):
        for index, grants in per_source(
            sourced, ("granted", wanted), partial(_granted_alone, sourced, wanted)
        ):
            parts.append((index, position, grants))
    if len(parts) > 1:
        parts.sort(key=lambda part: (part[0], part[1]))
    return [g for _, _, grants in parts for g in grants]


_POSITIONS: dict[tuple[str, ...], dict[str, tuple[int, ...]]] = {}


def _granted_alone(
    sourced: SourcedPolicy, wanted: tuple[str, ...]
) -> tuple[tuple[int, tuple[Grant, ...]], ...]:
    """The grants one policy makes of the wanted actions on its own, with the actions' positions."""
    positions = _POSITIONS.get(wanted)
    if positions is None:
        if len(_POSITIONS) >= 1 << 8:
            _POSITIONS.clear()
        found: dict[str, list[int]] = {}
        for index, action in enumerate(wanted):
            found.setdefault(action, []).append(index)
        positions = _POSITIONS[wanted] = {action: tuple(at) for action, at in found.items()}
    out: list[tuple[int, tuple[Grant, ...]]] = []
    for action in _mentions(sourced.policy, wanted):
        grants = PolicySet.policy_grants(sourced, action)
        if grants:
            out.extend((index, grants) for index in positions[action])
    out.sort(key=lambda part: part[0])
    return tuple(out)


StatementKey = tuple[str, int, str]


def statement_key(grant: Grant) -> StatementKey:
    """Which statement a grant comes from: policy label, the policy's handle, statement label."""
    return (grant.source.policy, id(grant.source.handle), grant.source.statement)


def by_statement(grants: Iterable[Grant]) -> list[list[Grant]]:
    """Grants grouped by the statement that makes them, in first-seen order."""
    groups: dict[StatementKey, list[Grant]] = {}
    for grant in grants:
        groups.setdefault(statement_key(grant), []).append(grant)
    return list(groups.values())


class PerPolicySet(Generic[T]):
    """A result computed once per :class:`PolicySet`; principals with the same policies share it."""

    def __init__(self, compute: Callable[[PolicySet], T]) -> None:
        self._compute = compute

    def __call__(self, permissions: PolicySet) -> T:
        memo = permissions.memo
        if self in memo:
            return cast(T, memo[self])
        value = self._compute(permissions)
        memo[self] = value
        return value


#: Three powers no scoped role needs together on every resource: writing IAM, launching compute and
#: deleting storage. Holding all three unconditionally is what the admin checks report.
ADMIN_PROBES = ("iam:PutRolePolicy", "ec2:RunInstances", "s3:DeleteBucket")


def _admin(permissions: PolicySet) -> bool:
    if len(mentioned(permissions, ADMIN_PROBES)) < len(ADMIN_PROBES):
        return False
    return all(
        any(g.unconditional and grant_scope(g) is Scope.ALL for g in grants_of(permissions, action))
        for action in ADMIN_PROBES
    )


#: Whether a policy set makes an effective administrator (a cheap local test, cached).
is_effective_admin = PerPolicySet(_admin)
