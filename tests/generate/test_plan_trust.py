"""Trust policies with the audience and subject pinned, decided by the evaluator: the declared subject
may assume the role, another repository, branch, project, service account, or account may not."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from polp.generate.trust import trust_policy
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request
from polp.manifest.load import load_manifest_text

ROLE = "arn:aws:iam::111122223333:role/demo-ci"


def trust_of(trust_yaml: str) -> dict[str, Any]:
    text = textwrap.dedent(f"""\
        version: 1
        pipeline: demo
        account: "111122223333"
        region: us-east-1
        identities:
          ci:
            trust: {trust_yaml}
            capabilities: [{{ecr_pull: {{repository: demo}}}}]
        """)
    manifest = load_manifest_text(text, "polp.yaml")
    return trust_policy(manifest, manifest.identities[0])


def assume(policy: dict[str, Any], principal: str, context: dict[str, Any], action: str) -> bool:
    request = Request(
        RequestPrincipal.parse(principal),
        action,
        ROLE,
        context=RequestContext(context),
        resource_policy=parse_policy_data(policy),
    )
    return evaluate(request).allowed


GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
WEB = "sts:AssumeRoleWithWebIdentity"


def test_github_subjects_for_branches_tags_and_environments() -> None:
    policy = trust_of(
        "{github_actions: {repository: retail-co/demo, branches: [main], tags: ['v*'], "
        "environments: [production]}}"
    )
    condition = policy["Statement"][0]["Condition"]
    assert condition["StringEquals"] == {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    assert condition["StringLike"]["token.actions.githubusercontent.com:sub"] == [
        "repo:retail-co/demo:ref:refs/heads/main",
        "repo:retail-co/demo:ref:refs/tags/v*",
        "repo:retail-co/demo:environment:production",
    ]


@pytest.mark.parametrize(
    ("sub", "aud", "allowed"),
    [
        ("repo:retail-co/demo:ref:refs/heads/main", "sts.amazonaws.com", True),
        ("repo:retail-co/other:ref:refs/heads/main", "sts.amazonaws.com", False),
        ("repo:retail-co/demo:ref:refs/heads/feature", "sts.amazonaws.com", False),
        ("repo:retail-co/demo:pull_request", "sts.amazonaws.com", False),
        ("repo:evil/demo:ref:refs/heads/main", "sts.amazonaws.com", False),
        ("repo:retail-co/demo:ref:refs/heads/main", "https://github.com/retail-co", False),
    ],
)
def test_github_untrusted_repository_and_branch_are_denied(sub: str, aud: str, allowed: bool) -> None:
    policy = trust_of("{github_actions: {repository: retail-co/demo, branches: [main]}}")
    context = {"token.actions.githubusercontent.com:sub": sub, "token.actions.githubusercontent.com:aud": aud}
    assert assume(policy, GITHUB, context, WEB) is allowed


def test_github_provider_of_another_account_is_denied() -> None:
    policy = trust_of("{github_actions: {repository: retail-co/demo, branches: [main]}}")
    context = {
        "token.actions.githubusercontent.com:sub": "repo:retail-co/demo:ref:refs/heads/main",
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    }
    other = "arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"
    assert not assume(policy, other, context, WEB)


def test_gitlab_subject() -> None:
    policy = trust_of("{gitlab_ci: {project_path: payments/fraud, branches: [main]}}")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Federated": "arn:aws:iam::111122223333:oidc-provider/gitlab.com"}
    assert (
        statement["Condition"]["StringEquals"]["gitlab.com:sub"]
        == "project_path:payments/fraud:ref_type:branch:ref:main"
    )
    provider = statement["Principal"]["Federated"]
    good = {
        "gitlab.com:sub": "project_path:payments/fraud:ref_type:branch:ref:main",
        "gitlab.com:aud": "sts.amazonaws.com",
    }
    assert assume(policy, provider, good, WEB)
    assert not assume(
        policy,
        provider,
        {**good, "gitlab.com:sub": "project_path:payments/other:ref_type:branch:ref:main"},
        WEB,
    )


def test_irsa_subject() -> None:
    issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    policy = trust_of(
        f"{{eks_service_account: {{issuer: {issuer}, namespace: ml, service_account: trainer}}}}"
    )
    provider = f"arn:aws:iam::111122223333:oidc-provider/{issuer}"
    good = {f"{issuer}:sub": "system:serviceaccount:ml:trainer", f"{issuer}:aud": "sts.amazonaws.com"}
    assert assume(policy, provider, good, WEB)
    assert not assume(policy, provider, {**good, f"{issuer}:sub": "system:serviceaccount:ml:other"}, WEB)


def test_pod_identity() -> None:
    policy = trust_of("{eks_pod_identity: {cluster: serving, namespace: ml, service_account: model}}")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    good = {
        "aws:SourceAccount": "111122223333",
        "aws:RequestTag/eks-cluster-arn": "arn:aws:eks:us-east-1:111122223333:cluster/serving",
        "aws:RequestTag/kubernetes-namespace": "ml",
        "aws:RequestTag/kubernetes-service-account": "model",
    }
    for action in ("sts:AssumeRole", "sts:TagSession"):
        assert assume(policy, "pods.eks.amazonaws.com", good, action)
    assert not assume(
        policy,
        "pods.eks.amazonaws.com",
        {**good, "aws:RequestTag/kubernetes-namespace": "x"},
        "sts:AssumeRole",
    )


def test_service_principal_is_pinned_to_the_account() -> None:
    policy = trust_of(
        "{aws_service: {service: sagemaker.amazonaws.com, source_arns: "
        "['arn:aws:sagemaker:us-east-1:111122223333:training-job/demo-*']}}"
    )
    good = {
        "aws:SourceAccount": "111122223333",
        "aws:SourceArn": "arn:aws:sagemaker:us-east-1:111122223333:training-job/demo-1",
    }
    assert assume(policy, "sagemaker.amazonaws.com", good, "sts:AssumeRole")
    assert not assume(
        policy, "sagemaker.amazonaws.com", {**good, "aws:SourceAccount": "444455556666"}, "sts:AssumeRole"
    )
    assert not assume(policy, "sagemaker.amazonaws.com", {}, "sts:AssumeRole")
    assert not assume(policy, "arn:aws:iam::444455556666:root", {}, "sts:AssumeRole")
