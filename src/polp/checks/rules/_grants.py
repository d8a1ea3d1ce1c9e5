"""Grant helpers shared by the access checks (a private module: the registry skips it).

What every access check needs beyond :meth:`PolicySet.grants`:

* **Time conditions decided now.** ``aws:CurrentTime``, ``aws:EpochTime`` and ``aws:TokenIssueTime``
  are known at audit time. A grant whose time window has closed is dead (``DateLessThan`` a past
  date); one whose window is open is as good as unconditional. Other condition keys stay and make
  the grant conditional.
* **"All resources of a type"**, honouring ``NotResource`` (everything except a few named resources
  is still everything).
* **Patterns against a concrete ARN**, with policy variables such as ``${aws:username}`` substituted
  for the principal that makes the request, and an exact decision (:func:`allowed_on`) when a Deny
  or a boundary makes the policy set's view of that ARN approximate.
* A quick "no": a policy set whose Allow statements never name a service has no grant for it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from itertools import compress
from typing import TYPE_CHECKING, Literal, TypeVar, cast

from polp.iam.catalog import get_catalog
from polp.iam.conditions import evaluate_clause
from polp.iam.context import RequestContext
from polp.iam.effective import Grant, PolicySet, unbounded_pattern
from polp.iam.evaluate import CompiledStatement, Decision, compile_policy, evaluate
from polp.iam.matching import action_pattern_matches, arn_pattern_matches, compile_arn_pieces, compile_arns
from polp.iam.model import Policy, Statement
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.variables import has_variables, substitute_pieces
from polp.iam.wildcards import has_wildcard
from polp.inventory import PolicyRef, PrincipalRecord

T = TypeVar("T")

if TYPE_CHECKING:
    from polp.checks.interface import Subject

TIME_KEYS = frozenset({"aws:currenttime", "aws:epochtime", "aws:tokenissuetime"})
_TEN_YEARS = 10 * 365 * 86400

#: Keys of this module's answers in :attr:`PolicySet.memo`.
_LIVE = object()


def _time_context(epoch: float) -> RequestContext:
    iso = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return RequestContext(
        {"aws:CurrentTime": iso, "aws:TokenIssueTime": iso, "aws:EpochTime": str(int(epoch))}
    )


def statement_of(grant: Grant) -> Statement | None:
    """The statement a grant comes from, when its policy is at hand (a :class:`PolicyRef` handle)."""
    handle = grant.source.handle
    if not isinstance(handle, PolicyRef) or handle.policy is None:
        return None
    for statement in handle.policy.statements:
        if statement.label == grant.source.statement:
            return statement
    return None


def _decide_time(grant: Grant, now: float) -> Grant | None:
    """Resolve the grant's time conditions at ``now``: ``None`` if the window is closed for good."""
    if not any(key.lower() in TIME_KEYS for key in grant.condition_keys):
        return grant
    statement = statement_of(grant)
    handle = grant.source.handle
    if statement is None or not isinstance(handle, PolicyRef) or handle.policy is None:
        return grant
    variables = handle.policy.version == "2012-10-17"
    current, later = _time_context(now), _time_context(now + _TEN_YEARS)
    pending = False
    for clause in statement.condition:
        if clause.key_lower not in TIME_KEYS:
            continue
        if evaluate_clause(clause, current, variables=variables):
            continue
        if not evaluate_clause(clause, later, variables=variables):
            return None  # the window has closed and will not reopen
        pending = True  # opens later: keep it conditional
    if pending:
        return grant
    remaining = tuple(k for k in grant.condition_keys if k.lower() not in TIME_KEYS)
    return grant.changed(condition_keys=remaining)


def live_grants(permissions: PolicySet, action: str, now: float) -> tuple[Grant, ...]:
    """:meth:`PolicySet.grants` with time conditions decided at ``now`` (cached per policy set when
    a time condition is in play; the policy set's own answer otherwise)."""
    grants = permissions.grants(action)  # () at once when no Allow statement names the service
    if not any(_timed(g) for g in grants):
        return grants
    key = (_LIVE, action, now)
    found = permissions.memo.get(key)
    if found is None:
        decided = (_decide_time(g, now) for g in grants)
        found = permissions.memo[key] = tuple(g for g in decided if g is not None)
    return cast(tuple[Grant, ...], found)


def _timed(grant: Grant) -> bool:
    return bool(grant.condition_keys) and any(k.lower() in TIME_KEYS for k in grant.condition_keys)


def covers_action(statement: Statement, action: str) -> bool:
    """Whether the statement's Action (or NotAction) element covers ``action``."""
    if statement.action is not None:
        return any(action_pattern_matches(p, action) for p in statement.action)
    return statement.not_action is not None and not any(
        action_pattern_matches(p, action) for p in statement.not_action
    )


def _addresses(action: str, pattern: str, types: Collection[str] | None) -> bool:
    matching = _matching_types(action, pattern)
    if matching is None:
        return False
    if matching is True:
        return True
    if types is None:
        return bool(matching)
    return any(name in types for name in matching)


@lru_cache(maxsize=1 << 15)
def _matching_types(action: str, pattern: str) -> tuple[str, ...] | Literal[True] | None:
    """The names of the action's resource types the pattern can address; ``True`` for an action
    without resource types, ``None`` for an unknown action."""
    info = get_catalog().action(action)
    if info is None:
        return None
    if not info.resource_types:
        return True
    return tuple(rt.name for rt in get_catalog().resource_types_matching(info, pattern))


def unbounded(grant: Grant, types: Collection[str] | None = None) -> bool:
    """Whether the grant covers every resource of the action (of ``types``, when given).

    ``NotResource`` grants cover everything except the listed patterns: they count as unbounded
    unless an excluded pattern itself names every resource of a relevant type.
    """
    if grant.not_resources:
        return not any(
            unbounded_pattern(p) and _addresses(grant.action, p, types) for p in grant.not_resources
        )
    return any(unbounded_pattern(p) and _addresses(grant.action, p, types) for p in grant.resources)


def service_linked(record: PrincipalRecord) -> bool:
    """A service-linked role: AWS owns its policies, so findings on it are not actionable."""
    return record.kind == "role" and ":role/aws-service-role/" in record.arn


def same_account(a: PrincipalRecord, b: PrincipalRecord) -> bool:
    """Whether two principals are in one account (a policy document without one matches any)."""
    first, second = a.account, b.account
    return first in (None, "aws") or second in (None, "aws") or first == second


def request_principal(record: PrincipalRecord) -> RequestPrincipal | None:
    """How a user or a role appears when it makes a request (a role as one of its sessions)."""
    if record.kind == "user":
        return RequestPrincipal("AWS", record.arn)
    if record.kind == "role":
        parts = record.arn.split(":", 5)
        if len(parts) == 6 and parts[4]:
            return RequestPrincipal(
                "AWS", f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{record.name}/polp-audit"
            )
    return None


_CONTEXTS: dict[int, tuple[PrincipalRecord, RequestContext | None]] = {}


def principal_context(record: PrincipalRecord) -> RequestContext | None:
    """The keys AWS sets from the principal itself: what policy variables can be replaced with.

    Cached per record (the entry holds the record, so its id stays its own)."""
    entry = _CONTEXTS.get(id(record))
    if entry is not None and entry[0] is record:
        return entry[1]
    found = _principal_context(record)
    if len(_CONTEXTS) >= 1 << 14:
        _CONTEXTS.clear()
    _CONTEXTS[id(record)] = (record, found)
    return found


def _principal_context(record: PrincipalRecord) -> RequestContext | None:
    principal = request_principal(record)
    if principal is None:
        return None
    values: dict[str, object] = {"aws:PrincipalArn": principal.principal_arn}
    if principal.account:
        values["aws:PrincipalAccount"] = principal.account
    if record.kind == "user":
        values["aws:username"] = record.name
        values["aws:PrincipalType"] = "User"
    else:
        values["aws:PrincipalType"] = "AssumedRole"
    for key, value in record.tags:
        values[f"aws:PrincipalTag/{key}"] = value
    try:
        return RequestContext(values)
    except ValueError:  # two tags differing only in case: leave the tags out
        return RequestContext({k: v for k, v in values.items() if not k.startswith("aws:PrincipalTag/")})


def pattern_matches(pattern: str, arn: str, ctx: RequestContext | None) -> bool:
    """Whether a Resource pattern names ``arn``; variables are substituted from ``ctx``."""
    if has_variables(pattern):
        if ctx is None:
            return False
        pieces = substitute_pieces(pattern, ctx)
        return pieces is not None and compile_arn_pieces(pieces).fullmatch(arn) is not None
    return arn_pattern_matches(pattern, arn)


def covers(grant: Grant, arn: str, ctx: RequestContext | None) -> bool:
    """Whether the grant's resources include ``arn``."""
    if grant.not_resources:
        return not any(pattern_matches(p, arn, ctx) for p in grant.not_resources)
    return any(pattern_matches(p, arn, ctx) for p in grant.resources)


_DENIES = object()


def _denies(permissions: PolicySet, action: str) -> tuple[CompiledStatement, ...]:
    """The Deny statements of the identity policies that cover ``action`` (cached)."""
    key = (_DENIES, action)
    found = cast(tuple[CompiledStatement, ...] | None, permissions.memo.get(key))
    if found is None:
        found = tuple(
            st
            for p in permissions.policies
            if has_deny(p.policy)  # compiling a policy costs more than this look
            for st in compile_policy(p.policy, p.label).for_action(action)
            if not st.allow
        )
        permissions.memo[key] = found
    return found


def has_deny(policy: Policy) -> bool:
    """Whether a Deny statement of the policy covers some action."""
    return any(
        st.effect == "Deny" and (st.action is not None or st.not_action is not None)
        for st in policy.statements
    )


def allowed_on(
    permissions: PolicySet,
    record: PrincipalRecord,
    action: str,
    arn: str,
    grants: Collection[Grant],
    ctx: RequestContext | None,
    extra: Mapping[str, str] | None = None,
) -> bool:
    """Whether the grants allow ``action`` on one concrete ARN, exactly.

    Covering Allow patterns are exact. :class:`PolicySet` intersects Deny statements and boundaries
    with them only approximately, so when a Deny names this ARN, or a boundary is in play, the
    request is decided by :func:`polp.iam.evaluate.evaluate`. An implicit denial there only counts
    when every covering grant is unconditional: conditions polp cannot know stay possible (they
    lower confidence). :func:`allowed_among` answers the same question for many ARNs at once.
    """
    covering = [g for g in grants if covers(g, arn, ctx)]
    if not covering:
        return False
    asking = _Asking(permissions, record, action, ctx, extra)
    if asking.unbounded and not any(st.matches_resource(arn, asking.context()) for st in asking.denies):
        return True
    decision = asking.decide(arn)
    if decision.allowed:
        return True
    return decision.decision == "ImplicitlyDenied" and any(not g.unconditional for g in covering)


class _Asking:
    """One principal asking for one action with one context, on any number of ARNs."""

    __slots__ = (
        "_context",
        "_decisions",
        "_signature",
        "action",
        "ctx",
        "denies",
        "extra",
        "permissions",
        "record",
        "unbounded",
    )

    def __init__(
        self,
        permissions: PolicySet,
        record: PrincipalRecord,
        action: str,
        ctx: RequestContext | None,
        extra: Mapping[str, str] | None,
    ) -> None:
        self.permissions = permissions
        self.record = record
        self.action = action
        self.ctx = ctx
        self.extra = extra
        self.unbounded = not permissions.boundary and not permissions.scps
        self.denies = _denies(permissions, action) if self.unbounded else ()
        self._context: RequestContext | None = None
        self._decisions: dict[tuple[object, ...], Decision] = {}
        self._signature: tuple[CompiledStatement, ...] | None = None

    def context(self) -> RequestContext:
        """The request context (built once: merging contexts is the costly part of a request)."""
        if self._context is None:
            context = self.ctx or RequestContext({})
            if self.extra:
                context = context.merged(dict(self.extra))
            self._context = context
        return self._context

    def statements(self) -> tuple[CompiledStatement, ...] | None:
        """Every statement that may take part in deciding the action, when the decision depends on
        the ARN only through their Resource elements and its account; ``None`` otherwise."""
        if self._signature is None:
            action = self.action.lower()
            permissions = self.permissions
            found: list[CompiledStatement] = []
            policies = [*permissions.policies, *permissions.boundary[:1]]
            for sourced in policies:
                found.extend(compile_policy(sourced.policy, sourced.label).for_action(action))
            if action.startswith(("sts:", "kms:")) or any(st.variable_resources for st in found):
                return None
            self._signature = tuple(found)
        return self._signature

    def decide(self, arn: str) -> Decision:
        """:func:`evaluate` of the request on ``arn``; requests that no statement tells apart (the
        same account, the same Resource matches) share one decision."""
        statements = self.statements()
        key: tuple[object, ...] | None = None
        if statements is not None:
            context = self.context()
            key = (_account(arn), *(st.matches_resource(arn, context) for st in statements))
            found = self._decisions.get(key)
            if found is not None:
                return found
        permissions = self.permissions
        principal = request_principal(self.record)
        request = Request(
            principal=principal or RequestPrincipal("AWS", f"arn:aws:iam::{_account(arn)}:role/polp"),
            action=self.action,
            resource=arn,
            context=self.context(),
            identity_policies=tuple(p.policy for p in permissions.policies),
            permission_boundary=permissions.boundary[0].policy if permissions.boundary else None,
        )
        decision = evaluate(request)
        if key is not None:
            self._decisions[key] = decision
        return decision


class Pool:
    """A fixed list of principals to ask about, with the ones each Resource pattern names kept as a
    bit mask (bit ``i`` is ``subjects[i]``), so that a pattern is matched against the list once."""

    def __init__(self, subjects: Sequence[Subject]) -> None:
        self.subjects = tuple(subjects)
        self.arns = tuple(s.record.arn for s in self.subjects)
        self.full = (1 << len(self.arns)) - 1
        self._patterns: dict[object, int] = {}
        self._accounts: dict[str | None, int] = {}
        self._members: dict[int, tuple[Subject, ...]] = {}
        self._arn_lists: dict[int, list[str]] = {}
        self._by_account: dict[str, int] | None = None
        self._by_arn: dict[str, int] = {}
        for i, arn in enumerate(self.arns):
            self._by_arn[arn] = self._by_arn.get(arn, 0) | 1 << i

    def __len__(self) -> int:
        return len(self.arns)

    def by_account(self) -> dict[str, int]:
        """The members by the account of their ARN (``000000000000`` when it has none)."""
        if self._by_account is None:
            found: dict[str, int] = {}
            for i, arn in enumerate(self.arns):
                account = _account(arn)
                found[account] = found.get(account, 0) | 1 << i
            self._by_account = found
        return self._by_account

    def bit(self, arn: str) -> int:
        """The members with this ARN."""
        return self._by_arn.get(arn, 0)

    def same_account(self, record: PrincipalRecord) -> int:
        """The members :func:`same_account` with ``record``."""
        account = record.account
        if account in (None, "aws"):
            return self.full
        found = self._accounts.get(account)
        if found is None:
            found = 0
            for i, subject in enumerate(self.subjects):
                other = subject.record.account
                if other in (None, "aws") or other == account:
                    found |= 1 << i
            self._accounts[account] = found
        return found

    def in_account(self, account: str | None) -> int:
        """The members of ``account`` (every member for ``None``)."""
        if account is None:
            return self.full
        key = ("in", account)
        found = self._patterns.get(key)
        if found is None:
            found = 0
            for i, subject in enumerate(self.subjects):
                if subject.record.account == account:
                    found |= 1 << i
            self._patterns[key] = found
        return found

    def named(self, pattern: str, ctx: RequestContext | None) -> int:
        """The members whose ARN the Resource pattern names (:func:`pattern_matches`)."""
        if has_variables(pattern):
            if ctx is None:
                return 0
            pieces = substitute_pieces(pattern, ctx)
            if pieces is None:
                return 0
            key: object = pieces
            found = self._patterns.get(key)
            if found is None:
                regex = compile_arn_pieces(pieces)
                found = self._mask(lambda arn: regex.fullmatch(arn) is not None)
                self._remember(key, found)
            return found
        found = self._patterns.get(pattern)
        if found is None:
            match = compile_arns((pattern,))
            found = self._mask(match)
            self._remember(pattern, found)
        return found

    def named_any(self, patterns: Iterable[str], ctx: RequestContext | None) -> int:
        """The members whose ARN one of the Resource patterns names (:meth:`named`)."""
        found = 0
        for pattern in patterns:
            found |= self.named(pattern, ctx)
        return found

    def covered(self, grant: Grant, ctx: RequestContext | None) -> int:
        """The members the grant covers (:func:`covers`)."""
        if grant.not_resources:
            return self.full & ~self.named_any(grant.not_resources, ctx)
        return self.named_any(grant.resources, ctx)

    def members(self, mask: int) -> tuple[Subject, ...]:
        """The members in ``mask``, in the pool's order (the same tuple for the same mask)."""
        found = self._members.get(mask)
        if found is None:
            found = tuple(_selected(self.subjects, mask))
            if len(self._members) >= 64:  # the masks of one principal's hits, mostly
                self._members.clear()
            self._members[mask] = found
        return found

    def arns_of(self, mask: int) -> list[str]:
        """The ARNs of the members in ``mask``, in the pool's order. The same list for the same mask
        (reports share it): never modify it."""
        found = self._arn_lists.get(mask)
        if found is None:
            found = list(_selected(self.arns, mask))
            if len(self._arn_lists) >= 64:
                self._arn_lists.clear()
            self._arn_lists[mask] = found
        return found

    def sorted_arns(self, mask: int) -> list[str]:
        """The distinct ARNs of the members in ``mask``, sorted (shared like :meth:`arns_of`)."""
        key = ~mask  # beside arns_of's entries: masks are never negative
        found = self._arn_lists.get(key)
        if found is None:
            found = sorted(dict.fromkeys(self.arns_of(mask)))
            if len(self._arn_lists) >= 64:
                self._arn_lists.clear()
            self._arn_lists[key] = found
        return found

    def bits(self, mask: int) -> Iterator[tuple[int, Subject]]:
        """``(bit, member)`` for each member in ``mask``, in the pool's order."""
        subjects = self.subjects
        for i in set_bits(mask):
            yield 1 << i, subjects[i]

    def with_names(self, names: Collection[str]) -> int:
        """The members whose record is named one of ``names``."""
        wanted = set(names)
        found = 0
        for i, subject in enumerate(self.subjects):
            if subject.record.name in wanted:
                found |= 1 << i
        return found

    def _mask(self, test: Callable[[str], bool]) -> int:
        found = 0
        for i, arn in enumerate(self.arns):
            if test(arn):
                found |= 1 << i
        return found

    def _remember(self, key: object, mask: int) -> None:
        if len(self._patterns) >= 1 << 14:
            self._patterns.clear()
        self._patterns[key] = mask


def allowed_among(
    pool: Pool,
    candidates: int,
    permissions: PolicySet,
    record: PrincipalRecord,
    action: str,
    grants: Collection[Grant],
    ctx: RequestContext | None,
    extra: Mapping[str, str] | None = None,
) -> int:
    """The members of ``candidates`` (a mask of ``pool``) on whose ARN :func:`allowed_on` allows
    ``action`` with these grants."""
    covering = 0
    conditional = 0
    for grant in grants:
        mask = pool.covered(grant, ctx) & candidates
        covering |= mask
        if not grant.unconditional:
            conditional |= mask
    if not covering:
        return 0
    asking = _Asking(permissions, record, action, ctx, extra)
    allowed = 0
    undecided = covering
    if asking.unbounded:
        if not asking.denies:
            return covering
        denied = 0
        per_member: list[CompiledStatement] = []
        for statement in asking.denies:
            named = _resource_mask(pool, statement)
            if named is None:
                per_member.append(statement)
            else:
                denied |= named
        denied &= covering
        if per_member:
            context = asking.context()
            for bit, arn in _bits(pool, covering & ~denied):
                if any(st.matches_resource(arn, context) for st in per_member):
                    denied |= bit
        allowed = covering & ~denied
        undecided = denied
    statements = asking.statements() if undecided else None
    if statements is not None and not any("${" in p for st in statements for p in st.resource_patterns or ()):
        # Members no statement tells apart (same account, same Resource matches) get one decision:
        # ask once per part of that partition instead of once per member.
        for part in _partition(pool, undecided, statements):
            decision = asking.decide(pool.arns[(part & -part).bit_length() - 1])
            if decision.allowed:
                allowed |= part
            elif decision.decision == "ImplicitlyDenied":
                allowed |= part & conditional
        return allowed
    for bit, arn in _bits(pool, undecided):
        decision = asking.decide(arn)
        if decision.allowed or (decision.decision == "ImplicitlyDenied" and conditional & bit):
            allowed |= bit
    return allowed


def _resource_mask(pool: Pool, statement: CompiledStatement) -> int | None:
    """The members whose ARN the statement's Resource (or NotResource) element covers, as
    :meth:`CompiledStatement.matches_resource` decides it; ``None`` when a pattern writes ``${``
    (a policy variable: the answer depends on the request)."""
    patterns = statement.resource_patterns
    if patterns is None:
        return pool.full  # no Resource element: every resource
    if any("${" in p for p in patterns):
        return None
    named = pool.named_any(patterns, None)
    return pool.full & ~named if statement.resource_negated else named


def _partition(pool: Pool, mask: int, statements: Sequence[CompiledStatement]) -> list[int]:
    """``mask`` cut into the parts whose members have the same account and the same Resource match
    for every statement (statements without policy variables in their Resource element)."""
    parts = [mask & m for m in pool.by_account().values() if mask & m]
    for statement in statements:
        patterns = statement.resource_patterns
        if patterns is None:
            continue  # matches every resource
        named = pool.named_any(patterns, None)
        split: list[int] = []
        for part in parts:
            inside = part & named
            if inside:
                split.append(inside)
            if inside != part:
                split.append(part & ~named)
        parts = split
    return parts


#: Bit characters of ``bin()`` (reversed) to the bytes 0 and 1, for :func:`itertools.compress`.
_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def _selected(items: Sequence[T], mask: int) -> Iterator[T]:
    """The items whose bit is set in ``mask``, in order (at C speed: masks cover thousands)."""
    return compress(items, bin(mask)[:1:-1].encode().translate(_FLAGS))


def set_bits(mask: int) -> Iterator[int]:
    """The indices of the bits set in ``mask``, in increasing order (one search per set bit: the
    masks of edges and candidates are sparse)."""
    flags = bin(mask)[:1:-1]  # bit i is flags[i]
    i = flags.find("1")
    while i >= 0:
        yield i
        i = flags.find("1", i + 1)


def _bits(pool: Pool, mask: int) -> Iterator[tuple[int, str]]:
    arns = pool.arns
    for i in set_bits(mask):
        yield 1 << i, arns[i]


def _account(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else "000000000000"


def concrete(pattern: str, ctx: RequestContext | None) -> str | None:
    """The one ARN a pattern names once variables are substituted; ``None`` if it has wildcards."""
    if has_variables(pattern):
        if ctx is None:
            return None
        pieces = substitute_pieces(pattern, ctx)
        if pieces is None or any(wild for wild, _ in pieces):
            return None
        return "".join(text for _, text in pieces)
    return None if has_wildcard(pattern) else pattern


def conditional(grants: Collection[Grant]) -> bool:
    """True when no grant holds without conditions."""
    return all(not g.unconditional for g in grants)


def condition_keys(grants: Collection[Grant]) -> tuple[str, ...]:
    return tuple(sorted({k for g in grants for k in g.condition_keys}))


def statements_of(grants: Collection[Grant]) -> list[str]:
    """``policy: statement`` labels, unique, in order (for ``details``)."""
    seen: dict[str, None] = {}
    for grant in grants:
        handle = grant.source.handle
        policy = handle.label if isinstance(handle, PolicyRef) else grant.source.policy
        seen.setdefault(f"{policy}: {grant.source.statement}", None)
    return list(seen)
