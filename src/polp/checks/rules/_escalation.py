"""Which escalation methods a principal holds, and which principals count as privileged.

Privilege is judged in two levels so that nothing recurses:

* level 0, **administrator** (:func:`admin_status`, conditions allowed);
* level 1, **privileged**: an administrator, or a principal with a self-grant or with an escalation
  method whose target is an administrator.

Targets of a method found for an audited principal are ranked with level 1; the level-1 question
itself ranks targets with level 0. One :class:`Model` per audit, shared by the checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

from polp.checks.interface import AuditContext, Subject
from polp.checks.rules._asking import mentioned
from polp.checks.rules._grants import (
    Pool,
    allowed_among,
    concrete,
    covers_action,
    live_grants,
    principal_context,
    statement_of,
    unbounded,
)
from polp.checks.rules.admin_effective import admin_status
from polp.checks.rules.escalation_paths import METHODS, EscalationMethod
from polp.iam.arn import account_of
from polp.iam.conditions import evaluate_clause
from polp.iam.context import RequestContext
from polp.iam.effective import Grant, unbounded_pattern
from polp.iam.principals import MatchKind, RequestPrincipal

Ranker = Callable[[Subject], bool]
T = TypeVar("T")
_PASSED_TO = "iam:passedtoservice"


class Hit:
    """An escalation method a principal holds.

    The targets and the passable roles are kept as masks of a :class:`Pool` and listed on first use:
    deciding whether a principal is privileged only needs to know that a target exists.
    """

    __slots__ = ("_listed", "_passable", "_pool", "_targets", "grants", "known", "method")

    def __init__(
        self,
        method: EscalationMethod,
        grants: tuple[Grant, ...],
        pool: Pool | None,
        targets: int,
        known: bool,
        passable: int = 0,
    ) -> None:
        self.method = method
        self.grants = grants
        self._pool = pool
        self._targets = targets
        #: False when the method fired on a wildcard and no privileged target is known.
        self.known = known
        self._passable = passable
        self._listed: tuple[Subject, ...] | None = None

    @property
    def targets(self) -> tuple[Subject, ...]:
        """Privileged principals the method reaches (roles to pass or join, groups to join)."""
        if self._listed is None:
            self._listed = self._pool.members(self._targets) if self._pool is not None else ()
        return self._listed

    @property
    def pool(self) -> Pool | None:
        return self._pool

    @property
    def target_mask(self) -> int:
        """:attr:`targets` as a mask of :attr:`pool`."""
        return self._targets

    def target_arns(self) -> list[str]:
        """The ARNs of :attr:`targets` (a list shared by the hits with the same targets: read only)."""
        return self._pool.arns_of(self._targets) if self._pool is not None else []

    def passable_arns_sorted(self) -> list[str]:
        """The ARNs of :attr:`passable`, sorted and unique (shared with equal hits: read only)."""
        return self._pool.sorted_arns(self._passable) if self._pool is not None else []

    def target_set(self) -> tuple[int, int]:
        """Which targets, as ``(pool identity, mask)``: equal pairs are equal target lists."""
        return (id(self._pool), self._targets)

    def passable_set(self) -> tuple[int, int]:
        return (id(self._pool), self._passable)

    @property
    def passable(self) -> tuple[Subject, ...]:
        """passrole methods: every inventory role that can be passed."""
        return self._pool.members(self._passable) if self._pool is not None else ()


def trusts(role: Subject, principal: RequestPrincipal, action: str = "sts:AssumeRole") -> bool:
    """Whether an Allow statement of the role's trust policy names ``principal`` for ``action``.

    Conditions are not evaluated: for service principals they are confused-deputy scoping
    (``aws:SourceAccount``) that a caller in the same account satisfies.
    """
    trust = role.record.trust_policy
    if trust is None or trust.policy is None:
        return False
    for statement in trust.policy.statements:
        if statement.effect != "Allow" or statement.principal is None:
            continue
        if covers_action(statement, action) and principal.match(statement.principal) is not MatchKind.NONE:
            return True
    return False


def _passed_to(grant: Grant, services: tuple[str, ...]) -> Grant | None:
    """The PassRole grant as it applies to one of ``services``; ``None`` if its
    ``iam:PassedToService`` condition names only other services."""
    if not any(k.lower() == _PASSED_TO for k in grant.condition_keys):
        return grant
    statement = statement_of(grant)
    if statement is None:
        return grant
    clauses = [c for c in statement.condition if c.key_lower == _PASSED_TO]
    for service in services:
        ctx = _passed_context(service)
        if all(evaluate_clause(c, ctx, variables=True) for c in clauses):
            return grant.changed(
                condition_keys=tuple(k for k in grant.condition_keys if k.lower() != _PASSED_TO)
            )
    return None


def _customer_policies(grant: Grant) -> bool:
    """Unbounded over customer-managed policies (AWS managed ones cannot be changed)."""
    if grant.not_resources:
        return unbounded(grant)
    return any(unbounded_pattern(p) and account_of(p) != "aws" for p in grant.resources)


@dataclass(frozen=True, slots=True)
class _Raw:
    """A method whose actions are all allowed, before its targets are ranked."""

    method: EscalationMethod
    grants: tuple[Grant, ...]
    #: Possible targets (a mask of ``pool``); ``existing`` methods rank the service roles instead.
    pool: Pool | None = None
    candidates: int = 0
    #: Fires even when no candidate is privileged (the grant is open-ended).
    open_ended: bool = True
    #: Fires without any target (IAM methods that change the principal's own permissions).
    targetless: bool = False


_PASSED_CONTEXTS: dict[str, RequestContext] = {}


def _passed_context(service: str) -> RequestContext:
    found = _PASSED_CONTEXTS.get(service)
    if found is None:
        found = _PASSED_CONTEXTS[service] = RequestContext({"iam:PassedToService": service})
    return found


#: Every action the methods name, as written there (the catalog's own names, a test checks it).
_METHOD_ACTIONS = tuple(dict.fromkeys(a for m in METHODS for a in m.actions))


class Model:
    """Per-audit caches: roles by trusted service, privilege levels, escalation hits.

    Sets of principals are bit masks over a :class:`Pool` (the roles, the users, the groups, the
    roles trusting a service): a Resource pattern is matched against a pool once, and a principal's
    targets are the union of what its grants' patterns name.
    """

    def __init__(self, context: AuditContext) -> None:
        self.context = context
        self.now = context.now_epoch
        self.roles = [s for s in context.subjects if s.record.kind == "role"]
        self.groups = [s for s in context.subjects if s.record.kind == "group"]
        self.users = [s for s in context.subjects if s.record.kind == "user"]
        self.pools = {"group": Pool(self.groups), "role": Pool(self.roles), "user": Pool(self.users)}
        self._service_roles: dict[tuple[str, ...], list[Subject]] = {}
        self._service_pools: dict[tuple[str, ...], Pool] = {}
        self._ranks: dict[tuple[int, int], tuple[int, int]] = {}
        self._passable: dict[tuple[int, tuple[str, ...], str | None], int] = {}
        # Keyed by subject identity: subjects live as long as the audit (and so does the model).
        self._raw: dict[int, list[_Raw]] = {}
        self._privileged: dict[int, bool] = {}
        self._onehop: dict[int, bool] = {}
        self._memo: dict[tuple[object, ...], object] = {}
        self._passings: dict[
            tuple[int, tuple[str, ...]], tuple[tuple[Grant, ...], Pool, int, bool] | None
        ] = {}
        # By role identity (the roles live as long as the audit).
        self._trusts: dict[int, tuple[frozenset[str], bool]] = {}

    def cached(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """A per-audit memo for what checks work out once: yes/no questions about a principal, lists
        of ARNs that findings share (read only). Keys start with what the answer is about."""
        if key in self._memo:
            return cast(T, self._memo[key])
        found = self._memo[key] = compute()
        return found

    # -- privilege levels ------------------------------------------------------------------------

    def admin(self, subject: Subject) -> bool:
        return admin_status(subject.permissions, self.now) is not None

    def privileged(self, subject: Subject) -> bool:
        """Level 1: administrator, self-grant, or a method that reaches an administrator."""
        key = id(subject)
        found = self._privileged.get(key)
        if found is None:
            found = self.admin(subject) or self.escalates_to_admin(subject)
            if not found and subject.record.kind in ("user", "role"):
                from polp.checks.rules.admin_self_grant import self_grant_routes

                routes = self_grant_routes(subject, self.context, self.admin)
                found = any(not r.capped for r in routes)
            self._privileged[key] = found
        return found

    def escalates_to_admin(self, subject: Subject) -> bool:
        key = id(subject)
        found = self._onehop.get(key)
        if found is None:
            found = any(h.known for h in self.hits(subject, 0))
            self._onehop[key] = found
        return found

    def any_admin(self, hit: Hit) -> bool:
        """Whether an administrator is among the hit's targets."""
        pool = hit.pool
        return pool is not None and bool(self.ranked(pool, 0, hit.target_mask))

    def _rank(self, level: int) -> Ranker:
        return self.admin if level == 0 else self.privileged

    def ranked(self, pool: Pool, level: int, mask: int) -> int:
        """The members of ``mask`` privileged at ``level`` (each member is ranked once)."""
        key = (id(pool), level)
        known, yes = self._ranks.get(key, (0, 0))
        todo = mask & ~known
        if todo:
            rank = self._rank(level)
            found = 0
            for bit, subject in pool.bits(todo):
                if rank(subject):
                    found |= bit
            known, yes = self._ranks.get(key, (0, 0))  # ranking may have ranked others meanwhile
            known, yes = known | todo, yes | found
            self._ranks[key] = (known, yes)
        return mask & yes

    # -- targets ---------------------------------------------------------------------------------

    def service_roles(self, services: tuple[str, ...]) -> list[Subject]:
        """Roles whose trust policy lets one of the service principals assume them."""
        found = self._service_roles.get(services)
        if found is None:
            wanted = {s.lower() for s in services}
            found = []
            for role in self.roles:
                named, everyone = self._trusted_services(role)
                if everyone or not wanted.isdisjoint(named):
                    found.append(role)
            self._service_roles[services] = found
        return found

    def _trusted_services(self, role: Subject) -> tuple[frozenset[str], bool]:
        """What :func:`trusts` finds for service principals, read once per role: the services (lower
        case) its trust's Allow statements name for ``sts:AssumeRole``, and whether one names
        everyone."""
        found = self._trusts.get(id(role))
        if found is None:
            names: set[str] = set()
            everyone = False
            trust = role.record.trust_policy
            for statement in (
                trust.policy.statements if trust is not None and trust.policy is not None else ()
            ):
                if statement.effect != "Allow" or statement.principal is None:
                    continue
                if not covers_action(statement, "sts:AssumeRole"):
                    continue
                for kind, value in statement.principal.items():
                    if kind == "*" or (kind == "AWS" and value == "*"):
                        everyone = True
                    elif kind == "Service":
                        names.add(value.lower())
            found = self._trusts[id(role)] = (frozenset(names), everyone)
        return found

    def service_pool(self, services: tuple[str, ...]) -> Pool:
        """:meth:`service_roles` as a pool."""
        found = self._service_pools.get(services)
        if found is None:
            found = self._service_pools[services] = Pool(self.service_roles(services))
        return found

    # -- methods ---------------------------------------------------------------------------------

    def hits(self, subject: Subject, level: int) -> list[Hit]:
        """The methods ``subject`` holds; targets count when privileged at ``level`` (0 or 1)."""
        account = subject.record.account if subject.record.account != "aws" else None
        found: list[Hit] = []
        for raw in self._raws(subject):
            method = raw.method
            if raw.targetless:
                found.append(Hit(method, raw.grants, None, 0, True))
                continue
            pool = self.service_pool(method.services) if method.kind == "existing" else raw.pool
            assert pool is not None
            if method.kind == "existing":
                targets = self.ranked(pool, level, pool.in_account(account)) & ~pool.bit(subject.record.arn)
            else:
                targets = self.ranked(pool, level, raw.candidates)
            passable = raw.candidates if method.kind == "passrole" else 0
            if targets:
                found.append(Hit(method, raw.grants, pool, targets, True, passable))
            elif raw.open_ended:
                found.append(Hit(method, raw.grants, pool, 0, False, passable))
        return found

    def _raws(self, subject: Subject) -> list[_Raw]:
        key = id(subject)
        found = self._raw.get(key)
        if found is None:
            found = []
            # The methods' actions some Allow statement names (a NotAction names them all): a
            # method with another action is not granted, and its grants need not be worked out.
            named = frozenset(mentioned(subject.permissions, _METHOD_ACTIONS))
            for method in METHODS:
                if subject.record.kind not in method.applies_to or not named.issuperset(method.actions):
                    continue
                if method.kind == "iam":
                    raw = self._iam(subject, method)
                elif method.kind == "passrole":
                    raw = self._passrole(subject, method)
                else:
                    raw = self._existing(subject, method)
                if raw is not None:
                    found.append(raw)
            self._raw[key] = found
        return found

    def _iam(self, subject: Subject, method: EscalationMethod) -> _Raw | None:
        grants: list[Grant] = []
        anywhere = True
        test = _customer_policies if method.target == "policy" else unbounded
        for action in method.actions:
            live = live_grants(subject.permissions, action, self.now)
            full = [g for g in live if test(g)]
            if not live or (not method.needs_target and not full):
                return None
            anywhere = anywhere and bool(full)
            grants.extend(full or live)
        if not method.needs_target:
            return _Raw(method, tuple(grants), targetless=True)
        record = subject.record
        ctx = principal_context(record)
        pool = self.pools.get(method.target)
        if pool is None:
            return _Raw(method, tuple(grants), Pool(()), 0, open_ended=anywhere)
        candidates = pool.same_account(record) & ~pool.bit(record.arn)
        if record.kind == "user" and record.groups:
            candidates &= ~pool.with_names(record.groups)
        for action in method.actions:
            if not candidates:
                break
            candidates = allowed_among(
                pool,
                candidates,
                subject.permissions,
                record,
                action,
                [g for g in grants if g.action == action],
                ctx,
            )
        return _Raw(method, tuple(grants), pool, candidates, open_ended=anywhere)

    def _passrole(self, subject: Subject, method: EscalationMethod) -> _Raw | None:
        grants: list[Grant] = []
        for action in method.actions[1:]:
            live = live_grants(subject.permissions, action, self.now)
            if not live:
                return None
            grants.extend(live)
        passed = self._passing(subject, method.services)
        if passed is None:
            return None
        passing, pool, passable, open_ended = passed
        return _Raw(method, (*passing, *grants), pool, passable, open_ended=open_ended)

    def _passing(
        self, subject: Subject, services: tuple[str, ...]
    ) -> tuple[tuple[Grant, ...], Pool, int, bool] | None:
        """The subject's PassRole grants that apply to ``services``, the pool of roles trusting them,
        those it can pass, and whether its grants reach beyond the inventory's roles; ``None``
        without such a grant. Worked out once per subject and services (methods share services)."""
        key = (id(subject), services)  # subjects live as long as the audit (and so does the model)
        if key in self._passings:
            return self._passings[key]
        passing = [
            p
            for p in (
                _passed_to(g, services) for g in live_grants(subject.permissions, "iam:PassRole", self.now)
            )
            if p
        ]
        found: tuple[tuple[Grant, ...], Pool, int, bool] | None = None
        if passing:
            ctx = principal_context(subject.record)
            pool = self.service_pool(services)
            passable = self._passable_roles(subject, services, passing, ctx) & ~pool.bit(subject.record.arn)
            named = [
                concrete(p, ctx) for g in passing for p in (g.resources if not g.not_resources else ("*",))
            ]
            # Only named roles of the inventory: nothing beyond them can be passed.
            open_ended = not all(
                arn is not None and self.context.inventory.get(arn) is not None for arn in named
            )
            found = (tuple(passing), pool, passable, open_ended)
        self._passings[key] = found
        return found

    def _passable_roles(
        self, subject: Subject, services: tuple[str, ...], passing: list[Grant], ctx: RequestContext | None
    ) -> int:
        """Roles trusting ``services``, in the subject's account, that the PassRole grants cover (a
        mask of the services' pool)."""
        account = subject.record.account if subject.record.account != "aws" else None
        shareable = not any("${" in p for g in passing for p in (*g.resources, *g.not_resources))
        key = (id(subject.permissions), services, account)
        if shareable and key in self._passable:
            return self._passable[key]
        pool = self.service_pool(services)
        candidates = pool.in_account(account)
        found = 0
        for service in services:
            found |= allowed_among(
                pool,
                candidates & ~found,
                subject.permissions,
                subject.record,
                "iam:PassRole",
                passing,
                ctx,
                {"iam:PassedToService": service},
            )
        if shareable:
            self._passable[key] = found
        return found

    def _existing(self, subject: Subject, method: EscalationMethod) -> _Raw | None:
        scopes = dict(method.scope)
        grants: list[Grant] = []
        for action in method.actions:
            full = [
                g
                for g in live_grants(subject.permissions, action, self.now)
                if unbounded(g, scopes.get(action))
            ]
            if not full:
                return None
            grants.extend(full)
        return _Raw(method, tuple(grants))


_MODEL: tuple[AuditContext, Model] | None = None


def model_for(context: AuditContext) -> Model:
    """The model of this audit (one at a time; a new audit replaces the previous model)."""
    global _MODEL
    if _MODEL is None or _MODEL[0] is not context:
        _MODEL = (context, Model(context))
    return _MODEL[1]
