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

from collections import deque
from collections.abc import Callable

from polp.checks.interface import AuditContext, Subject
from polp.checks.rules._grants import covers, live_grants, principal_context, request_principal
from polp.iam.arn import parse_arn
from polp.iam.context import RequestContext
from polp.iam.effective import Grant
from polp.iam.evaluate import compile_policy, evaluate
from polp.iam.matching import action_pattern_matches, compile_arns
from polp.iam.model import Statement
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request

MAX_HOPS = 6
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


def _matcher(grant: Grant, ctx: RequestContext | None) -> Callable[[str], bool]:
    """Whether the grant covers an ARN, with the patterns compiled once."""
    patterns = grant.not_resources or grant.resources
    if "${" in "".join(patterns):
        return lambda arn: covers(grant, arn, ctx)
    match = compile_arns(patterns)
    if grant.not_resources:
        return lambda arn: not match(arn)
    return match


def _assume_statement(statement: Statement) -> bool:
    if statement.action is not None:
        return any(action_pattern_matches(p, "sts:AssumeRole") for p in statement.action)
    return statement.not_action is not None and not any(
        action_pattern_matches(p, "sts:AssumeRole") for p in statement.not_action
    )


class AssumeGraph:
    def __init__(self, context: AuditContext, privileged: Callable[[Subject], bool]) -> None:
        self.context = context
        self.now = context.now_epoch
        self.nodes = [s for s in context.subjects if s.record.kind in ("user", "role")]
        self.index = {s.record.arn: i for i, s in enumerate(self.nodes)}
        self.by_entity: dict[_Key, list[int]] = {}
        self.by_account: dict[str, list[int]] = {}
        self.anyone: list[int] = []
        #: Roles whose decision may depend on who exactly asks (conditions, denies, named ARNs).
        self.sensitive: set[int] = set()
        self._index_trust()
        self._memo: dict[tuple[object, ...], bool] = {}
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

    def _edges(self, i: int) -> list[int]:
        source = self.nodes[i]
        record = source.record
        principal = request_principal(record)
        key = _entity_key(record.arn)
        if principal is None or key is None:
            return []
        named = {*self.by_entity.get(key, ()), *self.anyone}
        grants = live_grants(source.permissions, "sts:AssumeRole", self.now)
        if not named and not grants:
            return []
        ctx = principal_context(record)
        matchers = [_matcher(g, ctx) for g in grants]
        simple = all(g.unconditional and "${" not in "".join(g.resources + g.not_resources) for g in grants)
        # Without a boundary or a Deny on sts:AssumeRole, a trust that delegates to the whole account
        # leaves the decision to the identity statements that cover the role: targets covered by the
        # same statements get the same answer, and unconditional ones are simply allowed.
        no_deny = not source.permissions.boundary and not any(
            not st.allow
            for p in source.permissions.policies
            for st in compile_policy(p.policy, p.label).for_action("sts:AssumeRole")
        )
        account = key[0]
        candidates = dict.fromkeys((*named, *self.by_account.get(account, ()), *self.anyone))
        edges: list[int] = []
        for j in candidates:
            if j == i:
                continue
            target = self.nodes[j]
            covering = tuple(k for k, match in enumerate(matchers) if match(target.record.arn))
            if j not in named and not covering:
                continue
            delegated = j not in self.sensitive and target.record.account == account
            if delegated and no_deny and simple:
                edges.append(j)
                continue
            if delegated and no_deny:
                memo: tuple[object, ...] = (record.arn, covering)
            elif simple and j not in self.sensitive:
                memo = (id(source.permissions), account, j)
            else:
                memo = (record.arn, j)
            allowed = self._memo.get(memo)
            if allowed is None:
                allowed = self._evaluate(source, principal, ctx, target)
                self._memo[memo] = allowed
            if allowed:
                edges.append(j)
        return edges

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
