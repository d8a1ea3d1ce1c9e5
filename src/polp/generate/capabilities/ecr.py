"""ECR: push images to one repository, pull from it.

The push sequence is the one Docker and OCI clients make: a registry login
(``ecr:GetAuthorizationToken``, which has no resource and is granted on ``*``), then
``BatchCheckLayerAvailability``, ``InitiateLayerUpload``, ``UploadLayerPart``, ``CompleteLayerUpload``
and ``PutImage`` on the repository.
"""

from __future__ import annotations

from polp.generate.capabilities.base import (
    RESOURCE_TAG,
    Access,
    Built,
    CapabilitySpec,
    Param,
    Params,
    Scope,
    text,
)

_REPOSITORY = Param("repository", "name", "The repository name (not an ARN).")
_LOGIN = Access("RegistryLogin", ("ecr:GetAuthorizationToken",), ("*",))
PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def _repository_arn(params: Params, scope: Scope) -> str:
    return scope.arn("ecr", f"repository/{text(params, 'repository')}")


def _push(params: Params, scope: Scope) -> Built:
    return Built(
        (
            _LOGIN,
            Access("PushImage", PUSH_ACTIONS, (_repository_arn(params, scope),), tag_keys=(RESOURCE_TAG,)),
        )
    )


def _pull(params: Params, scope: Scope) -> Built:
    return Built(
        (
            _LOGIN,
            Access("PullImage", PULL_ACTIONS, (_repository_arn(params, scope),), tag_keys=(RESOURCE_TAG,)),
        )
    )


SPECS = (
    CapabilitySpec(
        "ecr_push",
        "Push images to one ECR repository.",
        (_REPOSITORY,),
        _push,
        {"repository": "demand-forecast"},
    ),
    CapabilitySpec(
        "ecr_pull",
        "Pull images from one ECR repository.",
        (_REPOSITORY,),
        _pull,
        {"repository": "demand-forecast"},
    ),
)
