"""The kinds of policy documents and the rules that differ between them.

Sources: IAM User Guide ("Policies and permissions", "IAM and AWS STS quotas", "IAM JSON policy
elements"), AWS Organizations User Guide ("SCP syntax", "RCP syntax"). Since September 2025 SCPs
support the full IAM policy language (conditions, resource ARNs and NotAction in Allow statements,
NotResource, wildcards anywhere in actions); only Principal and NotPrincipal remain unsupported.
RCPs accept Allow only as the AWS-managed ``RCPFullAWSAccess`` policy, Principal only as ``"*"``,
and neither NotAction nor NotPrincipal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Actions a role trust policy may contain (IAM rejects any other action in AssumeRolePolicyDocument).
TRUST_ACTIONS: frozenset[str] = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


class PolicyType(Enum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    BOUNDARY = "boundary"
    SESSION = "session"

    @classmethod
    def parse(cls, text: str) -> PolicyType:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValueError(f"unknown policy type {text!r} (expected one of {names})") from None

    @property
    def rules(self) -> PolicyTypeRules:
        return _RULES[self]


@dataclass(frozen=True, slots=True)
class PolicyTypeRules:
    """What a policy type requires and forbids.

    ``size_limit`` is the quota in characters without white space (SCPs and RCPs count white space
    too, ``counts_whitespace``); ``soft_size_limit`` is a smaller quota that holds for some containers
    only (a managed policy holds 6,144 characters, a role's inline policies 10,240 together).
    """

    label: str
    principal: bool  # Principal/NotPrincipal: True required, False forbidden
    resource_required: bool
    resource_forbidden: bool
    version_required: bool  # a missing or 2008-10-17 Version is an error
    iam_stored: bool  # stored by IAM, which enforces unique, alphanumeric Sids
    size_limit: int | None
    soft_size_limit: int | None = None
    size_is_error: bool = True
    counts_whitespace: bool = False
    size_note: str = ""


_RULES: dict[PolicyType, PolicyTypeRules] = {
    PolicyType.IDENTITY: PolicyTypeRules(
        "identity policy",
        principal=False,
        resource_required=True,
        resource_forbidden=False,
        version_required=True,
        iam_stored=True,
        size_limit=10_240,
        soft_size_limit=6_144,
        size_is_error=False,
        size_note="a managed policy holds 6,144 characters; inline policies share 2,048 (user), "
        "5,120 (group) or 10,240 (role) characters per identity",
    ),
    PolicyType.BOUNDARY: PolicyTypeRules(
        "permissions boundary",
        principal=False,
        resource_required=True,
        resource_forbidden=False,
        version_required=True,
        iam_stored=True,
        size_limit=6_144,
        size_note="a permissions boundary is a managed policy (6,144 characters)",
    ),
    PolicyType.SESSION: PolicyTypeRules(
        "session policy",
        principal=False,
        resource_required=True,
        resource_forbidden=False,
        version_required=False,
        iam_stored=True,
        size_limit=2_048,
        size_note="the plain text of session policies is limited to 2,048 characters",
    ),
    PolicyType.TRUST: PolicyTypeRules(
        "role trust policy",
        principal=True,
        resource_required=False,
        resource_forbidden=True,
        version_required=False,
        iam_stored=True,
        size_limit=4_096,
        soft_size_limit=2_048,
        size_note="the default quota is 2,048 characters and can be raised to 4,096",
    ),
    PolicyType.RESOURCE: PolicyTypeRules(
        "resource-based policy",
        principal=True,
        resource_required=True,
        resource_forbidden=False,
        version_required=False,
        iam_stored=False,
        size_limit=None,
    ),
    PolicyType.SCP: PolicyTypeRules(
        "service control policy",
        principal=False,
        resource_required=True,
        resource_forbidden=False,
        version_required=False,
        iam_stored=False,
        size_limit=5_120,
        counts_whitespace=True,
        size_note="an SCP holds 5,120 characters, white space included",
    ),
    PolicyType.RCP: PolicyTypeRules(
        "resource control policy",
        principal=True,
        resource_required=True,
        resource_forbidden=False,
        version_required=True,
        iam_stored=False,
        size_limit=5_120,
        counts_whitespace=True,
        size_note="an RCP holds 5,120 characters, white space included",
    ),
}
