"""The batched and shared answers of the access checks against the one-request-at-a-time answers.

``allowed_among`` (masks over a pool of principals) must agree with the exact one-ARN question, and the
assume-role graph (trust classes, trust-only decisions, memos) with evaluating every pair.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from rule_kit import ACCOUNT, NOW, OTHER, allow, deny, doc, role, user

from polp.audit.engine import build_subjects
from polp.checks.interface import AuditContext, Subject
from polp.checks.rules._assume_graph import AssumeGraph, _entity_key
from polp.checks.rules._grants import (
    Pool,
    allowed_among,
    covers,
    live_grants,
    principal_context,
    request_principal,
)
from polp.iam.context import RequestContext
from polp.iam.evaluate import compile_policy, evaluate
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.inventory import Inventory, PrincipalRecord

_ROLES = [f"r{i}" for i in range(8)]
_USERS = [f"u{i}" for i in range(4)]
_SERVICES = ["ec2.amazonaws.com", "lambda.amazonaws.com"]


def _condition(rng: random.Random) -> dict[str, Any] | None:
    return rng.choice(
        [
            None,
            None,
            {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}},
            {"StringEquals": {"aws:PrincipalTag/team": "a"}},
            {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/r1*"}},
            {"StringEquals": {"aws:username": "u1"}},
            {"StringEquals": {"iam:PassedToService": rng.choice(_SERVICES)}},
            {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
        ]
    )


def _resource(rng: random.Random) -> str:
    return rng.choice(
        [
            "*",
            f"arn:aws:iam::{ACCOUNT}:role/{rng.choice(_ROLES)}",
            f"arn:aws:iam::{ACCOUNT}:role/r1*",
            f"arn:aws:iam::{ACCOUNT}:role/*",
            f"arn:aws:iam::{ACCOUNT}:role/${{aws:PrincipalTag/team}}*",
            f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
        ]
    )


def _statement(rng: random.Random) -> dict[str, Any]:
    make = allow if rng.random() < 0.8 else deny
    found = make(rng.choice(["iam:PassRole", "sts:AssumeRole", "iam:*", "sts:*"]), _resource(rng))
    condition = _condition(rng)
    if condition is not None and rng.random() < 0.4:
        found["Condition"] = condition
    return found


def _trust(rng: random.Random) -> dict[str, Any]:
    statements = []
    for _ in range(rng.randint(1, 2)):
        principal = rng.choice(
            [
                {"Service": rng.choice(_SERVICES)},
                {"AWS": ACCOUNT},
                {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                {"AWS": OTHER},
                {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{rng.choice(_ROLES)}"},
                {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{rng.choice(_USERS)}"},
                "*",
                {"AWS": "*"},
            ]
        )
        statement: dict[str, Any] = {
            "Effect": "Allow" if rng.random() < 0.85 else "Deny",
            "Principal": principal,
            "Action": rng.choice(["sts:AssumeRole", "sts:*"]),
        }
        condition = _condition(rng)
        if condition is not None:
            statement["Condition"] = condition
        statements.append(statement)
    return doc(*statements)


def _inventory(seed: int) -> Inventory:
    rng = random.Random(seed)
    principals: list[PrincipalRecord] = []
    for name in _ROLES:
        policies = [doc(*(_statement(rng) for _ in range(rng.randint(1, 3))))]
        boundary = doc(allow("*")) if rng.random() < 0.15 else None
        tags = (("team", rng.choice(["a", "r1"])),) if rng.random() < 0.5 else ()
        principals.append(role(name, *policies, trust=_trust(rng), boundary=boundary, tags=tags))
    for name in _USERS:
        principals.append(user(name, doc(*(_statement(rng) for _ in range(rng.randint(1, 3))))))
    return Inventory(principals=tuple(principals))


def _reference_allowed_on(
    subject: Subject, action: str, arn: str, ctx: RequestContext | None, extra: dict[str, str]
) -> bool:
    """The one-ARN answer as first written: covering grants, no Deny or boundary in the way, else
    the evaluator."""
    permissions = subject.permissions
    grants = live_grants(permissions, action, NOW)
    covering = [g for g in grants if covers(g, arn, ctx)]
    if not covering:
        return False
    context = (ctx or RequestContext({})).merged(extra)
    denies = [
        st
        for p in permissions.policies
        for st in compile_policy(p.policy, p.label).for_action(action)
        if not st.allow
    ]
    if (
        not permissions.boundary
        and not permissions.scps
        and not any(st.matches_resource(arn, context) for st in denies)
    ):
        return True
    principal = request_principal(subject.record)
    request = Request(
        principal=principal or RequestPrincipal("AWS", f"arn:aws:iam::{ACCOUNT}:role/polp"),
        action=action,
        resource=arn,
        context=context,
        identity_policies=tuple(p.policy for p in subject.permissions.policies),
        permission_boundary=subject.permissions.boundary[0].policy if subject.permissions.boundary else None,
    )
    decision = evaluate(request)
    return decision.allowed or (
        decision.decision == "ImplicitlyDenied" and any(not g.unconditional for g in covering)
    )


@pytest.mark.parametrize("seed", range(25))
def test_allowed_among_is_allowed_on_for_each_member(seed: int) -> None:
    subjects = build_subjects(_inventory(seed))
    roles = [s for s in subjects if s.record.kind == "role"]
    pool = Pool(roles)
    for subject in subjects:
        ctx = principal_context(subject.record)
        for action in ("iam:PassRole", "sts:AssumeRole"):
            for service in _SERVICES:
                extra = {"iam:PassedToService": service}
                grants = live_grants(subject.permissions, action, NOW)
                found = allowed_among(
                    pool, pool.full, subject.permissions, subject.record, action, grants, ctx, extra
                )
                expected = 0
                for i, target in enumerate(roles):
                    if _reference_allowed_on(subject, action, target.record.arn, ctx, extra):
                        expected |= 1 << i
                assert found == expected, (subject.record.name, action, service)


@pytest.mark.parametrize("seed", range(25))
def test_the_assume_graph_has_the_edges_evaluation_gives(seed: int) -> None:
    inventory = _inventory(seed)
    subjects = build_subjects(inventory)
    context = AuditContext(inventory, subjects, now_epoch=NOW)
    graph = AssumeGraph(context, lambda _subject: False)
    for i, source in enumerate(graph.nodes):
        principal = request_principal(source.record)
        assert principal is not None and _entity_key(source.record.arn) is not None
        ctx = principal_context(source.record)
        boundary = source.permissions.boundary
        expected = set()
        for j, target in enumerate(graph.nodes):
            trust = target.record.trust_policy
            if i == j or target.record.kind != "role" or trust is None or trust.policy is None:
                continue
            request = Request(
                principal=principal,
                action="sts:AssumeRole",
                resource=target.record.arn,
                context=ctx if ctx is not None else RequestContext({}),
                identity_policies=tuple(p.policy for p in source.permissions.policies),
                resource_policy=trust.policy,
                permission_boundary=boundary[0].policy if boundary else None,
            )
            if evaluate(request).allowed:
                expected.add(j)
        assert set(graph.out[i]) == expected, source.record.name


@pytest.mark.parametrize("seed", range(25))
def test_the_roles_a_service_may_assume_are_the_ones_trusts_finds(seed: int) -> None:
    from polp.checks.rules._escalation import Model, trusts

    inventory = _inventory(seed)
    subjects = build_subjects(inventory)
    model = Model(AuditContext(inventory, subjects, now_epoch=NOW))
    for services in [(s,) for s in _SERVICES] + [tuple(_SERVICES), ("EC2.amazonaws.com",), ("none.example",)]:
        expected = [
            r for r in model.roles if any(trusts(r, RequestPrincipal("Service", s)) for s in services)
        ]
        assert model.service_roles(services) == expected, services
