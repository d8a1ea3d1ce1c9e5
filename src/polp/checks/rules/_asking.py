"""Asking a :class:`PolicySet` about a fixed list of actions, fast enough for thousands of principals.

Three layers keep a large audit to a few seconds: :func:`mentioned` drops the actions no Allow
statement names; :func:`grants_of` shares the answer for an action between policy sets whose
policies about that action are the same (a managed policy attached to hundreds of roles, each with
some other policies); :class:`PerPolicySet` computes a rule's result once per shared policy set.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Generic, TypeVar

from polp.checks.rules._scoping import Scope, grant_scope
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet
from polp.iam.evaluate import compile_policy

T = TypeVar("T")


@lru_cache(maxsize=1 << 14)
def _expansion(pattern: str) -> frozenset[str]:
    return frozenset(get_catalog().expand(pattern))


@lru_cache(maxsize=1 << 15)
def _named_by(pattern: str, wanted: frozenset[str]) -> frozenset[str]:
    return wanted & _expansion(pattern)


def mentioned(permissions: PolicySet, wanted: Iterable[str]) -> tuple[str, ...]:
    """The actions of ``wanted`` (canonical names) that some Allow statement of the identity policies
    names, in ``wanted``'s order: the only ones that can be granted. A NotAction statement may name
    anything."""
    wanted = tuple(wanted)
    wanted_set = frozenset(wanted)
    named: set[str] = set()
    for sourced in permissions.policies:
        for statement in sourced.policy.statements:
            if statement.effect != "Allow":
                continue
            for pattern in statement.action if statement.action is not None else ("*",):
                named.update(_named_by(pattern, wanted_set))
    return tuple(a for a in wanted if a in named)


_SUBSETS: dict[tuple[object, ...], PolicySet] = {}
_MAX_SUBSETS = 1 << 15


def grants_of(permissions: PolicySet, action: str) -> tuple[Grant, ...]:
    """``permissions.grants(action)``, shared with every policy set that holds the same policies about
    ``action`` (policies without a statement for it change nothing) and the same boundary and SCPs.

    The shared sets keep the policies and handles in their key alive, so the ids stay unique.
    """
    relevant = tuple(
        sp for sp in permissions.policies if compile_policy(sp.policy, sp.label).for_action(action)
    )
    if not relevant:
        return ()
    if len(relevant) == len(permissions.policies):
        return permissions.grants(action)
    key = (
        tuple((id(sp.policy), sp.label, id(sp.handle)) for sp in relevant),
        tuple(id(sp.policy) for sp in permissions.boundary),
        tuple(tuple(id(sp.policy) for sp in level) for level in permissions.scps),
    )
    shared = _SUBSETS.get(key)
    if shared is None:
        if len(_SUBSETS) >= _MAX_SUBSETS:
            _SUBSETS.clear()
        shared = PolicySet(relevant, permissions.boundary, permissions.scps)
        _SUBSETS[key] = shared
    return shared.grants(action)


def granted(permissions: PolicySet, actions: Iterable[str]) -> list[Grant]:
    """Every grant of the listed actions, in their order."""
    return [g for action in mentioned(permissions, actions) for g in grants_of(permissions, action)]


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
        self._cache: weakref.WeakKeyDictionary[PolicySet, T] = weakref.WeakKeyDictionary()

    def __call__(self, permissions: PolicySet) -> T:
        try:
            return self._cache[permissions]
        except KeyError:
            value = self._compute(permissions)
            self._cache[permissions] = value
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
