"""Asking a :class:`PolicySet` about a fixed list of actions, fast enough for thousands of principals.

Three layers keep a large audit to a few seconds: :func:`mentioned` drops the actions no Allow
statement names; :func:`grants_of` composes the answer for an action from what each policy says
about it, worked out once per policy (a managed policy attached to hundreds of roles, each with
some other policies); :class:`PerPolicySet` computes a rule's result once per shared policy set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Generic, TypeVar, cast

from polp._interning import interned
from polp.checks.rules._scoping import Scope, grant_scope
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Policy
from polp.iam.wildcards import has_wildcard

T = TypeVar("T")


class _Wanted:
    """One list of wanted actions, with what each policy's Allow statements name of it (by policy
    identity: :data:`_POLICIES` holds the policies)."""

    __slots__ = ("actions", "by_policy", "order", "unique")

    def __init__(self, wanted: tuple[str, ...]) -> None:
        _check_names(wanted)
        self.actions = frozenset(wanted)
        self.by_policy: dict[int, frozenset[str]] = {}
        #: Each action's place in the list, to put a few named actions in its order.
        self.order = {action: i for i, action in reversed(list(enumerate(wanted)))}
        self.unique = len(self.actions) == len(wanted)
        _ASKED.add(self.actions)


class _Asked:
    """Every action some list asks about. What a policy names is worked out once among them (one
    pass over its patterns), and each list takes its part with a set intersection."""

    def __init__(self) -> None:
        self.actions: frozenset[str] = frozenset()
        #: The service prefixes of those actions (the catalog writes them in lower case).
        self.services: frozenset[str] = frozenset()
        #: Bumped when an action is added: what was worked out before may miss it.
        self.version = 0
        self.by_pattern: dict[str, frozenset[str]] = {}

    def add(self, actions: frozenset[str]) -> None:
        if not actions <= self.actions:
            self.actions |= actions
            self.services = frozenset(a.partition(":")[0] for a in self.actions)
            self.version += 1
            self.by_pattern.clear()

    def named(self, pattern: str) -> frozenset[str]:
        """The asked actions an Action pattern names."""
        found = self.by_pattern.get(pattern)
        if found is None:
            found = _NOTHING
            service, colon, rest = pattern.partition(":")
            if not colon or ":" in rest or has_wildcard(service) or service.lower() in self.services:
                # A literal service part expands to that service's actions only: none is asked
                # about when no asked action is of that service.
                hits = self.actions.intersection(get_catalog().expand(pattern))
                found = interned(hits) if hits else _NOTHING
            if len(self.by_pattern) >= 1 << 15:
                self.by_pattern.clear()
            self.by_pattern[pattern] = found
        return found


_NOTHING: frozenset[str] = frozenset()
_ASKED = _Asked()
_MENTIONS: dict[tuple[str, ...], _Wanted] = {}
#: Per policy identity: the policy (holding it keeps its id its own), the action patterns of its
#: Allow statements (a NotAction counts as ``*``), and the asked actions they name with the
#: :attr:`_Asked.version` that answer is of.
_POLICIES: dict[int, tuple[Policy, tuple[str, ...], int, frozenset[str]]] = {}


def _allow_patterns(policy: Policy) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for statement in policy.statements:
        if statement.effect == "Allow":
            found.update(dict.fromkeys(statement.action if statement.action is not None else ("*",)))
    return tuple(found)


def _wanted(wanted: tuple[str, ...]) -> _Wanted:
    found = _MENTIONS.get(wanted)
    if found is None:
        if len(_MENTIONS) >= 1 << 8:
            _MENTIONS.clear()
        found = _MENTIONS[wanted] = _Wanted(wanted)
    return found


def _mentions(policy: Policy, wanted: tuple[str, ...]) -> frozenset[str]:
    """The actions of ``wanted`` that the policy's Allow statements name."""
    return _named_by(policy, _wanted(wanted))


def _named_by(policy: Policy, wanted: _Wanted) -> frozenset[str]:
    found = wanted.by_policy.get(id(policy))
    if found is not None:
        entry = _POLICIES.get(id(policy))
        if entry is not None and entry[0] is policy:
            return found
    found = _asked_named(policy) & wanted.actions
    found = interned(found) if found else _NOTHING
    wanted.by_policy[id(policy)] = found
    return found


def _asked_named(policy: Policy) -> frozenset[str]:
    """The asked actions (:data:`_ASKED`) the policy's Allow statements name."""
    entry = _POLICIES.get(id(policy))
    if entry is None or entry[0] is not policy:
        if len(_POLICIES) >= 1 << 16:
            _POLICIES.clear()
            _MENTIONS.clear()
        entry = (policy, _allow_patterns(policy), -1, _NOTHING)
        for other in _MENTIONS.values():
            other.by_policy.pop(id(policy), None)
    if entry[2] != _ASKED.version:
        named: set[str] = set()
        for pattern in entry[1]:
            named.update(_ASKED.named(pattern))
        entry = (policy, entry[1], _ASKED.version, interned(frozenset(named)) if named else _NOTHING)
        _POLICIES[id(policy)] = entry
    return entry[3]


#: The key of a policy set's asked actions in :attr:`PolicySet.memo`.
_SET_NAMED = object()


def _set_named(permissions: PolicySet) -> frozenset[str]:
    """The asked actions some Allow statement of the set names (worked out once per set and
    :attr:`_Asked.version`)."""
    entry = permissions.memo.get(_SET_NAMED)
    if entry is not None:
        version, found = cast(tuple[int, frozenset[str]], entry)
        if version == _ASKED.version:
            return found
    named: set[str] = set()
    for sourced in permissions.policies:
        named.update(_asked_named(sourced.policy))
    found = frozenset(named)
    permissions.memo[_SET_NAMED] = (_ASKED.version, found)
    return found


def _check_names(wanted: tuple[str, ...]) -> None:
    """Refuse a list that writes a catalog action otherwise than the catalog: it is compared with the
    catalog's names, so ``iam:createaccesskey`` would never be found named (a silent miss)."""
    catalog = get_catalog()
    for name in wanted:
        info = catalog.action(name)
        if info is not None and info.full_name != name:
            raise ValueError(f"{name!r} must be written as the catalog writes it: {info.full_name!r}")


def mentioned(permissions: PolicySet, wanted: Iterable[str]) -> tuple[str, ...]:
    """The actions of ``wanted`` (canonical names) that some Allow statement of the identity policies
    names, in ``wanted``'s order: the only ones that can be granted. A NotAction statement may name
    anything."""
    wanted = tuple(wanted)
    lists = _wanted(wanted)
    named = _set_named(permissions) & lists.actions
    if not named:
        return ()
    if not lists.unique:
        return tuple(a for a in wanted if a in named)
    if len(named) == len(wanted):
        return wanted
    return tuple(sorted(named, key=lists.order.__getitem__))


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
    # Keyed by the list's entry (hashed by identity, and kept alive by the key), not by the tuple.
    lists = _wanted(wanted)
    parts: list[tuple[int, int, tuple[Grant, ...]]] = []
    for position, sourced in enumerate(permissions.policies):
        entry = _PER_SOURCE.get((id(sourced), lists))
        if entry is not None and entry[0] is sourced:
            found = cast(tuple[tuple[int, tuple[Grant, ...]], ...], entry[1])
        else:
            found = per_source(sourced, lists, partial(_granted_alone, sourced, wanted))
        for index, grants in found:
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
