"""The evaluator's cached plans (:class:`polp.iam.evaluate._RequestPlan`) decide as if nothing were cached.

A plan is found by the request's own tuples of policies, or by the identities of the policies in them;
the decision and its reasons must not depend on which, on what was evaluated before, or on whether the
caches were just emptied. Reasons of a deny come in the order of the policies, and within a group of
policies the unconditional denies first, as policy-by-policy evaluation lists them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from polp.iam import evaluate as evaluate_module
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.source import DocumentSource

ROLE = "arn:aws:iam::111122223333:role/dev"
SESSION = "arn:aws:sts::111122223333:assumed-role/dev/s"


def parse(*statements: dict[str, Any], name: str | None = None) -> Policy:
    return parse_policy_data(
        {"Version": "2012-10-17", "Statement": list(statements)}, DocumentSource(name=name)
    )


def clear_caches() -> None:
    for cache in (
        "_PLANS",
        "_PLANS_BY_TUPLE",
        "_GROUPS",
        "_GROUPS_BY_TUPLE",
        "_LEVELS",
        "_LEVELS_BY_TUPLE",
        "_COMPILED",
        "_DERIVED",
    ):
        getattr(evaluate_module, cache).clear()


def test_deny_reasons_come_in_policy_order() -> None:
    insecure = {"Bool": {"aws:SecureTransport": "false"}}
    scps = (
        (parse({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}),),
        (
            parse(
                {
                    "Sid": "ScpCond",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": insecure,
                },
                {"Sid": "ScpAll", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"},
            ),
        ),
    )
    identity = (
        parse(
            {"Sid": "IdRes", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "IdAllow", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "IdAll", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        ),
    )
    bucket = parse(
        {
            "Sid": "ResCond",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": insecure,
        },
        {"Sid": "ResAllow", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"},
        {"Sid": "ResAll", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
    )
    request = Request(
        RequestPrincipal.parse(SESSION),
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        context=RequestContext({"aws:SecureTransport": False}),
        identity_policies=identity,
        resource_policy=bucket,
        scps=scps,
    )
    for _ in range(2):  # planned, then found
        decision = evaluate(request)
        assert decision.decision == "ExplicitlyDenied"
        assert [(r.policy_type, r.statement, r.note) for r in decision.reasons] == [
            ("scp", "ScpAll", "explicit deny"),
            ("scp", "ScpCond", "explicit deny"),
            ("identity", "IdAll", "explicit deny"),
            ("identity", "IdRes", "explicit deny"),
            ("resource", "ResAll", "explicit deny"),
            ("resource", "ResCond", "explicit deny"),
        ]


def test_a_plan_never_outlives_its_policies() -> None:
    # Plans are found by ids; new policies made after old ones are dropped (often at the same
    # addresses) must be planned anew.
    # Reference counting frees a dropped policy at once (no collection needed), so its address is
    # free for the next one: the test checks that this reuse happened.
    principal = RequestPrincipal.parse(SESSION)
    seen: list[int] = []
    for i in range(200):
        effect = "Allow" if i % 2 else "Deny"
        identity = (parse({"Effect": effect, "Action": "s3:GetObject", "Resource": "*"}),)
        request = Request(
            principal,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            identity_policies=identity,
            scps=((parse({"Effect": effect, "Action": "*", "Resource": "*"}),),),
        )
        expected = "Allowed" if i % 2 else "ExplicitlyDenied"
        assert evaluate(request).decision == expected
        seen.append(id(identity[0]))
        if i % 50 == 0:
            clear_caches()
        del identity, request
    assert len(set(seen)) < len(seen)  # some new policy was made where a dropped one had been


# -- property: shared tuples, a tuple per request and empty caches decide alike --------------------------

_actions = st.sampled_from(
    ["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*", "iam:PassRole", "sts:AssumeRole", "kms:Decrypt", "*"]
)
_resources = st.sampled_from(
    [
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::other/*",
        "arn:aws:iam::111122223333:role/dev",
        "arn:aws:s3:::b/${aws:username}",
    ]
)
_conditions = st.sampled_from(
    [
        {},
        {"Bool": {"aws:SecureTransport": "false"}},
        {"StringEquals": {"aws:PrincipalTag/team": "a"}},
        {"StringEquals": {"aws:PrincipalAccount": "111122223333"}},
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    ]
)
_principals = st.sampled_from(
    [None, "*", {"AWS": ROLE}, {"AWS": "111122223333"}, {"AWS": SESSION}, {"Service": "s3.amazonaws.com"}]
)


@st.composite
def _statement(draw: st.DrawFn, resource_policy: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    out["NotAction" if draw(st.booleans()) and not resource_policy else "Action"] = draw(_actions)
    out["Resource"] = draw(_resources)
    condition = draw(_conditions)
    if condition:
        out["Condition"] = condition
    if resource_policy:
        principal = draw(_principals)
        if principal is not None:
            out["NotPrincipal" if out["Effect"] == "Deny" and draw(st.booleans()) else "Principal"] = (
                principal
            )
        else:
            out["Principal"] = "*"
    return out


def _policy(resource_policy: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(_statement(resource_policy), min_size=1, max_size=3).map(
        lambda s: {"Version": "2012-10-17", "Statement": s}
    )


_documents = st.fixed_dictionaries(
    {
        "identity": st.lists(_policy(), max_size=3),
        "scps": st.lists(st.lists(_policy(), min_size=1, max_size=2), max_size=2),
        "boundary": st.none() | _policy(),
        "session": st.none() | _policy(),
        "resource": st.none() | _policy(True),
        "endpoint": st.none() | _policy(True),
    }
)
_requests = st.lists(
    st.tuples(
        st.sampled_from(
            [
                SESSION,
                ROLE,
                "arn:aws:iam::111122223333:user/u",
                "arn:aws:iam::444455556666:user/x",
                "arn:aws:iam::111122223333:root",
                "s3.amazonaws.com",
            ]
        ),
        st.sampled_from(["s3:GetObject", "s3:PutObject", "iam:PassRole", "sts:AssumeRole", "kms:Decrypt"]),
        st.sampled_from(
            [
                "arn:aws:s3:::b/k",
                "arn:aws:s3:::b/u",
                "arn:aws:iam::111122223333:role/dev",
                "arn:aws:kms:us-east-1:111122223333:key/k",
            ]
        ),
        st.fixed_dictionaries(
            {},
            optional={
                "aws:SecureTransport": st.booleans(),
                "aws:username": st.just("u"),
                "aws:PrincipalTag/team": st.sampled_from(["a", "b"]),
                "aws:SourceIp": st.sampled_from(["10.1.2.3", "192.0.2.1"]),
            },
        ),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(_documents, _requests)
def test_decisions_do_not_depend_on_the_caches(
    docs: dict[str, Any], requests: list[tuple[str, str, str, dict[str, Any]]]
) -> None:
    def one(doc: dict[str, Any] | None) -> Policy | None:
        return None if doc is None else parse_policy_data(doc, DocumentSource())

    identity = tuple(parse_policy_data(d, DocumentSource()) for d in docs["identity"])
    scps = tuple(tuple(parse_policy_data(d, DocumentSource()) for d in level) for level in docs["scps"])
    boundary, session, resource, endpoint = (
        one(docs[k]) for k in ("boundary", "session", "resource", "endpoint")
    )

    def build(case: tuple[str, str, str, dict[str, Any]], fresh: bool) -> Request:
        principal, action, arn, context = case
        return Request(
            RequestPrincipal.parse(principal),
            action,
            arn,
            context=RequestContext(context),
            identity_policies=tuple(list(identity)) if fresh else identity,
            scps=tuple(tuple(list(level)) for level in scps) if fresh else scps,
            permission_boundary=boundary,
            session_policy=session,
            resource_policy=resource,
            endpoint_policy=endpoint,
        )

    shared = [evaluate(build(r, False)).to_json() for r in requests]
    per_request = [evaluate(build(r, True)).to_json() for r in requests]
    cold: list[dict[str, Any]] = []
    for r in requests:
        clear_caches()
        cold.append(evaluate(build(r, True)).to_json())
    again = [evaluate(build(r, False)).to_json() for r in reversed(requests)][::-1]
    assert shared == per_request == cold == again
