"""Who can assume which role, inside one inventory, and the shortest way to a privileged role.

An edge A → R exists when :func:`polp.iam.evaluate.evaluate` allows A's ``sts:AssumeRole`` on R with
A's identity policies, A's permissions boundary and R's trust policy. The request carries what is
known about A (its ARN, account, tags); conditions on anything else (MFA, source IP, an external
ID) are not met, so such edges are left out.

Cost stays near the number of real edges: trust policies are indexed by the principals they name
(an ARN, an account, everyone), so only roles that could trust A are evaluated, and a role is only
a candidate when A's identity grants cover it or its trust names A itself (which needs no identity
permission in the same account). Decisions that depend only on the policy set and the account are
shared between principals. Distances to the nearest privileged role come from one breadth-first
search over the reversed edges, so every principal's path is known after one pass.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable

from polp.checks.interface import AuditContext, Subject
from polp.checks.rules._grants import (
    Pool,
    covers_action,
    has_deny,
    live_grants,
    principal_context,
    request_principal,
    set_bits,
)
from polp.iam.arn import parse_arn
from polp.iam.context import EMPTY_CONTEXT, RequestContext
from polp.iam.evaluate import CompiledStatement, Decision, compile_policy, evaluate
from polp.iam.model import Policy, Statement
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request

MAX_HOPS = 6
_NONE: array[int] = array("i")  # no edges (shared: never modified)
_Key = tuple[str, str, str]  # account, "user" | "role", name


def _entity_key(arn: str) -> _Key | None:
    parsed = parse_arn(arn)
    if parsed is None or not parsed.account:
        return None
    kind, _, rest = parsed.resource.partition("/")
    if kind == "assumed-role":
        return (parsed.account, "role", rest.split("/", 1)[0])
    if kind in ("user", "role"):
        return (parsed.account, kind, rest.rsplit("/", 1)[-1])
    return None


def _mask(indices: Iterable[int]) -> int:
    found = 0
    for i in indices:
        found |= 1 << i
    return found


def _assume_statement(statement: Statement) -> bool:
    return covers_action(statement, "sts:AssumeRole")


def _trust_class(policy: Policy) -> object:
    """What decides a trust policy's answer whatever role it is on: its statements without their Sids
    and places. ``None`` when a statement has a Resource element (the answer then depends on the role)."""
    parts: list[object] = [policy.version]
    for st in policy.statements:
        if st.resource is not None or st.not_resource is not None:
            return None
        conditions = tuple(
            (c.operator, c.key, c.values, c.base, c.qualifier, c.if_exists) for c in st.condition
        )
        parts.append((st.effect, st.principal, st.not_principal, st.action, st.not_action, conditions))
    return tuple(parts)


def _account_value(value: str) -> bool:
    """An AWS principal value that names a whole account: its id or its root ARN."""
    if len(value) == 12 and value.isdigit():
        return True
    parts = value.split(":")
    return (
        len(parts) == 6 and parts[2] == "iam" and parts[3] == "" and parts[5] == "root" and "*" not in value
    )


class AssumeGraph:
    def __init__(self, context: AuditContext, privileged: Callable[[Subject], bool]) -> None:
        self.context = context
        self.now = context.now_epoch
        self.nodes = [s for s in context.subjects if s.record.kind in ("user", "role")]
        self.index = {s.record.arn: i for i, s in enumerate(self.nodes)}
        self.pool = Pool(self.nodes)
        self.by_entity: dict[_Key, list[int]] = {}
        self.by_account: dict[str, list[int]] = {}
        self.anyone: list[int] = []
        #: Roles whose decision may depend on who exactly asks (conditions, denies, named ARNs).
        self.sensitive: set[int] = set()
        self._index_trust()
        self._sensitive_mask = 0
        for i in self.sensitive:
            self._sensitive_mask |= 1 << i
        self._account_masks = {a: _mask(found) for a, found in self.by_account.items()}
        self._anyone_mask = _mask(self.anyone)
        self._classes: dict[int, object] = {}
        self._class_numbers: dict[object, int] = {}
        #: Roles whose trusts read the same, in one account: (trust class, account) -> mask.
        self._class_groups: dict[tuple[object, str | None], int] = {}
        for j, node in enumerate(self.nodes):
            if node.record.kind == "role":
                trust_class = self._class(j)
                if trust_class is not None:
                    group = (trust_class, node.record.account)
                    self._class_groups[group] = self._class_groups.get(group, 0) | 1 << j
        self._memo: dict[tuple[object, ...], bool] = {}
        self._trust_memo: dict[tuple[object, ...], Decision] = {}
        self._levels: dict[object, bool] = {}
        self.out = [self._edges(i) for i in range(len(self.nodes))]
        self.dist, self.next = self._distances(privileged)

    def _index_trust(self) -> None:
        for i, node in enumerate(self.nodes):
            trust = node.record.trust_policy
            if node.record.kind != "role" or trust is None or trust.policy is None:
                continue
            for statement in trust.policy.statements:
                if statement.effect == "Deny" or (statement.condition and _assume_statement(statement)):
                    self.sensitive.add(i)
                if statement.effect != "Allow" or not _assume_statement(statement):
                    continue
                if statement.not_principal is not None:
                    self.anyone.append(i)
                    self.sensitive.add(i)
                    continue
                if statement.principal is None:
                    continue
                for kind, value in statement.principal.items():
                    if kind == "*" or (kind == "AWS" and value == "*"):
                        self.anyone.append(i)
                        self.sensitive.add(i)
                    elif kind == "AWS" and len(value) == 12 and value.isdigit():
                        self.by_account.setdefault(value, []).append(i)
                    elif kind == "AWS" and value.endswith(":root"):
                        parsed = parse_arn(value)
                        if parsed is not None and parsed.account:
                            self.by_account.setdefault(parsed.account, []).append(i)
                    elif kind == "AWS":
                        key = _entity_key(value)
                        if key is not None:
                            self.by_entity.setdefault(key, []).append(i)
                            self.sensitive.add(i)

    def _class(self, j: int) -> object:
        """The trust class of role ``j`` (see :func:`_trust_class`), computed once per role, as a
        small number: classes key many look-ups, and a class itself is a deep tuple to hash."""
        if j not in self._classes:
            trust = self.nodes[j].record.trust_policy
            found = _trust_class(trust.policy) if trust is not None and trust.policy else None
            self._classes[j] = (
                None if found is None else self._class_numbers.setdefault(found, len(self._class_numbers))
            )
        return self._classes[j]

    def _edges(self, i: int) -> array[int]:
        source = self.nodes[i]
        record = source.record
        principal = request_principal(record)
        key = _entity_key(record.arn)
        if principal is None or key is None:
            return _NONE
        named = _mask((*self.by_entity.get(key, ()), *self.anyone))
        grants = live_grants(source.permissions, "sts:AssumeRole", self.now)
        if not named and not grants:
            return _NONE
        ctx = principal_context(record)
        pool = self.pool
        covered = [pool.covered(g, ctx) for g in grants]
        simple = all(g.unconditional and "${" not in "".join(g.resources + g.not_resources) for g in grants)
        # Without a boundary or a Deny on sts:AssumeRole, a trust that delegates to the whole account
        # leaves the decision to the identity statements that cover the role: targets covered by the
        # same statements get the same answer, and unconditional ones are simply allowed.
        identity_deny = any(
            not st.allow
            for p in source.permissions.policies
            if has_deny(p.policy)  # compiling a policy costs more than this look
            for st in compile_policy(p.policy, p.label).for_action("sts:AssumeRole")
        )
        no_deny = not source.permissions.boundary and not identity_deny
        account = key[0]
        covering_any = 0
        for mask in covered:
            covering_any |= mask
        candidates = named | self._account_masks.get(account, 0) | self._anyone_mask
        # A role is a candidate when the identity grants cover it or its trust names the principal.
        candidates &= (named | covering_any) & ~(1 << i)
        delegated = pool.in_account(account) & ~self._sensitive_mask
        edges = 0
        if no_deny and simple:
            edges = candidates & delegated
            candidates &= ~delegated
        # The roles left to evaluate one by one: let their trusts decide first, once per class.
        evaluated = candidates
        if no_deny:
            evaluated &= ~delegated
        if simple:
            evaluated &= self._sensitive_mask
        if evaluated:
            for (trust_class, _), group in self._class_groups.items():
                members = evaluated & group
                if not members:
                    continue
                first = self.nodes[(members & -members).bit_length() - 1]
                decided = self._trust_decides(source, principal, ctx, first, trust_class, no_deny)
                if decided is None:
                    continue  # the identity policies decide: one by one below
                if decided:
                    edges |= members
                candidates &= ~members
        statements: tuple[CompiledStatement, ...] | None = None
        for bit, target in pool.bits(candidates):
            j = bit.bit_length() - 1
            if delegated & bit and no_deny:
                covering = tuple(k for k, mask in enumerate(covered) if mask & bit)
                memo: tuple[object, ...] = (record.arn, covering)
            elif simple and not self._sensitive_mask & bit:
                memo = (id(source.permissions), account, j)
            else:
                trust_class = self._class(j)
                if trust_class is not None:
                    decided = self._trust_decides(source, principal, ctx, target, trust_class, no_deny)
                    if decided is not None:
                        if decided:
                            edges |= bit
                        continue
                if statements is None:
                    statements = self._identity_statements(source)
                if trust_class is None or statements is None:
                    memo = (record.arn, j)
                else:
                    # Roles whose trusts read the same and that the identity statements tell
                    # apart by nothing but their account get the same answer.
                    arn = target.record.arn
                    bits = tuple(st.matches_resource(arn, EMPTY_CONTEXT) for st in statements)
                    memo = (record.arn, trust_class, target.record.account, bits)
            allowed = self._memo.get(memo)
            if allowed is None:
                allowed = self._evaluate(source, principal, ctx, target)
                self._memo[memo] = allowed
            if allowed:
                edges |= bit
        return array("i", set_bits(edges))

    def _trust_decides(
        self,
        source: Subject,
        principal: RequestPrincipal,
        ctx: RequestContext | None,
        target: Subject,
        trust_class: object,
        no_deny: bool,
    ) -> bool | None:
        """The answer when the target's trust alone settles it, without the source's own policies.

        The trust's statements apply to the request whatever the identity policies are. Asked with
        no identity policy: a Deny, or no Allow for the principal (an implicit denial put down to
        the trust), denies the real request too; an Allow on its own allows the real request when no
        boundary or identity Deny could take it back. ``None``: the identity policies decide.
        """
        who: object = source.record.arn
        if principal.kind == "AWS" and self._account_level(trust_class, target):
            who = (principal.partition, principal.account)  # every principal of an account alike
        key = ("trust", who, trust_class, target.record.account)
        decision = self._trust_memo.get(key)
        if decision is None:
            trust = target.record.trust_policy
            assert trust is not None and trust.policy is not None  # a class needs a trust policy
            decision = self._trust_memo[key] = evaluate(
                Request(
                    principal=principal,
                    action="sts:AssumeRole",
                    resource=target.record.arn,
                    context=ctx if ctx is not None else RequestContext({}),
                    resource_policy=trust.policy,
                )
            )
        if decision.decision == "ExplicitlyDenied":
            return False
        if decision.decision == "ImplicitlyDenied":
            if decision.reasons and decision.reasons[0].policy_type == "resource":
                return False  # the trust does not allow this principal
            return None
        return True if no_deny else None

    def _account_level(self, trust_class: object, target: Subject) -> bool:
        """Whether trusts of this class answer every AWS principal of one account alike: no
        condition, no NotPrincipal, and AWS principals named only as ``*``, an account or its root
        (so a principal is matched by its account alone, whatever its name or type)."""
        found = self._levels.get(trust_class)
        if found is None:
            trust = target.record.trust_policy
            assert trust is not None and trust.policy is not None  # a class needs a trust policy
            found = self._levels[trust_class] = all(
                not st.condition
                and st.not_principal is None
                and all(
                    kind != "AWS" or value == "*" or _account_value(value)
                    for kind, value in (st.principal.items() if st.principal is not None else ())
                )
                for st in trust.policy.statements
            )
        return found

    @staticmethod
    def _identity_statements(source: Subject) -> tuple[CompiledStatement, ...] | None:
        """The identity and boundary statements about ``sts:AssumeRole``; ``None`` when one of them
        names resources through policy variables (its answer then depends on more than the ARN)."""
        permissions = source.permissions
        found: list[CompiledStatement] = []
        for sourced in (*permissions.policies, *permissions.boundary[:1]):
            found.extend(compile_policy(sourced.policy, sourced.label).for_action("sts:AssumeRole"))
        if any(st.variable_resources for st in found):
            return None
        return tuple(found)

    @staticmethod
    def _evaluate(
        source: Subject, principal: RequestPrincipal, ctx: RequestContext | None, target: Subject
    ) -> bool:
        trust = target.record.trust_policy
        boundary = source.permissions.boundary
        request = Request(
            principal=principal,
            action="sts:AssumeRole",
            resource=target.record.arn,
            context=ctx if ctx is not None else RequestContext({}),
            identity_policies=tuple(p.policy for p in source.permissions.policies),
            resource_policy=trust.policy if trust is not None else None,
            permission_boundary=boundary[0].policy if boundary else None,
        )
        return evaluate(request).allowed

    def _distances(self, privileged: Callable[[Subject], bool]) -> tuple[dict[int, int], dict[int, int]]:
        reverse: dict[int, list[int]] = {}
        for i, targets in enumerate(self.out):
            for j in targets:
                reverse.setdefault(j, []).append(i)
        dist: dict[int, int] = {}
        nxt: dict[int, int] = {}
        queue: deque[int] = deque()
        for j, node in enumerate(self.nodes):
            if node.record.kind == "role" and j in reverse and privileged(node):
                dist[j] = 0
                queue.append(j)
        while queue:
            j = queue.popleft()
            if dist[j] >= MAX_HOPS - 1:
                continue
            for i in reverse.get(j, ()):
                if i not in dist:
                    dist[i] = dist[j] + 1
                    nxt[i] = j
                    queue.append(i)
        return dist, nxt

    def path(self, subject: Subject) -> list[Subject] | None:
        """The shortest chain from ``subject`` to a privileged role (the subject first)."""
        i = self.index.get(subject.record.arn)
        if i is None:
            return None
        reachable = [j for j in self.out[i] if j in self.dist]
        if not reachable:
            return None
        j = min(reachable, key=lambda k: (self.dist[k], k))
        chain = [subject, self.nodes[j]]
        while self.dist[j] > 0:
            j = self.next[j]
            chain.append(self.nodes[j])
        return chain


_GRAPH: tuple[AuditContext, AssumeGraph] | None = None


def graph_for(context: AuditContext, privileged: Callable[[Subject], bool]) -> AssumeGraph:
    """The graph of this audit, built on first use (one audit at a time)."""
    global _GRAPH
    if _GRAPH is None or _GRAPH[0] is not context:
        _GRAPH = (context, AssumeGraph(context, privileged))
    return _GRAPH[1]
