"""Sufficiency: every API call the declared capabilities need is allowed, under the declared conditions.

The calls come from the compiled plan: each action of each Allow statement on each of its resources
(wildcards made concrete), in a request context where the statement's conditions hold (the tags, the
``iam:PassedToService``, the ``s3:prefix``), once per declared network route. When a network is
declared, one call made by an AWS service on the identity's behalf from outside it must be allowed too.
Each call is decided by the evaluator against the actual policies of the principal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from polp.generate.compile import CompiledIdentity, PolicyStatement
from polp.generate.conditions import (
    OUTSIDE_IP,
    network_routes,
    satisfying_context,
    tag_keys_context,
)
from polp.iam.catalog import get_catalog
from polp.iam.context import RequestContext
from polp.iam.evaluate import Decision, evaluate
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.source import DocumentSource
from polp.verify.report import Call, CallOutcome

BASE_CONTEXT: dict[str, object] = {"aws:SecureTransport": "true", "aws:ViaAWSService": "false"}


def concrete(resource: str) -> str:
    return resource.replace("*", "polp-probe").replace("?", "x")


def statement_targets(statement: PolicyStatement) -> Iterator[tuple[str, str]]:
    """(action, concrete resource) for every resource of the statement the action acts on."""
    catalog = get_catalog()
    for action in statement.actions:
        info = catalog.action(action)
        if info is None:
            continue
        for resource in statement.resources:
            if resource == "*" or catalog.resource_types_matching(info, resource):
                yield action, concrete(resource)


def call_context(statement: PolicyStatement, route: Mapping[str, object]) -> dict[str, object] | None:
    satisfied = satisfying_context(statement.conditions)
    if satisfied is None:
        return None
    return {**BASE_CONTEXT, **route, **satisfied, **tag_keys_context(satisfied)}


def capability_calls(compiled: CompiledIdentity) -> tuple[Call, ...]:
    calls: list[Call] = []
    for route_label, route in network_routes(compiled.identity.network):
        for statement in compiled.statements:
            context = call_context(statement, route)
            if context is None or statement.effect != "Allow":
                continue
            for action, resource in statement_targets(statement):
                calls.append(Call(action, resource, context, statement.origin, route_label))
    if compiled.identity.network.declared and calls:
        first = calls[0]
        outside = {
            k: v for k, v in first.context.items() if not k.startswith(("aws:SourceVpc", "aws:VpcSourceIp"))
        }
        outside.update(
            {
                "aws:SourceIp": OUTSIDE_IP,
                "aws:ViaAWSService": "true",
                "aws:CalledVia": ["cloudformation.amazonaws.com"],
            }
        )
        calls.append(
            Call(
                first.action,
                first.resource,
                outside,
                first.origin,
                f"from {OUTSIDE_IP}",
                "made by an AWS service on the identity's behalf (aws:ViaAWSService)",
            )
        )
    return tuple(calls)


def decide(call: Call, principal: str, policies: tuple[Policy, ...], boundary: Policy | None) -> Decision:
    return evaluate(
        Request(
            principal=RequestPrincipal.parse(principal),
            action=call.action,
            resource=call.resource,
            context=RequestContext(call.context),
            identity_policies=policies,
            permission_boundary=boundary,
        )
    )


def expected_policies(compiled: CompiledIdentity) -> tuple[Policy, ...]:
    """The plan's permissions policy, parsed (what the actual policies are compared with)."""
    return (parse_policy_data(compiled.permissions, DocumentSource(name=f"plan:{compiled.name}")),)


def check_sufficiency(
    compiled: CompiledIdentity, principal: str, policies: tuple[Policy, ...], boundary: Policy | None
) -> tuple[CallOutcome, ...]:
    """Each call the plan itself allows, decided against the actual policies."""
    planned = expected_policies(compiled)
    out: list[CallOutcome] = []
    for call in capability_calls(compiled):
        if not decide(call, principal, planned, None).allowed:
            continue  # a call the plan cannot express as a request (kept out rather than misreported)
        out.append(CallOutcome(call, decide(call, principal, policies, boundary)))
    return tuple(out)
