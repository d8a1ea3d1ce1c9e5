"""Who made a call: CloudTrail's ``userIdentity`` reduced to the principal whose policies allowed it.

* An assumed-role session is its role (the ``sessionIssuer``; from the session ARN if that is absent).
* A web identity or SAML federation is the role it assumed and, as ``subject``, who it was
  (``principalId``, which holds the provider and the subject) or, in the role's later calls, the
  identity provider (``webIdFederationData.federatedProvider``).
* An IAM user is itself; the root user is the account root.
* An AWS service calling with its own identity is a ``service`` principal; a service that called on a
  principal's behalf (``invokedBy``) is kept in ``via``.
"""

from __future__ import annotations

import re

from polp.usage.model import UsagePrincipal

_SESSION_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):sts::(?P<account>[^:]*):assumed-role/(?P<role>[^/]+)/.*$"
)
_KINDS = {
    "IAMUser": "user",
    "Root": "root",
    "AssumedRole": "role",
    "FederatedUser": "federated-user",
    "IdentityCenterUser": "identity-center",
    "WebIdentityUser": "web-identity",
    "SAMLUser": "saml",
    "AWSAccount": "account",
    "AWSService": "service",
}


def role_of_session(arn: str) -> str:
    """``arn:aws:sts::1:assumed-role/R/s`` -> ``arn:aws:iam::1:role/R`` (the path is not in a session ARN)."""
    match = _SESSION_ARN.match(arn)
    if match is None:
        return arn
    return f"arn:{match['partition']}:iam::{match['account']}:role/{match['role']}"


def normalize(
    identity_type: str | None,
    identity_arn: str | None,
    principal_id: str | None,
    identity_account: str | None,
    invoked_by: str | None,
    web_provider: str | None,
    role_arn: str | None = None,
) -> UsagePrincipal:
    """The principal of one raw group; ``role_arn`` is the request's ``roleArn`` (for federation)."""
    kind = _KINDS.get(identity_type or "", "unknown")
    via = invoked_by or ""
    if kind in ("web-identity", "saml"):
        return UsagePrincipal(role_arn or f"{kind}:{principal_id or 'unknown'}", kind, principal_id or "", "")
    if kind == "service" or (identity_type is None and identity_arn is None and invoked_by):
        return UsagePrincipal(invoked_by or "unknown-service", "service")
    if kind == "role":
        return UsagePrincipal(role_of_session(identity_arn or "unknown-role"), kind, web_provider or "", via)
    if kind == "account":
        account = identity_account or "unknown"
        return UsagePrincipal(identity_arn or f"arn:aws:iam::{account}:root", kind, "", via)
    return UsagePrincipal(
        identity_arn or f"{kind}:{principal_id or identity_account or 'unknown'}", kind, "", via
    )
