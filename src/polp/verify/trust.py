"""Trust: only the declared subjects can assume the role, sessions are no longer than declared, and
the identity is a role (no long-lived keys).

Every request of :func:`polp.generate.trust.assume_requests` is decided by the evaluator against the
actual role's trust policy: the declared subjects must be allowed, another repository, branch, tag,
environment, audience, account, or an administrator of the same account must be denied.
"""

from __future__ import annotations

from polp.generate.trust import assume_requests
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.iam.source import DocumentSource
from polp.manifest.model import DEFAULT_SESSION_SECONDS, Identity, Manifest
from polp.verify.principal import Actual
from polp.verify.report import TrustOutcome

_ADMIN = parse_policy_data(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    DocumentSource(name="an administrator's identity policy"),
)


def principal_problems(actual: Actual, identity: Identity) -> list[str]:
    record = actual.record
    problems: list[str] = []
    if record.kind == "user":
        active = [k.key_id for k in record.access_keys if k.active]
        keys = f" with {len(active)} active access key(s)" if active else ""
        problems.append(
            f"{record.arn} is an IAM user{keys}: long-lived credentials, where the manifest declares "
            "a role assumed with short-lived credentials"
        )
        return problems
    if record.trust_policy is None or record.trust_policy.policy is None:
        problems.append(f"{record.arn} has no trust policy in the sources (it cannot be checked)")
    session = record.max_session_duration or DEFAULT_SESSION_SECONDS
    if session > identity.max_session_duration:
        problems.append(
            f"sessions last up to {session} s (MaxSessionDuration), the manifest allows "
            f"{identity.max_session_duration} s"
        )
    return problems


def check_trust(actual: Actual, manifest: Manifest, identity: Identity) -> tuple[TrustOutcome, ...]:
    record = actual.record
    if record.kind != "role" or record.trust_policy is None or record.trust_policy.policy is None:
        return ()
    trust = record.trust_policy.policy
    out: list[TrustOutcome] = []
    for request in assume_requests(manifest, identity):
        decision = evaluate(
            Request(
                principal=RequestPrincipal.parse(request.principal),
                action=request.action,
                resource=actual.arn,
                context=RequestContext(request.context),
                identity_policies=(_ADMIN,) if request.admin else (),
                resource_policy=trust,
            )
        )
        out.append(
            TrustOutcome(request.label, request.principal, request.action, decision, request.expect_allowed)
        )
    return tuple(out)
