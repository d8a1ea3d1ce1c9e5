"""Grants composed from per-policy answers: the same as working a policy set out on its own."""

from __future__ import annotations

import gc
import json

from polp.audit.gcpause import paused_gc
from polp.iam.effective import PolicySet, SourcedPolicy, StatementRef
from polp.iam.parse import parse_policy_text


def _policy(name: str, *statements: dict[str, object]) -> SourcedPolicy:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    return SourcedPolicy(parse_policy_text(text, f"{name}.json"), name)


READ = _policy(
    "read",
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
    {"Sid": "Put", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
)
DENY = _policy("deny", {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"})


def test_a_shared_policy_answers_every_set_alike() -> None:
    alone = PolicySet([READ])
    with_deny = PolicySet([READ, DENY])
    assert alone.additive() and not with_deny.additive()
    assert alone.grants("s3:GetObject") == PolicySet.policy_grants(READ, "s3:GetObject")
    # the other set's Deny narrows its own copy only
    (narrowed,) = with_deny.grants("s3:GetObject")
    assert narrowed.resources == ("*",) and narrowed.conditionally_denied is False
    assert alone.grants("s3:GetObject")[0].source.statement == "Read"
    assert PolicySet([READ, DENY]).grants("s3:PutObject") == alone.grants("s3:PutObject")


def test_an_action_no_allow_names_has_no_grant() -> None:
    assert PolicySet([READ]).grants("ec2:RunInstances") == ()
    assert PolicySet([READ]).allowed_services() == frozenset({"s3"})
    assert PolicySet([READ]).grants("not-an:action") == ()


def test_the_location_is_found_on_first_use() -> None:
    (grant,) = PolicySet([READ]).grants("s3:PutObject")
    location = grant.source.location
    assert location is not None and location.line == 10
    assert location.path == "Statement[1]"
    eager = StatementRef(grant.source.policy, grant.source.statement, location, grant.source.handle)
    assert grant.source == eager and hash(grant.source) == hash(eager)


def test_statement_refs_are_immutable() -> None:
    ref = StatementRef("p", "s")
    try:
        ref.policy = "q"
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("StatementRef accepted an assignment")


def test_the_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():  # nested: left alone
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.unfreeze()
