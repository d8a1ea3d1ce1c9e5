"""Effective permissions (:class:`polp.iam.effective.PolicySet`), and their soundness w.r.t. the evaluator."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polp.iam.context import RequestContext
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.evaluate import evaluate
from polp.iam.matching import compile_arns
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request


def doc(*statements: dict[str, Any]) -> Policy:
    return parse_policy_data({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policy_set(
    *statements: dict[str, Any],
    boundary: list[dict[str, Any]] | None = None,
    scps: list[list[dict[str, Any]]] = (),
) -> PolicySet:  # type: ignore[assignment]
    bounds = [SourcedPolicy(doc(*boundary), "boundary")] if boundary else []
    levels = [[SourcedPolicy(doc(*level), f"scp{i}")] if level else [] for i, level in enumerate(scps)]
    return PolicySet([SourcedPolicy(doc(*statements), "identity")], bounds, levels)


def resources(grants: tuple[Grant, ...]) -> set[str]:
    return {r for g in grants for r in g.resources}


# -- NotAction ------------------------------------------------------------------------------------------


def test_notaction_allow_grants_every_other_action() -> None:
    ps = policy_set({"Sid": "NotIAM", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert ps.grants("iam:CreateUser") == ()
    [grant] = ps.grants("s3:GetObject")
    assert grant.all_resources and grant.unconditional and grant.source.statement == "NotIAM"
    assert ps.allows("ec2:RunInstances")
    assert "iam:CreateUser" not in set(ps.allowed_actions())


def test_notaction_deny_removes_everything_but_the_listed_actions() -> None:
    ps = policy_set(
        allow("*"), {"Effect": "Deny", "NotAction": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
    )
    assert ps.allows("s3:GetObject")
    assert not ps.allows("s3:PutObject")
    assert not ps.allows("iam:CreateUser")


# -- Deny statements ------------------------------------------------------------------------------------


def test_unconditional_deny_removes_the_grant_or_the_denied_resources() -> None:
    ps = policy_set(allow("s3:*"), deny("s3:DeleteBucket"))
    assert ps.grants("s3:DeleteBucket") == ()
    assert ps.allows("s3:CreateBucket")
    two = policy_set(
        allow("s3:GetObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]),
        deny("s3:GetObject", "arn:aws:s3:::b/*"),
    )
    assert resources(two.grants("s3:GetObject")) == {"arn:aws:s3:::c/*"}
    wider = policy_set(allow("s3:GetObject", "arn:aws:s3:::b/private/*"), deny("s3:*", "arn:aws:s3:::b/*"))
    assert wider.grants("s3:GetObject") == ()


def test_a_narrower_deny_leaves_the_grant() -> None:
    # A Deny on part of the granted resources leaves the grant in place (it still allows the rest).
    ps = policy_set(
        allow("s3:GetObject", "arn:aws:s3:::b/*"), deny("s3:GetObject", "arn:aws:s3:::b/secret/*")
    )
    assert resources(ps.grants("s3:GetObject")) == {"arn:aws:s3:::b/*"}
    # "?" is one character, so "b/?" does not cover "b/*" (b/xy is still allowed).
    q = policy_set(allow("s3:GetObject", "arn:aws:s3:::b/*"), deny("s3:GetObject", "arn:aws:s3:::b/?"))
    assert resources(q.grants("s3:GetObject")) == {"arn:aws:s3:::b/*"}
    same = policy_set(allow("s3:GetObject", "arn:aws:s3:::b/?"), deny("s3:GetObject", "arn:aws:s3:::b/?"))
    assert same.grants("s3:GetObject") == ()


def test_conditional_deny_marks_the_grant() -> None:
    ps = policy_set(
        allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Read"),
        deny("s3:*", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
    )
    [grant] = ps.grants("s3:GetObject")
    assert grant.conditionally_denied and not grant.unconditional and grant.source.statement == "Read"
    conditional_allow = policy_set(
        allow("s3:GetObject", "*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    )
    [grant] = conditional_allow.grants("s3:GetObject")
    assert grant.conditional and grant.condition_keys == ("aws:SourceIp",) and not grant.conditionally_denied


def test_deny_in_another_policy_applies() -> None:
    ps = PolicySet(
        [SourcedPolicy(doc(allow("sqs:*")), "a"), SourcedPolicy(doc(deny("sqs:DeleteQueue")), "b")]
    )
    assert not ps.allows("sqs:DeleteQueue")
    assert ps.grants("sqs:SendMessage")[0].source.policy == "a"


# -- NotResource ----------------------------------------------------------------------------------------


def test_notresource_allow_grants_everything_but() -> None:
    ps = policy_set(
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::HRBucket/Payroll/*"}
    )
    [grant] = ps.grants("s3:GetObject")
    assert grant.resources == ("*",) and grant.not_resources == ("arn:aws:s3:::HRBucket/Payroll/*",)
    assert not grant.all_resources
    nothing = policy_set({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*"})
    assert nothing.grants("s3:GetObject") == ()


def test_notresource_deny_keeps_only_the_exceptions() -> None:
    ps = policy_set(
        allow("s3:GetObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]),
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"},
    )
    assert resources(ps.grants("s3:GetObject")) == {"arn:aws:s3:::b/*"}
    everything = policy_set(
        allow("s3:GetObject", "arn:aws:s3:::c/*"),
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"},
    )
    assert everything.grants("s3:GetObject") == ()


# -- Boundaries and SCPs --------------------------------------------------------------------------------


def test_boundary_intersection() -> None:
    ps = policy_set(allow("s3:*"), boundary=[allow("s3:GetObject", "arn:aws:s3:::b/*")])
    assert resources(ps.grants("s3:GetObject")) == {"arn:aws:s3:::b/*"}
    assert ps.grants("s3:PutObject") == ()
    narrower_identity = policy_set(allow("s3:GetObject", "arn:aws:s3:::b/k"), boundary=[allow("s3:*")])
    assert resources(narrower_identity.grants("s3:GetObject")) == {"arn:aws:s3:::b/k"}
    disjoint = policy_set(
        allow("s3:GetObject", "arn:aws:s3:::a/*"), boundary=[allow("s3:*", "arn:aws:s3:::b/*")]
    )
    assert disjoint.grants("s3:GetObject") == ()


def test_boundary_deny_and_conditions() -> None:
    ps = policy_set(allow("s3:*"), boundary=[allow("s3:*"), deny("s3:DeleteBucket")])
    assert not ps.allows("s3:DeleteBucket") and ps.allows("s3:GetObject")
    conditional = policy_set(
        allow("ec2:RunInstances"),
        boundary=[allow("ec2:*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})],
    )
    [grant] = conditional.grants("ec2:RunInstances")
    assert "aws:RequestedRegion" in grant.condition_keys


def test_scp_levels_intersect() -> None:
    ps = policy_set(
        allow("s3:*"), scps=[[allow("*")], [allow(["s3:Get*", "s3:List*"])], [allow("s3:GetObject")]]
    )
    assert ps.allows("s3:GetObject")
    assert not ps.allows("s3:ListBucket")
    assert not ps.allows("s3:PutObject")
    empty_level = policy_set(allow("s3:*"), scps=[[allow("*")], []])
    assert not empty_level.allows("s3:GetObject")
    scp_deny = policy_set(allow("s3:*"), scps=[[allow("*"), deny("s3:PutObject")]])
    assert not scp_deny.allows("s3:PutObject") and scp_deny.allows("s3:GetObject")


def test_boundary_and_scp_together() -> None:
    ps = policy_set(allow(["s3:*", "ec2:*"]), boundary=[allow("s3:*")], scps=[[allow(["ec2:*", "s3:Get*"])]])
    assert ps.allows("s3:GetObject")
    assert not ps.allows("s3:PutObject")  # the SCP does not allow it
    assert not ps.allows("ec2:RunInstances")  # the boundary does not allow it


# -- Resource types -------------------------------------------------------------------------------------


def test_resource_pattern_must_address_the_actions_resource_type() -> None:
    # s3:ListBucket acts on buckets; "arn:aws:s3:::b/*" names objects only.
    assert policy_set(allow("s3:ListBucket", "arn:aws:s3:::b/*")).grants("s3:ListBucket") == ()
    both = policy_set(allow(["s3:ListBucket", "s3:GetObject"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]))
    assert resources(both.grants("s3:ListBucket")) == {"arn:aws:s3:::b"}
    assert resources(both.grants("s3:GetObject")) == {"arn:aws:s3:::b/*"}
    wrong_service = policy_set(allow("sqs:SendMessage", "arn:aws:sns:*:*:topic"))
    assert wrong_service.grants("sqs:SendMessage") == ()


def test_actions_that_only_accept_star() -> None:
    # ecr:GetAuthorizationToken has no resource type: only "Resource": "*" grants it.
    assert (
        policy_set(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:*:*:repository/*")).grants(
            "ecr:GetAuthorizationToken"
        )
        == ()
    )
    [grant] = policy_set(allow("ecr:*")).grants("ecr:GetAuthorizationToken")
    assert grant.all_resources
    assert policy_set(allow("sts:GetCallerIdentity", "arn:aws:*")).grants("sts:GetCallerIdentity") == ()


def test_unknown_actions_and_candidates() -> None:
    ps = policy_set(allow(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/*"))
    assert ps.grants("s3:NoSuchAction") == ()
    assert set(ps.candidate_actions()) == {"s3:GetObject", "s3:ListBucket"}
    assert list(ps.allowed_actions()) == ["s3:GetObject"]


# -- Soundness: what the evaluator allows, the audit view shows -----------------------------------------

ACCOUNT = "111122223333"
PRINCIPAL = RequestPrincipal.parse(f"arn:aws:iam::{ACCOUNT}:user/alice")

#: Concrete requests: an action and resources of its own resource type (or "*" when it has none).
TARGETS: dict[str, list[str]] = {
    "s3:GetObject": [
        "arn:aws:s3:::bkt/k",
        "arn:aws:s3:::bkt/a/b",
        "arn:aws:s3:::logs/x",
        "arn:aws:s3:::b1/k?",
    ],
    "s3:PutObject": ["arn:aws:s3:::bkt/k", "arn:aws:s3:::b1/secret/x"],
    "s3:ListBucket": ["arn:aws:s3:::bkt", "arn:aws:s3:::logs", "arn:aws:s3:::b1"],
    "sqs:SendMessage": [f"arn:aws:sqs:us-east-1:{ACCOUNT}:q1", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:orders"],
    "dynamodb:GetItem": [
        f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t1",
        f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/users",
    ],
    "iam:CreateUser": [f"arn:aws:iam::{ACCOUNT}:user/bob", f"arn:aws:iam::{ACCOUNT}:user/ops/carol"],
    "ec2:TerminateInstances": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"],
    "lambda:InvokeFunction": [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f1",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f1:prod",
    ],
    "ecr:GetAuthorizationToken": ["*"],
    "sts:GetCallerIdentity": ["*"],
}
_ACTION_PATTERNS = st.sampled_from(
    [
        *TARGETS,
        "*",
        "s3:*",
        "s3:Get*",
        "s3:*Object",
        "sqs:*",
        "iam:Create*",
        "ecr:*",
        "?3:GetObject",
        "dynamodb:Get*",
        "lambda:Invoke*",
        "sts:*",
    ]
)
_RESOURCE_PATTERNS = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::bkt",
        "arn:aws:s3:::bkt/*",
        "arn:aws:s3:::b*",
        "arn:aws:s3:::b?/*",
        "arn:aws:s3:::*/k",
        "arn:aws:s3:::bkt/?",
        "arn:aws:s3:::b1/secret/*",
        "arn:aws:s3:::logs*",
        "arn:aws:sqs:*:111122223333:*",
        "arn:aws:sqs:us-east-1:*:q?",
        "arn:aws:sqs:*:*:orders",
        "arn:aws:dynamodb:*:*:table/t*",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/*",
        "arn:aws:iam::*:user/*",
        "arn:aws:iam::111122223333:user/bob",
        "arn:aws:iam::*:user/ops/*",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:lambda:*:*:function:f1",
        "arn:aws:lambda:*:*:function:f1*",
        "arn:aws:*:*:*:*",
        "arn:aws:*",
        "arn:aws:ecr:*:*:repository/*",
    ]
)
_CONDITIONS = st.sampled_from(
    [
        None,
        {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"StringLike": {"aws:PrincipalTag/team": "ml*"}},
    ]
)


def _near(resource: str) -> list[str]:
    """Patterns close to ``resource``: itself, a "?" for its last character, a prefix with "*"."""
    if resource == "*":
        return ["*"]
    cut = max(len(resource) - 3, resource.rfind(":") + 1)
    return [resource, resource[:-1] + "?", resource[:cut] + "*", resource.rsplit("/", 1)[0] + "/?"]


@st.composite
def statements(draw: st.DrawFn, action: str, resource: str) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))}
    own = st.sampled_from([action, action.split(":")[0] + ":*", "*"])
    actions = draw(st.lists(own | _ACTION_PATTERNS, min_size=1, max_size=3))
    statement["NotAction" if draw(st.integers(0, 7)) == 0 else "Action"] = actions
    patterns = draw(st.lists(st.sampled_from(_near(resource)) | _RESOURCE_PATTERNS, min_size=1, max_size=3))
    statement["NotResource" if draw(st.integers(0, 7)) == 0 else "Resource"] = patterns
    condition = draw(_CONDITIONS)
    if condition is not None:
        statement["Condition"] = condition
    return statement


def policies(action: str, resource: str) -> st.SearchStrategy[Policy]:
    return st.lists(statements(action, resource), min_size=1, max_size=4).map(lambda sts: doc(*sts))


FULL = doc(allow("*"))
_CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "aws:RequestedRegion": st.sampled_from(["eu-west-1", "us-east-1"]),
        "aws:MultiFactorAuthPresent": st.sampled_from(["true", "false"]),
        "aws:PrincipalTag/team": st.sampled_from(["ml-platform", "web"]),
    },
)


def _covers(grant: Grant, resource: str) -> bool:
    return compile_arns(grant.resources)(resource) and not (
        grant.not_resources and compile_arns(grant.not_resources)(resource)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), action=st.sampled_from(sorted(TARGETS)), pick=st.integers(0, 10), context=_CONTEXTS)
def test_what_evaluate_allows_the_policy_set_grants(
    data: st.DataObject, action: str, pick: int, context: dict[str, str]
) -> None:
    resource = TARGETS[action][pick % len(TARGETS[action])]
    some = policies(action, resource)
    identity = data.draw(st.lists(some, min_size=1, max_size=3), "identity")
    raw = st.lists(statements(action, resource), min_size=1, max_size=3)
    boundary = data.draw(
        st.none() | st.none() | some | raw.map(lambda sts: doc(*sts, allow("*"))), "boundary"
    )
    scps = data.draw(st.lists(st.lists(some | st.just(FULL), min_size=1, max_size=2), max_size=3), "scps")
    request = Request(
        principal=PRINCIPAL,
        action=action,
        resource=resource,
        context=RequestContext(context),
        identity_policies=tuple(identity),
        permission_boundary=boundary,
        scps=tuple(tuple(level) for level in scps),
    )
    decision = evaluate(request)
    if not decision.allowed:
        return
    ps = PolicySet(
        [SourcedPolicy(p, f"identity{i}") for i, p in enumerate(identity)],
        [SourcedPolicy(boundary, "boundary")] if boundary is not None else [],
        [[SourcedPolicy(p, f"scp{i}.{j}") for j, p in enumerate(level)] for i, level in enumerate(scps)],
    )
    grants = ps.grants(action)
    assert grants, (action, resource, decision.to_json())
    # Stronger: some grant names the very resource of the request.
    assert any(_covers(g, resource) for g in grants), (action, resource, grants)


def test_a_bucket_name_is_not_a_resource_type() -> None:
    # "models/*" is every object of one bucket, not every resource; "table/*" is every table.
    from polp.iam.effective import unbounded_pattern

    assert not unbounded_pattern("arn:aws:s3:::models/*")
    assert unbounded_pattern("arn:aws:s3:::*") and unbounded_pattern("arn:aws:s3:::*/*")
    assert unbounded_pattern("arn:aws:dynamodb:*:*:table/*")
    assert unbounded_pattern("arn:aws:secretsmanager:*:*:secret:*")


@pytest.mark.parametrize(
    "pattern",
    [
        "s3:GetObject",
        "S3:get*",
        "s3*:Get*",
        "?3:*",
        "*",
        "*:Describe*",
        "ec2:Describe*",
        "sts:*",
        "Iam:Pass?ole",
    ],
)
@pytest.mark.parametrize("service", ["s3", "ec2", "iam", "sts", "s3express"])
def test_the_per_service_statement_filter_never_drops_a_matching_statement(
    pattern: str, service: str
) -> None:
    from polp.iam.catalog import get_catalog
    from polp.iam.effective import _may_name
    from polp.iam.matching import compile_actions

    statement = doc(allow(pattern)).statements[0]
    matches = compile_actions((pattern,))
    named = [a for a in get_catalog().expand(f"{service}:*") if matches(a.lower())]
    services = _may_name(statement)
    if named:
        assert services is None or service in services, (pattern, service, named[:3])


def test_the_per_service_statement_filter_drops_other_services() -> None:
    from polp.iam.effective import _may_name

    assert _may_name(doc(allow(["s3:GetObject", "EC2:Describe*"])).statements[0]) == {"s3", "ec2"}
    assert _may_name(doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}).statements[0]) is None
    assert _may_name(doc(allow(["s3:GetObject", "s3*:List*"])).statements[0]) is None


def test_a_changed_grant_is_what_replace_makes() -> None:
    from dataclasses import fields, replace

    ref = PolicySet([SourcedPolicy(doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), "p")]).grants(
        "s3:GetObject"
    )
    grant = replace(ref[0], not_resources=("arn:aws:s3:::b/x",), condition_keys=("aws:SourceIp",))
    assert len(fields(Grant)) == 6  # a new field must be copied by Grant.changed too
    assert grant.changed() == grant
    assert grant.changed(resources=("*",)) == replace(grant, resources=("*",))
    assert grant.changed(condition_keys=()) == replace(grant, condition_keys=())
    assert grant.changed(conditionally_denied=True) == replace(grant, conditionally_denied=True)
