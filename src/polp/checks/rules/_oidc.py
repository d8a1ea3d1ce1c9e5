"""Web identity providers that CI systems and clusters use to assume AWS roles, and what their tokens say.

For each provider: how to recognise its issuer (the part of the ``oidc-provider/`` ARN after the
slash, which is also the prefix of its condition keys), whether the issuer is *shared* (anyone can
sign up to the platform and mint tokens from it) or belongs to one tenant (a CircleCI organisation,
a Bitbucket workspace, an EKS cluster), and how its ``sub`` claim is laid out: a tenant part (GitHub
owner, GitLab top-level group, Terraform organisation), a project part, and the rest (branch,
environment, run phase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from polp.iam.wildcards import has_wildcard


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    issuer: re.Pattern[str]
    #: Anyone can obtain tokens from this issuer (a public SaaS), not only one tenant.
    shared: bool
    #: ``sub`` layout with ``tenant``, ``project`` and ``rest`` groups (``None``: opaque ids).
    sub: re.Pattern[str] | None
    #: The audience AWS documents for this provider ("" when it is configurable).
    audience: str = ""
    #: The ``aud`` claim carries the tenant (a Google client, a Cognito pool): missing it lets anyone in.
    aud_is_tenant: bool = False
    #: A ``sub`` from somebody else's tenant, to probe the trust policy with.
    probe_sub: str = "polp-probe"
    #: Exact ``sub`` values that are risky although pinned, with the reason.
    risky: tuple[tuple[re.Pattern[str], str], ...] = ()


_GITHUB_SUB = re.compile(r"^repo:(?P<tenant>[^/:]*)/(?P<project>[^:]*)(?::(?P<rest>.*))?$", re.DOTALL)
_GITHUB_PR = (
    (re.compile(r":pull_request$"), "any pull-request workflow, including unreviewed code, can assume it"),
)

PROVIDERS = (
    Provider(
        "GitHub Actions",
        re.compile(r"^token\.actions\.githubusercontent\.com$", re.I),
        True,
        _GITHUB_SUB,
        "sts.amazonaws.com",
        probe_sub="repo:polp-probe/polp-probe:ref:refs/heads/main",
        risky=_GITHUB_PR,
    ),
    Provider(
        "GitHub Enterprise",
        re.compile(r"^token\.actions\.(githubusercontent\.com/[^/]+|[^./]+\.ghe\.com)$", re.I),
        False,
        _GITHUB_SUB,
        "sts.amazonaws.com",
        probe_sub="repo:polp-probe/polp-probe:ref:refs/heads/main",
        risky=_GITHUB_PR,
    ),
    Provider(
        "GitLab",
        re.compile(r"^gitlab\.com$", re.I),
        True,
        re.compile(r"^project_path:(?P<tenant>[^/:]*)/(?P<project>[^:]*)(?::(?P<rest>.*))?$", re.DOTALL),
        probe_sub="project_path:polp-probe/polp-probe:ref_type:branch:ref:main",
    ),
    Provider(
        "GitLab self-managed",
        re.compile(r"(^|[./])gitlab\.", re.I),
        False,
        re.compile(r"^project_path:(?P<tenant>[^/:]*)/(?P<project>[^:]*)(?::(?P<rest>.*))?$", re.DOTALL),
        probe_sub="project_path:polp-probe/polp-probe:ref_type:branch:ref:main",
    ),
    Provider(
        "Terraform Cloud",
        re.compile(r"^app\.terraform\.io$", re.I),
        True,
        re.compile(
            r"^organization:(?P<tenant>[^:]*)(?::(?P<project>.*?))?(?::run_phase:(?P<rest>.*))?$", re.DOTALL
        ),
        "aws.workload.identity",
        probe_sub="organization:polp-probe:project:Default Project:workspace:polp-probe:run_phase:apply",
    ),
    Provider(
        "Buildkite",
        re.compile(r"^agent\.buildkite\.com$", re.I),
        True,
        re.compile(
            r"^organization:(?P<tenant>[^:]*):pipeline:(?P<project>[^:]*)(?::(?P<rest>.*))?$", re.DOTALL
        ),
        probe_sub="organization:polp-probe:pipeline:polp-probe:ref:refs/heads/main:commit:0:step:x",
    ),
    Provider(
        "CircleCI",
        re.compile(r"^oidc\.circleci\.com/org/[^/]+$", re.I),
        False,
        re.compile(r"^org/(?P<tenant>[^/]*)/project/(?P<project>[^/]*)(?:/(?P<rest>.*))?$", re.DOTALL),
        probe_sub="org/polp-probe/project/polp-probe/user/polp-probe",
    ),
    Provider(
        "Bitbucket Pipelines",
        re.compile(
            r"^api\.bitbucket\.org/2\.0/workspaces/[^/]+/pipelines-config/"
            r"identity/oidc$",
            re.I,
        ),
        False,
        re.compile(r"^(?P<tenant>)(?P<project>\{[^}]*\}|[^:{]*)(?::(?P<rest>.*))?$", re.DOTALL),
        probe_sub="{polp-probe}:{polp-probe}",
    ),
    Provider(
        "Amazon EKS",
        re.compile(r"^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/id/[0-9A-Za-z]+$", re.I),
        False,
        re.compile(r"^system:serviceaccount:(?P<tenant>[^:]*):(?P<project>[^:]*)(?P<rest>)$", re.DOTALL),
        "sts.amazonaws.com",
        probe_sub="system:serviceaccount:polp-probe:polp-probe",
    ),
    Provider(
        "Google",
        re.compile(r"^accounts\.google\.com$", re.I),
        True,
        None,
        aud_is_tenant=True,
        probe_sub="100000000000000000000",
    ),
    Provider(
        "Amazon Cognito",
        re.compile(r"^cognito-identity\.amazonaws\.com$", re.I),
        True,
        None,
        aud_is_tenant=True,
        probe_sub="us-east-1:00000000-0000-0000-0000-000000000000",
    ),
)

GENERIC = Provider("OIDC", re.compile(r".*"), False, None)


def issuer_of(federated: str) -> str | None:
    """The issuer of a Federated principal: the provider path of an OIDC provider ARN, or a bare
    web identity provider name. ``None`` for SAML providers."""
    if federated.startswith("arn:"):
        _, sep, issuer = federated.partition(":oidc-provider/")
        return issuer if sep else None
    return federated


def provider_for(issuer: str) -> Provider:
    for provider in PROVIDERS:
        if provider.issuer.search(issuer):
            return provider
    return GENERIC


@dataclass(frozen=True, slots=True)
class SubVerdict:
    """How much of the tenant → project → branch hierarchy a ``sub`` value leaves open."""

    #: "tenant", "project", "rest", "risky" or "" (pinned).
    level: str
    reason: str


def judge_sub(provider: Provider, value: str, wildcard: bool) -> SubVerdict:
    """Judge one ``sub`` condition value; ``wildcard`` when it is compared with a *Like operator."""
    if not wildcard or not has_wildcard(value):
        for pattern, reason in provider.risky:
            if pattern.search(value):
                return SubVerdict("risky", reason)
        return SubVerdict("", "")
    if provider.sub is None:
        return SubVerdict("tenant", f"the subject {value!r} is a wildcard")
    match = provider.sub.match(value)
    if match is None:
        return SubVerdict("tenant", f"the subject {value!r} matches any {provider.name} tenant")
    tenant, project = match.group("tenant") or "", match.group("project") or ""
    if has_wildcard(tenant):
        return SubVerdict("tenant", f"the subject {value!r} matches any {provider.name} tenant")
    if has_wildcard(project):
        return SubVerdict(
            "project", f"the subject {value!r} matches every project of {tenant or 'the tenant'}"
        )
    return SubVerdict("rest", f"the subject {value!r} matches every branch, tag or environment of {project}")
