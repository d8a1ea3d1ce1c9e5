"""Trust policies, with the audience and subject pinned, and the requests that prove them.

Subject formats (from the providers' documentation):

* GitHub Actions: ``repo:OWNER/REPO:ref:refs/heads/BRANCH``, ``repo:OWNER/REPO:ref:refs/tags/TAG``,
  ``repo:OWNER/REPO:environment:NAME``; audience ``sts.amazonaws.com``.
* GitLab CI: ``project_path:GROUP/PROJECT:ref_type:branch:ref:BRANCH`` (``ref_type:tag`` for tags);
  the audience is what the job asks for in ``id_tokens``.
* IRSA: ``ISSUER:sub`` = ``system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT``, ``ISSUER:aud`` =
  ``sts.amazonaws.com``.
* EKS Pod Identity: the service ``pods.eks.amazonaws.com`` calls ``sts:AssumeRole`` and
  ``sts:TagSession``; the session tags ``eks-cluster-arn``, ``kubernetes-namespace`` and
  ``kubernetes-service-account`` name the workload.
* AWS services: ``sts:AssumeRole`` with ``aws:SourceAccount`` (and ``aws:SourceArn``) against the
  confused deputy.

:func:`assume_requests` lists the requests the trust must allow (every declared subject) and those it
must deny (another repository, branch, tag, environment, audience, account, or an administrator of
the same account); the verifier decides them with the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from polp.generate.capabilities.base import Condition
from polp.generate.conditions import condition_block
from polp.iam.wildcards import has_wildcard
from polp.manifest.model import (
    EksServiceAccount,
    GitHubActions,
    GitLabCI,
    Identity,
    Manifest,
    OidcIssuer,
    ServicePrincipal,
)

WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
ASSUME_ROLE = "sts:AssumeRole"
TAG_SESSION = "sts:TagSession"
POD_IDENTITY = "pods.eks.amazonaws.com"
#: An account that is never the pipeline's (AWS's documentation uses it for "another account").
OTHER_ACCOUNT = "444455556666"
UNTRUSTED = "polp-untrusted"


@dataclass(frozen=True, slots=True)
class AssumeRequest:
    """A request to assume the role; ``admin`` gives the caller an identity policy allowing everything."""

    label: str
    principal: str
    action: str
    context: dict[str, object]
    expect_allowed: bool
    admin: bool = False


def _provider_arn(manifest: Manifest, issuer: str, account: str | None = None) -> str:
    return f"arn:{manifest.partition}:iam::{account or manifest.account}:oidc-provider/{issuer}"


def github_subjects(trust: GitHubActions) -> tuple[str, ...]:
    repo = f"repo:{trust.repository}"
    return (
        *(f"{repo}:ref:refs/heads/{b}" for b in trust.branches),
        *(f"{repo}:ref:refs/tags/{t}" for t in trust.tags),
        *(f"{repo}:environment:{e}" for e in trust.environments),
    )


def gitlab_subjects(trust: GitLabCI) -> tuple[str, ...]:
    path = f"project_path:{trust.project_path}"
    return (
        *(f"{path}:ref_type:branch:ref:{b}" for b in trust.branches),
        *(f"{path}:ref_type:tag:ref:{t}" for t in trust.tags),
    )


def _web_identity(
    manifest: Manifest, identity: Identity, issuer: str, audience: str, subjects: tuple[str, ...]
) -> dict[str, Any]:
    operator = "StringLike" if any(has_wildcard(s) for s in subjects) else "StringEquals"
    conditions = [("StringEquals", f"{issuer}:aud", (audience,)), (operator, f"{issuer}:sub", subjects)]
    actions = [WEB_IDENTITY]
    if identity.abac.principal_tags:
        actions.append(TAG_SESSION)
        conditions += [("StringEquals", f"aws:RequestTag/{k}", (v,)) for k, v in identity.abac.principal_tags]
    return {
        "Sid": "TrustDeclaredSubjects",
        "Effect": "Allow",
        "Principal": {"Federated": _provider_arn(manifest, issuer)},
        "Action": actions[0] if len(actions) == 1 else actions,
        "Condition": condition_block(conditions),
    }


def _pod_identity_tags(manifest: Manifest, trust: EksServiceAccount) -> dict[str, str]:
    cluster = f"arn:{manifest.partition}:eks:{manifest.region}:{manifest.account}:cluster/{trust.cluster}"
    return {
        "aws:RequestTag/eks-cluster-arn": cluster,
        "aws:RequestTag/kubernetes-namespace": trust.namespace,
        "aws:RequestTag/kubernetes-service-account": trust.service_account,
    }


def trust_statement(manifest: Manifest, identity: Identity) -> dict[str, Any]:
    trust = identity.trust
    if isinstance(trust, GitHubActions):
        return _web_identity(manifest, identity, trust.issuer, trust.audience, github_subjects(trust))
    if isinstance(trust, GitLabCI):
        return _web_identity(manifest, identity, trust.issuer, trust.audience, gitlab_subjects(trust))
    if isinstance(trust, OidcIssuer):
        return _web_identity(manifest, identity, trust.issuer, trust.audience, trust.subjects)
    if isinstance(trust, EksServiceAccount) and not trust.pod_identity:
        issuer = str(trust.issuer)
        return _web_identity(
            manifest,
            identity,
            issuer,
            "sts.amazonaws.com",
            (f"system:serviceaccount:{trust.namespace}:{trust.service_account}",),
        )
    if isinstance(trust, EksServiceAccount):
        tags = _pod_identity_tags(manifest, trust)
        pod_conditions: list[Condition] = [
            ("StringEquals", "aws:SourceAccount", (manifest.account,)),
            *(("StringEquals", k, (v,)) for k, v in tags.items()),
        ]
        return {
            "Sid": "TrustPodIdentityOfServiceAccount",
            "Effect": "Allow",
            "Principal": {"Service": POD_IDENTITY},
            "Action": [ASSUME_ROLE, TAG_SESSION],
            "Condition": condition_block(pod_conditions),
        }
    assert isinstance(trust, ServicePrincipal)
    conditions: list[Condition] = [("StringEquals", "aws:SourceAccount", (manifest.account,))]
    if trust.source_arns:
        conditions.append(("ArnLike", "aws:SourceArn", trust.source_arns))
    return {
        "Sid": "TrustServiceForThisAccount",
        "Effect": "Allow",
        "Principal": {"Service": trust.service},
        "Action": ASSUME_ROLE,
        "Condition": condition_block(conditions),
    }


def trust_policy(manifest: Manifest, identity: Identity) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [trust_statement(manifest, identity)]}


# --- the requests that prove a trust policy ---------------------------------------------------------


def _session_tags(identity: Identity) -> dict[str, object]:
    tags: dict[str, object] = {f"aws:RequestTag/{k}": v for k, v in identity.abac.principal_tags}
    if tags:
        tags["aws:TagKeys"] = [k for k, _ in identity.abac.principal_tags]
    return tags


def _web_requests(
    manifest: Manifest,
    identity: Identity,
    issuer: str,
    audience: str,
    subjects: tuple[str, ...],
    untrusted: tuple[tuple[str, str], ...],
) -> list[AssumeRequest]:
    provider = _provider_arn(manifest, issuer)
    tags = _session_tags(identity)

    def claims(sub: str, aud: str = audience) -> dict[str, object]:
        return {f"{issuer}:sub": sub, f"{issuer}:aud": aud, **tags}

    concrete = [s.replace("*", "polp-probe") for s in subjects]
    out = [AssumeRequest(f"declared subject {s}", provider, WEB_IDENTITY, claims(s), True) for s in concrete]
    out += [
        AssumeRequest(f"{label}: {sub}", provider, WEB_IDENTITY, claims(sub), False)
        for label, sub in untrusted
    ]
    out.append(
        AssumeRequest(
            f"another audience ({UNTRUSTED}) for {concrete[0]}",
            provider,
            WEB_IDENTITY,
            claims(concrete[0], f"https://{UNTRUSTED}.example.com"),
            False,
        )
    )
    out.append(
        AssumeRequest(
            f"the same issuer registered in another account ({OTHER_ACCOUNT})",
            _provider_arn(manifest, issuer, OTHER_ACCOUNT),
            WEB_IDENTITY,
            claims(concrete[0]),
            False,
        )
    )
    return out


def _github_untrusted(trust: GitHubActions) -> tuple[tuple[str, str], ...]:
    owner, _, name = trust.repository.partition("/")
    ref = (
        f"ref:refs/heads/{trust.branches[0]}"
        if trust.branches
        else f"ref:refs/tags/{trust.tags[0]}"
        if trust.tags
        else f"environment:{trust.environments[0]}"
    )
    ref = ref.replace("*", "polp-probe")
    repo = f"repo:{trust.repository}"
    return (
        ("another repository of the owner", f"repo:{owner}/{UNTRUSTED}-repo:{ref}"),
        ("the same repository name under another owner", f"repo:{UNTRUSTED}-org/{name}:{ref}"),
        ("another branch", f"{repo}:ref:refs/heads/{UNTRUSTED}-branch"),
        ("another tag", f"{repo}:ref:refs/tags/{UNTRUSTED}-tag"),
        ("another environment", f"{repo}:environment:{UNTRUSTED}-environment"),
        ("a pull request", f"{repo}:pull_request"),
    )


def _gitlab_untrusted(trust: GitLabCI) -> tuple[tuple[str, str], ...]:
    group, _, _ = trust.project_path.partition("/")
    path = f"project_path:{trust.project_path}"
    return (
        (
            "another project of the group",
            f"project_path:{group}/{UNTRUSTED}-project:ref_type:branch:ref:main",
        ),
        ("another branch", f"{path}:ref_type:branch:ref:{UNTRUSTED}-branch"),
        ("another tag", f"{path}:ref_type:tag:ref:{UNTRUSTED}-tag"),
    )


def _service_requests(manifest: Manifest, trust: ServicePrincipal) -> list[AssumeRequest]:
    base: dict[str, object] = {"aws:SourceAccount": manifest.account}
    if trust.source_arns:
        base["aws:SourceArn"] = trust.source_arns[0].replace("*", "polp-probe")
    return [
        AssumeRequest(f"{trust.service} for this account", trust.service, ASSUME_ROLE, base, True),
        AssumeRequest(
            f"{trust.service} for another account ({OTHER_ACCOUNT})",
            trust.service,
            ASSUME_ROLE,
            {**base, "aws:SourceAccount": OTHER_ACCOUNT},
            False,
        ),
        AssumeRequest(
            f"{trust.service} without aws:SourceAccount (confused deputy)",
            trust.service,
            ASSUME_ROLE,
            {},
            False,
        ),
        AssumeRequest(
            "another service (ec2.amazonaws.com)"
            if trust.service != "ec2.amazonaws.com"
            else "another service (lambda.amazonaws.com)",
            "ec2.amazonaws.com" if trust.service != "ec2.amazonaws.com" else "lambda.amazonaws.com",
            ASSUME_ROLE,
            {"aws:SourceAccount": manifest.account},
            False,
        ),
    ]


def _pod_requests(manifest: Manifest, trust: EksServiceAccount) -> list[AssumeRequest]:
    tags = _pod_identity_tags(manifest, trust)
    keys = [k.split("/", 1)[1] for k in tags]
    good: dict[str, object] = {"aws:SourceAccount": manifest.account, **tags, "aws:TagKeys": keys}
    out = [
        AssumeRequest(
            f"pod identity of {trust.namespace}/{trust.service_account}", POD_IDENTITY, action, good, True
        )
        for action in (ASSUME_ROLE, TAG_SESSION)
    ]
    for label, key, value in (
        ("another namespace", "aws:RequestTag/kubernetes-namespace", f"{UNTRUSTED}-ns"),
        ("another service account", "aws:RequestTag/kubernetes-service-account", f"{UNTRUSTED}-sa"),
        (
            "another cluster",
            "aws:RequestTag/eks-cluster-arn",
            f"{tags['aws:RequestTag/eks-cluster-arn']}-{UNTRUSTED}",
        ),
        ("another account", "aws:SourceAccount", OTHER_ACCOUNT),
    ):
        out.append(AssumeRequest(label, POD_IDENTITY, ASSUME_ROLE, {**good, key: value}, False))
    return out


def assume_requests(manifest: Manifest, identity: Identity) -> tuple[AssumeRequest, ...]:
    trust = identity.trust
    out: list[AssumeRequest]
    if isinstance(trust, GitHubActions):
        out = _web_requests(
            manifest, identity, trust.issuer, trust.audience, github_subjects(trust), _github_untrusted(trust)
        )
    elif isinstance(trust, GitLabCI):
        out = _web_requests(
            manifest, identity, trust.issuer, trust.audience, gitlab_subjects(trust), _gitlab_untrusted(trust)
        )
    elif isinstance(trust, OidcIssuer):
        out = _web_requests(
            manifest,
            identity,
            trust.issuer,
            trust.audience,
            trust.subjects,
            (("another subject", f"{UNTRUSTED}-subject"),),
        )
    elif isinstance(trust, EksServiceAccount) and not trust.pod_identity:
        sub = f"system:serviceaccount:{trust.namespace}:{trust.service_account}"
        out = _web_requests(
            manifest,
            identity,
            str(trust.issuer),
            "sts.amazonaws.com",
            (sub,),
            (
                ("another service account", f"system:serviceaccount:{trust.namespace}:{UNTRUSTED}-sa"),
                ("another namespace", f"system:serviceaccount:{UNTRUSTED}-ns:{trust.service_account}"),
            ),
        )
    elif isinstance(trust, EksServiceAccount):
        out = _pod_requests(manifest, trust)
    else:
        out = _service_requests(manifest, trust)
    out.append(
        AssumeRequest(
            f"a principal of another account ({OTHER_ACCOUNT})",
            f"arn:{manifest.partition}:iam::{OTHER_ACCOUNT}:root",
            ASSUME_ROLE,
            {},
            False,
        )
    )
    out.append(
        AssumeRequest(
            "an administrator role of the same account",
            f"arn:{manifest.partition}:iam::{manifest.account}:role/{UNTRUSTED}-admin",
            ASSUME_ROLE,
            {},
            False,
            admin=True,
        )
    )
    return tuple(out)
