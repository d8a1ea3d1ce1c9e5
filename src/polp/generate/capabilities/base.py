"""What a capability is: parameters, and the IAM access it needs on the resources they name.

A capability turns its parameters into :class:`Access` entries: actions, exact resource ARNs, static
conditions, and the condition-key templates through which attribute-based access control may gate it
(``aws:ResourceTag/{key}`` for resources that exist, ``aws:RequestTag/{key}`` for resources it creates).
Which actions AWS checks alongside (``iam:PassRole`` for a role handed to a service, tagging on
creation) is not repeated here: the compiler takes it from :mod:`polp.iam.dependent_actions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

ParamKind = Literal[
    "name", "text", "role", "boolean", "rules", "conditions", "access_policy", "actions", "arns", "sid"
]

#: ABAC through tags on the resource acted on, or on the resource being created.
RESOURCE_TAG = "aws:ResourceTag/{key}"
REQUEST_TAG = "aws:RequestTag/{key}"
OBJECT_TAG = "s3:ExistingObjectTag/{key}"

#: Condition: (operator, key, values).
Condition = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class Scope:
    """Where the pipeline runs, and whose it is."""

    partition: str
    account: str
    region: str
    pipeline: str
    identity: str

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account}:{resource}"

    def role_arn(self, role: str) -> str:
        """A role given as an ARN, a path and name (``service-role/X``), or a name."""
        if role.startswith("arn:"):
            return role
        return f"arn:{self.partition}:iam::{self.account}:role/{role.lstrip('/')}"


@dataclass(frozen=True, slots=True)
class Access:
    """One statement's worth of access. ``tag_keys`` are the ABAC key templates that may gate it;
    ``passes_role`` is the role ARN the actions hand to a service (the compiler adds iam:PassRole)."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: tuple[Condition, ...] = ()
    tag_keys: tuple[str, ...] = ()
    passes_role: str | None = None


@dataclass(frozen=True, slots=True)
class RbacRule:
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    resource_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EksAccess:
    """The Kubernetes side of an EKS capability: an access entry, RBAC in one namespace, and an optional
    EKS access policy scoped to that namespace."""

    cluster: str
    namespace: str
    rules: tuple[RbacRule, ...]
    access_policy: str | None = None


@dataclass(frozen=True, slots=True)
class Built:
    accesses: tuple[Access, ...]
    eks: tuple[EksAccess, ...] = ()


Params = Mapping[str, object]
Builder = Callable[[Params, Scope], Built]


@dataclass(frozen=True, slots=True)
class CapabilitySpec:
    """A capability of the library. ``example`` holds parameters that the catalog test compiles."""

    name: str
    summary: str
    params: tuple[Param, ...]
    build: Builder
    example: Mapping[str, object] = field(default_factory=dict)


def text(params: Params, name: str, default: str = "") -> str:
    value = params.get(name)
    return value if isinstance(value, str) else default


def texts(params: Params, name: str) -> tuple[str, ...]:
    value = params.get(name)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def flag(params: Params, name: str, default: bool = False) -> bool:
    value = params.get(name)
    return value if isinstance(value, bool) else default


def prefix_pattern(prefix: str) -> str:
    """``models/demand`` -> ``models/demand/*``; ``models/demand-`` -> ``models/demand-*``; '' -> ``*``."""
    if not prefix:
        return "*"
    return prefix + "*" if prefix.endswith(("/", "-", "_", ".")) else prefix + "/*"
