"""POLP-FRAG-001: one identity that trains, publishes images and deploys (identity fragmentation).

Each stage of an ML pipeline should run as its own identity, so that compromising one stage (a
malicious dependency in the build) does not carry over to the next (deploying to production). Holding
any grant of a power counts, even on named resources: the point is the combination. Effective
administrators are left to the admin checks. EKS deployments are not judged: what a principal may do
inside the cluster lives in Kubernetes RBAC, not in IAM.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from polp.checks.interface import (
    AuditContext,
    Check,
    Confidence,
    Finding,
    Rule,
    Severity,
    Subject,
    finding_for_grants,
)
from polp.checks.rules._asking import PerPolicySet, granted, is_effective_admin
from polp.checks.rules._wording import join_words, who
from polp.iam.effective import Grant, PolicySet


@dataclass(frozen=True, slots=True)
class Power:
    name: str
    actions: tuple[str, ...]


POWERS: tuple[Power, ...] = (
    Power(
        "training",
        (
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateAutoMLJob",
            "sagemaker:CreateAutoMLJobV2",
            "bedrock:CreateModelCustomizationJob",
        ),
    ),
    # Pushing a manifest is enough to repoint a tag at an image made of existing layers.
    Power("image publishing", ("ecr:PutImage",)),
    Power(
        "deployment",
        (
            "sagemaker:CreateEndpoint",
            "sagemaker:UpdateEndpoint",
            "ecs:CreateService",
            "ecs:UpdateService",
            "lambda:UpdateFunctionCode",
            "apprunner:CreateService",
            "apprunner:UpdateService",
        ),
    ),
)

RULE = Rule(
    id="POLP-FRAG-001",
    name="identity-fragmentation",
    category="fragmentation",
    severity=Severity.medium,
    confidence=Confidence.high,
    summary="One identity holds more than one pipeline stage: training, image publishing, deployment",
    explanation=(
        "Training, building images and deploying are separate tasks with separate inputs. When one identity "
        "does several, whatever compromises the most exposed stage (training code and its dependencies, "
        "the build) inherits the others: it can push a tampered image and deploy it in the same run."
    ),
    remediation=(
        "Give each stage its own role: a training role that reads the training data and writes model "
        "artefacts, a build role that pushes to the model's ECR repository, a deployment role that updates "
        "the endpoint or service. Chain them through the pipeline, with an approval before deployment."
    ),
    help_uri="https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/welcome.html",
)


def _held(permissions: PolicySet) -> list[tuple[Power, tuple[Grant, ...]]]:
    if is_effective_admin(permissions):
        return []
    # One question for every power's actions: granted() lists grants in the order of the actions,
    # so each power's share of the answer is what asking about its actions alone gives.
    every = granted(permissions, _ACTIONS)
    if not every:
        return []
    held: list[tuple[Power, tuple[Grant, ...]]] = []
    for power in POWERS:
        grants = tuple(g for g in every if g.action in power.actions)
        if grants:
            held.append((power, grants))
    return held if len(held) >= 2 else []


#: Every power's actions, in order; no action belongs to two powers (a test holds it to that), so
#: that one question's answer splits into each power's.
_ACTIONS = tuple(a for power in POWERS for a in power.actions)


_HELD = PerPolicySet(_held)


def run(subject: Subject, context: AuditContext) -> Iterator[Finding]:
    held = _HELD(subject.permissions)
    if not held:
        return
    parts = [f"{power.name} ({', '.join(sorted({g.action for g in grants}))})" for power, grants in held]
    message = f"{who(subject)} combines {join_words(parts)}; split them into one role per stage"
    yield finding_for_grants(
        RULE,
        subject,
        [g for _, grants in held for g in grants],
        message,
        details={"powers": [power.name for power, _ in held]},
    )


CHECK = Check(rule=RULE, run=run)
