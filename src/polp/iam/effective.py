"""Effective permissions: what a set of policies lets a principal do, action by action.

Where :func:`polp.iam.evaluate.evaluate` decides one concrete request, this module answers the
questions an audit asks: *which* actions are allowed on at least one resource, on which resource
patterns, under which conditions, and by which statement. It reads the same compiled policies as the
evaluator and applies the same rules: ``Deny`` statements remove what they cover, ``NotAction`` and
``NotResource`` are honoured, a permissions boundary and each level of SCPs intersect, and a
resource pattern only grants an action if it can address one of that action's resource types (an
``s3:ListBucket`` on ``arn:aws:s3:::bucket/*`` grants nothing).

Answers are computed lazily per action and cached, so a principal with ``"Action": "*"`` costs
nothing until a check asks about an action.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from polp.errors import Location
from polp.iam.catalog import ActionInfo, get_catalog
from polp.iam.evaluate import CompiledStatement, compile_policy
from polp.iam.matching import compile_arns
from polp.iam.model import Policy
from polp.iam.wildcards import globs_intersect


@dataclass(frozen=True, slots=True)
class StatementRef:
    """Where a grant comes from: a policy (by its label), a statement, and its place in a file."""

    policy: str
    statement: str
    location: Location | None = None
    #: The caller's handle for the policy (for example a :class:`polp.inventory.PolicyRef`).
    handle: object = None


@dataclass(frozen=True, slots=True)
class Grant:
    """One Allow statement granting one action on some resource patterns."""

    action: str
    resources: tuple[str, ...]
    source: StatementRef
    #: Set when the Allow came with a NotResource: everything except these patterns.
    not_resources: tuple[str, ...] = ()
    condition_keys: tuple[str, ...] = ()
    #: A conditional Deny also covers these resources: the grant holds only when it does not apply.
    conditionally_denied: bool = False

    @property
    def conditional(self) -> bool:
        return bool(self.condition_keys)

    @property
    def all_resources(self) -> bool:
        """Granted on every resource of the action (``*``, or a pattern with nothing but wildcards
        where the ARN names the resource)."""
        if self.not_resources:
            return False
        return any(_is_unbounded(pattern) for pattern in self.resources)

    @property
    def unconditional(self) -> bool:
        return not self.condition_keys and not self.conditionally_denied


def _is_unbounded(pattern: str) -> bool:
    if pattern == "*":
        return True
    parts = pattern.split(":", 5)
    if len(parts) < 6:
        return (
            pattern.startswith("arn:")
            and pattern.endswith("*")
            and pattern.count("*") == 1
            and len(pattern) <= len("arn:aws:*")
        )
    resource = parts[5]
    # arn:aws:s3:::*  arn:aws:dynamodb:*:*:table/*  arn:aws:secretsmanager:*:*:secret:*
    head = resource.split("/", 1)[0].split(":", 1)[0]
    return resource in ("*", f"{head}/*", f"{head}:*") or resource == "*/*"


@dataclass(frozen=True, slots=True)
class SourcedPolicy:
    """A policy with the reference reports use for it."""

    policy: Policy
    label: str
    handle: object = None
    #: Where the policy is attached, for policies without a file of their own (AWS managed ones).
    location: Location | None = None


def _addresses(action: ActionInfo, pattern: str) -> bool:
    """Whether a Resource pattern can name some resource the action acts on."""
    if not action.resource_types:
        return compile_arns((pattern,))("*")
    if pattern == "*":
        return True
    return bool(get_catalog().resource_types_matching(action, pattern))


def _covers(deny_pattern: str, pattern: str) -> bool:
    """Whether every resource ``pattern`` can name is also named by ``deny_pattern``.

    ``deny_pattern`` is matched against the text of ``pattern``: its ``*`` absorbs anything, ``pattern``'s
    wildcards included, but its ``?`` stands for one character and so cannot absorb a ``*`` of
    ``pattern`` (``arn:aws:s3:::b/?`` does not cover ``arn:aws:s3:::b/*``). As in ARN matching, a
    wildcard before the resource segment does not span a colon. A "no" may be conservative; a "yes"
    is always right, so a grant is never dropped for a Deny that leaves some of it.
    """
    return deny_pattern == "*" or _inclusion_regex(deny_pattern).fullmatch(pattern) is not None


@lru_cache(maxsize=16384)
def _inclusion_regex(deny_pattern: str) -> re.Pattern[str]:
    segmented = deny_pattern.replace("*", "").replace("?", "").count(":") >= 5
    out: list[str] = []
    colons = 0
    for ch in deny_pattern:
        early = segmented and colons < 5
        if ch == "*":
            out.append("[^:]*" if early else ".*")
        elif ch == "?":
            out.append("[^:*]" if early else "[^*]")
        else:
            colons += ch == ":"
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def _narrow(patterns: tuple[str, ...], limits: tuple[str, ...]) -> tuple[str, ...]:
    """Intersect resource patterns with an upper bound's patterns (approximately, by containment)."""
    out: list[str] = []
    for pattern in patterns:
        for limit in limits:
            if _covers(limit, pattern):
                out.append(pattern)
                break
            if _covers(pattern, limit):
                out.append(limit)
            elif globs_intersect(pattern, limit, case_sensitive=True):
                out.append(pattern)
                break
    return tuple(dict.fromkeys(out))


class PolicySet:
    """The identity-based policies in force for a principal, with its boundary and SCP levels."""

    def __init__(
        self,
        policies: Sequence[SourcedPolicy],
        boundary: Sequence[SourcedPolicy] = (),
        scps: Sequence[Sequence[SourcedPolicy]] = (),
    ) -> None:
        self.policies = tuple(policies)
        self.boundary = tuple(boundary)
        self.scps = tuple(tuple(level) for level in scps)
        self._cache: dict[str, tuple[Grant, ...]] = {}

    # -- one action ------------------------------------------------------------------------------

    def grants(self, action: str) -> tuple[Grant, ...]:
        """The grants of a concrete catalog action after denies, the boundary and SCPs."""
        info = get_catalog().action(action)
        if info is None:
            return ()
        key = info.full_name
        found = self._cache.get(key)
        if found is None:
            found = self._compute(info, self.policies)
            if found and self.boundary:
                found = self._bound(found, self._compute(info, self.boundary))
            for level in self.scps:
                if not found:
                    break
                found = self._bound(found, self._compute(info, level))
            self._cache[key] = found
        return found

    def allows(self, action: str) -> bool:
        return bool(self.grants(action))

    @staticmethod
    def _bound(grants: tuple[Grant, ...], limits: tuple[Grant, ...]) -> tuple[Grant, ...]:
        if not limits:
            return ()
        patterns = tuple(
            p for limit in limits for p in (limit.resources if not limit.not_resources else ("*",))
        )
        conditional = all(limit.conditional for limit in limits)
        out: list[Grant] = []
        for grant in grants:
            narrowed = _narrow(grant.resources, patterns)
            if not narrowed:
                continue
            keys = grant.condition_keys
            if conditional:
                keys = tuple(dict.fromkeys(keys + tuple(k for limit in limits for k in limit.condition_keys)))
            out.append(replace(grant, resources=narrowed, condition_keys=keys))
        return tuple(out)

    @staticmethod
    def _compute(action: ActionInfo, policies: Sequence[SourcedPolicy]) -> tuple[Grant, ...]:
        allows: list[tuple[CompiledStatement, SourcedPolicy]] = []
        denies: list[CompiledStatement] = []
        for sourced in policies:
            for statement in compile_policy(sourced.policy, sourced.label).for_action(action.full_name):
                if statement.principal is not None or statement.not_principal is not None:
                    continue  # not an identity statement
                if statement.allow:
                    allows.append((statement, sourced))
                else:
                    denies.append(statement)
        grants: list[Grant] = []
        for statement, sourced in allows:
            grant = _grant(action, statement, sourced)
            if grant is None:
                continue
            for deny in denies:
                grant = _apply_deny(grant, deny)
                if grant is None:
                    break
            if grant is not None:
                grants.append(grant)
        return tuple(grants)

    # -- every action ----------------------------------------------------------------------------

    def candidate_actions(self) -> tuple[str, ...]:
        """Every catalog action some Allow statement names (before denies and bounds)."""
        catalog = get_catalog()
        names: set[str] = set()
        for sourced in self.policies:
            for statement in sourced.policy.statements:
                if statement.effect != "Allow":
                    continue
                if statement.action is not None:
                    for pattern in statement.action:
                        names.update(catalog.expand(pattern))
                elif statement.not_action is not None:
                    names.update(catalog.expand("*"))
        return tuple(sorted(names))

    def allowed_actions(self) -> Iterator[str]:
        """The actions allowed on at least one resource, sorted."""
        for name in self.candidate_actions():
            if self.grants(name):
                yield name


def _grant(action: ActionInfo, statement: CompiledStatement, sourced: SourcedPolicy) -> Grant | None:
    st = statement.statement
    location = sourced.policy.locate(st.path)
    if location.line is None and sourced.location is not None:
        location = sourced.location
    ref = StatementRef(sourced.label, statement.label, location, sourced.handle)
    keys = tuple(dict.fromkeys(c.key for c in st.condition))
    # No Resource element: IAM refuses such an identity policy, but the evaluator lets the statement
    # cover every resource, and so does the audit view (it must never show less than is allowed).
    patterns = statement.resource_patterns if statement.resource_patterns is not None else ("*",)
    if statement.resource_negated:
        if any(p == "*" for p in patterns):
            return None
        return Grant(action.full_name, ("*",), ref, not_resources=patterns, condition_keys=keys)
    relevant = tuple(p for p in patterns if _addresses(action, p))
    if not relevant:
        return None
    return Grant(action.full_name, relevant, ref, condition_keys=keys)


def _apply_deny(grant: Grant, deny: CompiledStatement) -> Grant | None:
    """What is left of a grant after a Deny statement; ``None`` when nothing is."""
    patterns = deny.resource_patterns if deny.resource_patterns is not None else ("*",)
    if deny.resource_negated:
        # Deny everything except ``patterns``: it covers what cannot be in the exceptions.
        kept = tuple(
            r for r in grant.resources if any(globs_intersect(p, r, case_sensitive=True) for p in patterns)
        )
    else:
        kept = tuple(r for r in grant.resources if not any(_covers(p, r) for p in patterns))
    if deny.conditions:
        return replace(grant, conditionally_denied=True) if kept != grant.resources else grant
    if not kept:
        return None
    return grant if kept == grant.resources else replace(grant, resources=kept)
