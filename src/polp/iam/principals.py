"""Who makes a request, and how a policy's Principal element names them.

A request principal is known by several identities at once: an assumed-role session is also its role
and its account. ``Principal`` matches when any identity is named; ``NotPrincipal`` excludes only when
every identity is named, which is why AWS's documentation asks for the session, the role and the
account to be listed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Literal, NamedTuple

from polp.iam.model import Principal

PrincipalKind = Literal["AWS", "Service", "Federated", "CanonicalUser", "Anonymous"]

_WEB_IDENTITY_PROVIDERS = frozenset(
    {"accounts.google.com", "cognito-identity.amazonaws.com", "graph.facebook.com", "www.amazon.com"}
)


class MatchKind(Enum):
    """How a Principal element matched; it decides whether a resource policy alone grants access."""

    NONE = 0
    ACCOUNT = 1  # the account (or its root): delegation, identity policies must also allow
    ENTITY = 2  # the IAM user or role itself
    SESSION = 3  # the exact session, a service, a federated provider, or "*"


class PrincipalFacts(NamedTuple):
    """What a principal's ARN says (empty for principals that are not IAM ARNs)."""

    account: str | None
    partition: str
    resource: str
    entity_type: str
    name: str


_NOT_AN_ARN = PrincipalFacts(None, "aws", "", "", "")


@lru_cache(maxsize=16384)
def _arn_facts(arn: str) -> PrincipalFacts:
    """What an AWS principal ARN says, parsed once per ARN (the evaluator asks for every request)."""
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return PrincipalFacts(None, "aws", "", "", "")
    resource = parts[5]
    entity = resource.split("/", 1)[0] if "/" in resource else ""
    if resource == "root":
        entity = "root"
    if entity == "assumed-role":
        name = resource.split("/")[1] if resource.count("/") >= 2 else ""
    else:
        name = resource.rsplit("/", 1)[-1]
    return PrincipalFacts(parts[4] or None, parts[1], resource, entity, name)


@dataclass(frozen=True, slots=True)
class RequestPrincipal:
    kind: PrincipalKind
    id: str = ""

    @staticmethod
    def parse(value: str) -> RequestPrincipal:
        """Classify a principal string: an ARN, a service principal, or a web identity provider."""
        if value.startswith("arn:"):
            if ":oidc-provider/" in value or ":saml-provider/" in value:
                return RequestPrincipal("Federated", value)
            return RequestPrincipal("AWS", value)
        if value in _WEB_IDENTITY_PROVIDERS:
            return RequestPrincipal("Federated", value)
        if value.endswith(".amazonaws.com") or value.endswith(".amazonaws.com.cn"):
            return RequestPrincipal("Service", value)
        if len(value) == 12 and value.isdigit():
            return RequestPrincipal("AWS", f"arn:aws:iam::{value}:root")
        return RequestPrincipal("CanonicalUser", value)

    @property
    def facts(self) -> PrincipalFacts:
        """The account, partition, resource, entity type and name, parsed once per ARN."""
        return _arn_facts(self.id) if self.kind == "AWS" else _NOT_AN_ARN

    @property
    def account(self) -> str | None:
        return self.facts.account

    @property
    def partition(self) -> str:
        return self.facts.partition

    @property
    def resource(self) -> str:
        return self.facts.resource

    @property
    def entity_type(self) -> str:
        """user, role, assumed-role, federated-user, root, or '' (not an IAM principal)."""
        return self.facts.entity_type

    @property
    def name(self) -> str:
        """The user or role name (for a session: its role), without path."""
        return self.facts.name

    @property
    def principal_arn(self) -> str:
        """The value of ``aws:PrincipalArn``: a session's role ARN (path unknown), else the ARN itself."""
        facts = self.facts
        if facts.entity_type == "assumed-role" and facts.account:
            return f"arn:{facts.partition}:iam::{facts.account}:role/{facts.name}"
        return self.id

    def identity_count(self) -> int:
        if self.kind != "AWS":
            return 1
        return {"assumed-role": 3, "root": 1}.get(self.entity_type, 2)

    def match_entry(self, kind: str, value: str) -> MatchKind:
        """How one ``(type, value)`` of a Principal element names this principal."""
        if kind == "*" or (kind == "AWS" and value == "*"):
            return MatchKind.SESSION
        if kind != self.kind:
            return MatchKind.NONE
        if kind in ("Service", "Federated"):
            return MatchKind.SESSION if value.lower() == self.id.lower() else MatchKind.NONE
        if kind == "CanonicalUser":
            return MatchKind.SESSION if value == self.id else MatchKind.NONE
        facts = self.facts
        account = facts.account
        if account is None:
            return MatchKind.NONE
        if value == account or value == f"arn:{facts.partition}:iam::{account}:root":
            return MatchKind.ACCOUNT
        entity = facts.entity_type
        if value == self.id:
            return MatchKind.SESSION if entity in ("assumed-role", "federated-user") else MatchKind.ENTITY
        if entity == "assumed-role":
            parts = value.split(":", 5)
            if (
                len(parts) == 6
                and parts[2] == "iam"
                and parts[4] == account
                and parts[5].startswith("role/")
                and parts[5].rsplit("/", 1)[-1] == facts.name
            ):
                return MatchKind.ENTITY
        return MatchKind.NONE

    def match(self, principal: Principal) -> MatchKind:
        """The strongest way a Principal element names this principal."""
        best = MatchKind.NONE
        for kind, value in principal.items():
            found = self.match_entry(kind, value)
            if found.value > best.value:
                best = found
        return best

    def excluded_by(self, not_principal: Principal) -> bool:
        """Whether a NotPrincipal element lists every identity of this principal."""
        if self.kind == "Anonymous":
            return False
        named: set[MatchKind] = set()
        for kind, value in not_principal.items():
            if kind == "*" or (kind == "AWS" and value == "*"):
                return True
            found = self.match_entry(kind, value)
            if found is not MatchKind.NONE:
                named.add(found)
        return len(named) >= self.identity_count()
