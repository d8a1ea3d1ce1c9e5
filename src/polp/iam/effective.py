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
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from polp._interning import interned
from polp._slots import fast_init
from polp.errors import Location
from polp.iam.catalog import ActionInfo, get_catalog
from polp.iam.jsonpath import JsonPath
from polp.iam.matching import compile_actions, compile_arns
from polp.iam.model import Policy, Statement
from polp.iam.wildcards import globs_intersect


class StatementRef:
    """Where a grant comes from: a policy (by its label), a statement, and its place in a file.

    Immutable. The place is worked out on first use (:meth:`lazy`): finding the line of a statement
    costs a scan of its file, and only the grants that end up in a finding are ever located.
    """

    __slots__ = ("_fallback", "_location", "_path", "_source", "handle", "policy", "statement")

    policy: str
    statement: str
    #: The caller's handle for the policy (for example a :class:`polp.inventory.PolicyRef`).
    handle: object
    _location: Location | None
    _source: Policy | None
    _path: JsonPath
    _fallback: Location | None

    def __init__(
        self, policy: str, statement: str, location: Location | None = None, handle: object = None
    ) -> None:
        setter = object.__setattr__
        setter(self, "policy", policy)
        setter(self, "statement", statement)
        setter(self, "handle", handle)
        setter(self, "_location", location)
        setter(self, "_source", None)
        setter(self, "_path", ())
        setter(self, "_fallback", None)

    @classmethod
    def lazy(
        cls,
        policy: str,
        statement: str,
        source: Policy,
        path: JsonPath,
        fallback: Location | None,
        handle: object,
    ) -> StatementRef:
        """A reference whose location is ``source.locate(path)``, or ``fallback`` when that has no line."""
        ref = cls(policy, statement, None, handle)
        object.__setattr__(ref, "_source", source)
        object.__setattr__(ref, "_path", path)
        object.__setattr__(ref, "_fallback", fallback)
        return ref

    @property
    def location(self) -> Location | None:
        source = self._source
        if source is None:
            return self._location
        location = source.locate(self._path)
        if self._fallback is not None and location.line is None:  # no line look-up without one
            location = self._fallback
        setter = object.__setattr__
        setter(self, "_location", location)
        setter(self, "_source", None)
        setter(self, "_fallback", None)
        return location

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: StatementRef is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: StatementRef is immutable")

    def _key(self) -> tuple[object, ...]:
        return (self.policy, self.statement, self.location, self.handle)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self is other or self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"StatementRef(policy={self.policy!r}, statement={self.statement!r}, "
            f"location={self.location!r}, handle={self.handle!r})"
        )


@fast_init  # made by the ten thousand
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
        return any(unbounded_pattern(pattern) for pattern in self.resources)

    @property
    def unconditional(self) -> bool:
        return not self.condition_keys and not self.conditionally_denied

    def changed(
        self,
        *,
        resources: tuple[str, ...] | None = None,
        condition_keys: tuple[str, ...] | None = None,
        conditionally_denied: bool | None = None,
    ) -> Grant:
        """A copy with these fields changed: :func:`dataclasses.replace` without its per-call
        introspection (denies, bounds and time conditions make tens of thousands of copies)."""
        return Grant(
            self.action,
            self.resources if resources is None else resources,
            self.source,
            self.not_resources,
            self.condition_keys if condition_keys is None else condition_keys,
            self.conditionally_denied if conditionally_denied is None else conditionally_denied,
        )


def unbounded_pattern(pattern: str) -> bool:
    """Whether one Resource pattern names every resource (see :attr:`Grant.all_resources`)."""
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
    if resource in ("*", "*/*"):
        return True
    # arn:aws:dynamodb:*:*:table/*  arn:aws:secretsmanager:*:*:secret:*  -- but not
    # arn:aws:s3:::models/*, where "models" is a bucket's name, not a resource type.
    head = resource.split("/", 1)[0].split(":", 1)[0]
    return resource in (f"{head}/*", f"{head}:*") and _is_type_keyword(parts[2], head)


@lru_cache(maxsize=4096)
def _is_type_keyword(service: str, head: str) -> bool:
    """Whether ``head`` starts the resource part of one of the service's ARN formats literally."""
    catalog = get_catalog()
    seen: set[str] = set()
    for action in catalog.actions_of(service):
        for resource_type in catalog.resource_types_for(action):
            if resource_type.name in seen:
                continue
            seen.add(resource_type.name)
            for template in resource_type.arn_formats:
                tail = template.split(":", 5)[5] if template.count(":") >= 5 else ""
                if tail.startswith((f"{head}/", f"{head}:")):
                    return True
    return False


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
    if pattern == "*":
        return True  # names every resource, "*" included
    return _addresses_named(action.full_name, pattern)


@lru_cache(maxsize=1 << 16)
def _addresses_named(action: str, pattern: str) -> bool:
    # Keyed by name: hashing an ActionInfo hashes all of its resource types.
    info = get_catalog().action(action)
    if info is None:
        return False
    if not info.resource_types:
        return compile_arns((pattern,))("*")
    # Actions of a service with the same resource types (s3:GetObject, s3:PutObject...) address
    # the same patterns: matched once per resource-type list.
    key = (info.service, tuple(rt.name for rt in info.resource_types), pattern)
    found = _TYPES_ADDRESSED.get(key)
    if found is None:
        if len(_TYPES_ADDRESSED) >= 1 << 16:
            _TYPES_ADDRESSED.clear()
        found = _TYPES_ADDRESSED[key] = bool(get_catalog().resource_types_matching(info, pattern))
    return found


_TYPES_ADDRESSED: dict[tuple[str, tuple[str, ...], str], bool] = {}


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
        self._services: frozenset[str] | None = None
        self._any_service = False
        self._additive: bool | None = None
        self._bounded: object = _UNKNOWN
        #: What callers work out about this policy set (a check's answer), under a key of their own;
        #: it lives as long as the set.
        self.memo: dict[object, object] = {}

    def allowed_services(self) -> frozenset[str] | None:
        """The service prefixes (lowercase) the identity policies' Allow statements can name; ``None``
        when that can be any service (``NotAction``, a wildcard in the service part)."""
        if self._services is None and not self._any_service:
            found: set[str] = set()
            for sourced in self.policies:
                named = _entry(sourced.policy).allow_services
                if named is None:
                    self._any_service = True
                    return None
                found.update(named)
            self._services = interned(frozenset(found))
        return self._services

    def boundary_actions(self) -> frozenset[str] | None:
        """The actions (lower case) the permissions boundary's Allow statements may name; ``None``
        when there is no boundary or it may name any action. The set is granted no other action."""
        if self._bounded is _UNKNOWN:
            found: set[str] | None = set() if self.boundary else None
            for sourced in self.boundary:
                named = _entry(sourced.policy).allow_actions()
                if named is None or found is None:
                    found = None
                    break
                found.update(named)
            self._bounded = frozenset(found) if found is not None else None
        return self._bounded  # type: ignore[return-value]

    def additive(self) -> bool:
        """Whether each policy's grants stand on their own: no boundary, no SCPs and no identity
        ``Deny`` statement in any policy, so that :meth:`grants` is the concatenation, in policy
        order, of :meth:`policy_grants` of each policy."""
        if self._additive is None:
            self._additive = (
                not self.boundary
                and not self.scps
                and not any(_entry(sourced.policy).denies for sourced in self.policies)
            )
        return self._additive

    @staticmethod
    def policy_grants(sourced: SourcedPolicy, action: str) -> tuple[Grant, ...]:
        """The grants ``sourced`` makes of a catalog action on its own (before other policies'
        denies, a boundary or SCPs), shared by every set that holds the same ``sourced``."""
        known = _action(action)
        if known is None:
            return ()
        info, name = known
        answer = _answer(sourced, name, info.service)
        if answer is None or not answer.allows:
            return ()
        return answer.grants_for(sourced, name)

    # -- one action ------------------------------------------------------------------------------

    def grants(self, action: str) -> tuple[Grant, ...]:
        """The grants of a concrete catalog action after denies, the boundary and SCPs."""
        found = self._cache.get(action)
        if found is not None:
            return found
        services = self.allowed_services()
        if services is not None and action.partition(":")[0].lower() not in services:
            return ()  # no Allow statement can name the action
        known = _action(action)
        if known is None:
            return ()
        info, key = known
        found = self._cache.get(key)
        if found is None:
            bounded = self.boundary_actions() if self.boundary else None
            if bounded is not None and key.lower() not in bounded:
                found = ()  # the boundary allows no such action: nothing to compose
            else:
                found = self._compute(info, key, self.policies)
            if found and self.boundary:
                found = self._bound(found, self._compute(info, key, self.boundary))
            for level in self.scps:
                if not found:
                    break
                found = self._bound(found, self._compute(info, key, level))
            self._cache[key] = found
        if action != key:
            self._cache[action] = found  # the name as asked, to skip the catalog next time
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
            out.append(grant.changed(resources=narrowed, condition_keys=keys))
        return tuple(out)

    @staticmethod
    def _compute(action: ActionInfo, name: str, policies: Sequence[SourcedPolicy]) -> tuple[Grant, ...]:
        # Everything that depends on one policy and the action is answered once per policy (see
        # _answer); only making the grants of this set and applying its denies is done here.
        service = action.service
        answers: list[tuple[_Answer, SourcedPolicy]] = []
        denies: list[_Stmt] = []
        entries = _ANSWERS
        for sourced in policies:
            # _answer's cached path, inline: this loop runs for every action of every policy set.
            entry = entries.get(id(sourced.policy))
            if entry is not None and entry.policy is sourced.policy:
                if entry.services is not None and service not in entry.services:
                    continue
                answer = entry.by_action.get(name, _UNKNOWN)
                if answer is _UNKNOWN:
                    answer = _answer(sourced, name, service)
            else:
                answer = _answer(sourced, name, service)
            if answer is None:
                continue
            assert isinstance(answer, _Answer)
            answers.append((answer, sourced))
            if answer.denies:
                denies.extend(answer.denies)
        if len(answers) == 1 and not denies:
            return answers[0][0].grants_for(answers[0][1], name)  # shared with every holder
        grants: list[Grant] = []
        for answer, sourced in answers:
            if answer.allows:
                grants.extend(answer.grants_for(sourced, name))
        if denies:
            kept: list[Grant] = []
            for grant in grants:
                survivor: Grant | None = grant
                for deny in denies:
                    survivor = _apply_deny(grant, deny)
                    if survivor is None:
                        break
                    grant = survivor
                if survivor is not None:
                    kept.append(survivor)
            grants = kept
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


#: One Allow statement's grant of an action, before denies and without its policy's reference:
#: (statement, resources, not_resources, condition keys).
_Proto = tuple["_Stmt", tuple[str, ...], tuple[str, ...], tuple[str, ...]]


class _Answer:
    """What one policy says about one action: its grants (as protos) and its Deny statements.

    Answers with the same content are one object per policy (a wildcard statement answers most
    actions of its service alike); the grants themselves name the action and are made per action by
    :meth:`_PolicyAnswers.grants_for`.
    """

    __slots__ = ("allows", "denies", "owner")

    def __init__(self, allows: tuple[_Proto, ...], denies: tuple[_Stmt, ...], owner: _PolicyAnswers) -> None:
        self.allows = allows
        self.denies = denies
        self.owner = owner

    def grants_for(self, sourced: SourcedPolicy, action: str) -> tuple[Grant, ...]:
        return self.owner.grants_for(self, sourced, action)


class _PolicyAnswers:
    """The answers of one policy, per action; ``services`` are the service prefixes its statements
    can name (``None``: any), so that actions of other services cost one set lookup."""

    __slots__ = (
        "_allow_actions",
        "_answers",
        "_by_service",
        "_made",
        "_more",
        "_named",
        "_owner",
        "_refs",
        "allow_services",
        "by_action",
        "denies",
        "matchers",
        "policy",
        "services",
    )

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._answers: dict[tuple[object, ...], _Answer] = {}
        self._refs: dict[tuple[int, int], tuple[SourcedPolicy, StatementRef]] = {}
        # The grants made per action for the first SourcedPolicy that asked (``_owner``), and for
        # others by identity (usually there is one: principals share the SourcedPolicy of a reference).
        self._owner: SourcedPolicy | None = None
        self._made: dict[str, tuple[Grant, ...]] = {}
        self._more: dict[tuple[int, str], tuple[SourcedPolicy, tuple[Grant, ...]]] | None = None
        # Each statement's services, read once (statements_for's _Stmt objects take them too).
        self._named = [_may_name(st) for st in policy.statements]
        self.services = _services_named(policy.statements, self._named)
        self.allow_services = _services_named(
            (st for st in policy.statements if st.effect == "Allow"),
            (n for st, n in zip(policy.statements, self._named, strict=True) if st.effect == "Allow"),
        )
        #: Whether an identity Deny statement (one that covers some action) is in the policy.
        self.denies = any(
            st.effect == "Deny"
            and st.principal is None
            and st.not_principal is None
            and (st.action is not None or st.not_action is not None)
            for st in policy.statements
        )
        self.by_action: dict[str, _Answer | None] = {}
        self._allow_actions: object = _UNKNOWN
        self.matchers: tuple[tuple[Callable[[str], bool], bool, _Stmt], ...] | None = None
        #: :attr:`matchers` of the statements that may name a service, by service (lower case).
        self._by_service: dict[str, tuple[tuple[Callable[[str], bool], bool, _Stmt], ...]] = {}

    def allow_actions(self) -> frozenset[str] | None:
        """The catalog actions (lower case) the Allow statements name; ``None`` for a NotAction or a
        wildcard in a service part (any action: not worth listing)."""
        if self._allow_actions is _UNKNOWN:
            catalog = get_catalog()
            names: set[str] | None = set()
            for statement in self.policy.statements:
                if statement.effect != "Allow" or names is None:
                    continue
                if statement.action is None:
                    if statement.not_action is not None:
                        names = None
                    continue
                for pattern in statement.action:
                    prefix, colon, _ = pattern.partition(":")
                    if not colon or "*" in prefix or "?" in prefix:
                        names = None
                        break
                    names.update(name.lower() for name in catalog.expand(pattern))
            self._allow_actions = frozenset(names) if names is not None else None
        return self._allow_actions  # type: ignore[return-value]

    def answer(self, allows: list[_Proto], denies: list[_Stmt]) -> _Answer:
        """The answer with these grants and denies (one object per content: protos compare by value,
        their statements by identity)."""
        content = (*allows, None, *denies)
        answer = self._answers.get(content)
        if answer is None:
            answer = self._answers[content] = _Answer(tuple(allows), tuple(denies), self)
        return answer

    def grants_for(self, answer: _Answer, sourced: SourcedPolicy, action: str) -> tuple[Grant, ...]:
        """The grants ``answer`` makes of ``action`` for ``sourced`` (made once)."""
        if self._owner is None:
            self._owner = sourced
        owner = self._owner is sourced
        if owner:
            found = self._made.get(action)
            if found is not None:
                return found
        elif self._more is not None:
            entry = self._more.get((id(sourced), action))
            if entry is not None and entry[0] is sourced:
                return entry[1]
        ref = self._ref
        made = tuple(
            Grant(action, resources, ref(sourced, statement), not_resources, keys)
            for statement, resources, not_resources, keys in answer.allows
        )
        if owner:
            if len(self._made) >= _MAX_ACTIONS:
                self._made.clear()
            self._made[action] = made
        else:
            if self._more is None or len(self._more) >= _MAX_ACTIONS:
                self._more = {}
            self._more[(id(sourced), action)] = (sourced, made)
        return made

    def _ref(self, sourced: SourcedPolicy, statement: _Stmt) -> StatementRef:
        """The reference to a statement of this policy as ``sourced`` holds it (one per pair)."""
        key = (id(sourced), id(statement))
        entry = self._refs.get(key)
        if entry is not None and entry[0] is sourced:
            return entry[1]
        found = StatementRef.lazy(
            sourced.label,
            statement.label,
            self.policy,
            statement.statement.path,
            sourced.location,
            sourced.handle,
        )
        if len(self._refs) >= _MAX_ACTIONS:
            self._refs.clear()
        self._refs[key] = (sourced, found)
        return found

    def statements_for(self, action: str) -> list[_Stmt]:
        """The statements whose Action (or NotAction) covers ``action``, matched as the evaluator
        matches them (:func:`polp.iam.matching.compile_actions`)."""
        if self.matchers is None:
            compiled: list[tuple[Callable[[str], bool], bool, _Stmt]] = []
            for statement, named in zip(self.policy.statements, self._named, strict=True):
                if statement.action is not None:
                    compiled.append((compile_actions(statement.action), False, _Stmt(statement, named)))
                elif statement.not_action is not None:
                    compiled.append((compile_actions(statement.not_action), True, _Stmt(statement, named)))
                # a statement without actions covers nothing
            self.matchers = tuple(compiled)
        key = action.lower()
        service = key.partition(":")[0]
        group = self._by_service.get(service)
        if group is None:
            group = self._by_service[service] = tuple(
                m for m in self.matchers if m[2].services is None or service in m[2].services
            )
        return [st for matcher, negated, st in group if matcher(key) != negated]


def _may_name(statement: Statement) -> frozenset[str] | None:
    """The services (lower case) whose actions the statement's Action element may cover; ``None``
    when it may cover any (NotAction, a wildcard in a service part, no service part): a cheap,
    conservative filter before the exact matchers."""
    if statement.action is None:
        return None  # NotAction covers every service but the ones it lists
    return _services_of(statement.action)


@lru_cache(maxsize=1 << 14)  # statements repeat the same Action lists
def _services_of(patterns: tuple[str, ...]) -> frozenset[str] | None:
    found: set[str] = set()
    for pattern in patterns:
        prefix, sep, _ = pattern.partition(":")
        if not sep or "*" in prefix or "?" in prefix:
            return None
        found.add(prefix.lower())
    return interned(frozenset(found))


class _Stmt:
    """What the effective view needs of a statement (its Resource element, whether it has
    conditions); the evaluator's compiled form also compiles resources and conditions."""

    __slots__ = (
        "allow",
        "condition_keys",
        "conditions",
        "identity",
        "label",
        "resource_negated",
        "resource_patterns",
        "services",
        "statement",
    )

    def __init__(self, statement: Statement, services: frozenset[str] | None) -> None:
        self.statement = statement
        #: The services the statement may cover actions of (``None``: any), see :func:`_may_name`.
        self.services = services
        self.condition_keys = tuple(dict.fromkeys(c.key for c in statement.condition))
        self.allow = statement.effect == "Allow"
        self.label = statement.label
        self.identity = statement.principal is None and statement.not_principal is None
        self.resource_negated = statement.resource is None and statement.not_resource is not None
        self.resource_patterns = (
            statement.resource if statement.resource is not None else statement.not_resource
        )
        self.conditions = bool(statement.condition)


def _services_named(
    statements: Iterable[Statement], services: Iterable[frozenset[str] | None]
) -> frozenset[str] | None:
    """The service prefixes the statements' Action elements can name (``services``: each one's
    :func:`_may_name`); ``None`` for any."""
    found: set[str] = set()
    for statement, named in zip(statements, services, strict=True):
        if statement.action is None and statement.not_action is None:
            continue  # no action element: covers nothing
        if named is None:
            return None
        found.update(named)
    return interned(frozenset(found))


# Answers by policy identity; an entry holds its policy, so the id stays that policy's.
_ANSWERS: dict[int, _PolicyAnswers] = {}
_MAX_POLICIES = 1 << 15
_MAX_ACTIONS = 4096


_UNKNOWN = object()
_ACTIONS: dict[str, tuple[ActionInfo, str] | None] = {}


def _action(name: str) -> tuple[ActionInfo, str] | None:
    """The catalog's action and its canonical name (one string per action), by name as written."""
    found = _ACTIONS.get(name, _UNKNOWN)
    if found is _UNKNOWN:
        info = get_catalog().action(name)
        found = (info, sys.intern(info.full_name)) if info is not None else None
        if len(_ACTIONS) >= 1 << 16:
            _ACTIONS.clear()
        _ACTIONS[name] = found
    return found  # type: ignore[return-value]


def _entry(policy: Policy) -> _PolicyAnswers:
    entry = _ANSWERS.get(id(policy))
    if entry is None or entry.policy is not policy:
        if len(_ANSWERS) >= _MAX_POLICIES:
            _ANSWERS.clear()
        entry = _ANSWERS[id(policy)] = _PolicyAnswers(policy)
    return entry


def _answer(sourced: SourcedPolicy, action: str, service: str) -> _Answer | None:
    """What ``sourced``'s policy says about ``action`` (``None``: nothing), cached per policy."""
    policy = sourced.policy
    entry = _ANSWERS.get(id(policy))
    if entry is None or entry.policy is not policy:
        entry = _entry(policy)
    services = entry.services
    if services is not None and service not in services:
        return None
    by_action = entry.by_action
    found = by_action.get(action, _UNKNOWN)
    if found is not _UNKNOWN:
        return found  # type: ignore[return-value]
    known = _action(action)
    assert known is not None
    info = known[0]
    allows: list[_Proto] = []
    denies: list[_Stmt] = []
    for statement in entry.statements_for(action):
        if not statement.identity:
            continue  # a Principal element: not an identity statement
        if statement.allow:
            proto = _proto(info, statement)
            if proto is not None:
                allows.append(proto)
        else:
            denies.append(statement)
    found = entry.answer(allows, denies) if allows or denies else None
    if len(by_action) >= _MAX_ACTIONS:
        by_action.clear()
    by_action[action] = found
    return found


def _proto(action: ActionInfo, statement: _Stmt) -> _Proto | None:
    keys = statement.condition_keys
    # No Resource element: IAM refuses such an identity policy, but the evaluator lets the statement
    # cover every resource, and so does the audit view (it must never show less than is allowed).
    patterns = statement.resource_patterns if statement.resource_patterns is not None else ("*",)
    if statement.resource_negated:
        if any(p == "*" for p in patterns):
            return None
        return (statement, ("*",), patterns, keys)
    relevant: tuple[str, ...]
    if patterns == ("*",):
        relevant = patterns  # "*" addresses every action
    else:
        relevant = tuple(p for p in patterns if _addresses(action, p))
        if not relevant:
            return None
    return (statement, relevant, (), keys)


def _apply_deny(grant: Grant, deny: _Stmt) -> Grant | None:
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
        return grant.changed(conditionally_denied=True) if kept != grant.resources else grant
    if not kept:
        return None
    return grant if kept == grant.resources else grant.changed(resources=kept)
