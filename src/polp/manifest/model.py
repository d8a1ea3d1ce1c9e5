"""The typed model of a pipeline manifest (``polp.yaml``): a pipeline and its task-specific identities.

Every element keeps the :class:`~polp.errors.Location` it was declared at, so that the compiler and the
verifier can point back at the line of the manifest that a problem comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from polp.errors import Location

#: AWS's bounds for a role's MaxSessionDuration, in seconds.
MIN_SESSION_SECONDS = 3600
MAX_SESSION_SECONDS = 43200
DEFAULT_SESSION_SECONDS = 3600

#: The audience AWS expects in web identity tokens unless a provider says otherwise.
DEFAULT_AUDIENCE = "sts.amazonaws.com"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
GITLAB_ISSUER = "gitlab.com"


@dataclass(frozen=True, slots=True)
class GitHubActions:
    """GitHub Actions OIDC: one repository, and the branches, tags or environments that may assume."""

    repository: str
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    audience: str = DEFAULT_AUDIENCE
    issuer: str = GITHUB_ISSUER


@dataclass(frozen=True, slots=True)
class GitLabCI:
    """GitLab CI ID tokens: one project path, and the branches or tags that may assume."""

    project_path: str
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    audience: str = DEFAULT_AUDIENCE
    issuer: str = GITLAB_ISSUER


@dataclass(frozen=True, slots=True)
class OidcIssuer:
    """Any other OIDC issuer registered as an IAM identity provider, with exact subjects."""

    issuer: str
    subjects: tuple[str, ...]
    audience: str = DEFAULT_AUDIENCE


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    """An AWS service (``sagemaker.amazonaws.com``) acting for this account only."""

    service: str
    source_arns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EksServiceAccount:
    """A Kubernetes service account, through IRSA (``issuer`` set) or EKS Pod Identity (``cluster`` set)."""

    namespace: str
    service_account: str
    issuer: str | None = None
    cluster: str | None = None

    @property
    def pod_identity(self) -> bool:
        return self.issuer is None


Trust = GitHubActions | GitLabCI | OidcIssuer | ServicePrincipal | EksServiceAccount


@dataclass(frozen=True, slots=True)
class Network:
    """Where calls may come from; empty means anywhere."""

    vpc_endpoints: tuple[str, ...] = ()
    vpcs: tuple[str, ...] = ()
    cidrs: tuple[str, ...] = ()

    @property
    def declared(self) -> bool:
        return bool(self.vpc_endpoints or self.vpcs or self.cidrs)


@dataclass(frozen=True, slots=True)
class Abac:
    """Attribute-based access control.

    ``resource_tags``: tags the resources the identity acts on must carry (and that resources it creates
    must be created with). ``principal_tags``: session tags the identity provider must pass.
    """

    resource_tags: tuple[tuple[str, str], ...] = ()
    principal_tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Capability:
    """One capability on named resources: its kind (``ecr_push``) and its parameters as declared."""

    kind: str
    params: Mapping[str, object]
    location: Location
    index: int


@dataclass(frozen=True, slots=True)
class NeverItem:
    """What an identity must never reach: a named category, or actions (on resources)."""

    label: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    location: Location
    #: Actions a category leaves out on purpose (``iam`` leaves out ``iam:PassRole``).
    excluded: tuple[str, ...] = ()
    #: The action the verifier simulates to show the item is denied (default: the first it names).
    example: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    role_name: str
    description: str
    trust: Trust
    capabilities: tuple[Capability, ...]
    location: Location
    role_path: str = "/"
    max_session_duration: int = DEFAULT_SESSION_SECONDS
    network: Network = field(default_factory=Network)
    abac: Abac = field(default_factory=Abac)
    never: tuple[NeverItem, ...] = ()
    deny_never: bool = False
    permissions_boundary: str | None = None
    maps_to: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    trust_location: Location | None = None


@dataclass(frozen=True, slots=True)
class Manifest:
    pipeline: str
    account: str
    region: str
    identities: tuple[Identity, ...]
    file: str
    partition: str = "aws"
    version: int = 1

    def identity(self, name: str) -> Identity | None:
        return next((i for i in self.identities if i.name == name), None)

    def role_arn(self, identity: Identity) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role{identity.role_path}{identity.role_name}"
