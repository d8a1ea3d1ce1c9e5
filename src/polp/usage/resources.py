"""The resource ARNs a call acted on, from ``resources[]`` and the request parameters.

For an action without resource types the answer is ``*``. Otherwise, in order: ARNs CloudTrail lists in
``resources[]`` or that a request parameter holds, kept where they fit one of the action's ARN formats;
then the ARN formats filled from the request (``bucketName`` and ``key`` make an object ARN); and when
nothing fits, ``*``, recorded as such. Values that carry wildcards or policy variables are never used,
so that a forged log cannot widen a generated policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from polp.iam.catalog import ActionInfo, Catalog, ResourceType
from polp.usage.raw import HINT_KEYS

_PLACEHOLDER = re.compile(r"\$\{(?P<name>[^}]+)\}")
_SLASH_FREE = frozenset({"BucketName", "TableBucketName"})
_HINT_BY_LOWER = {key.lower(): key for key in HINT_KEYS}
_UNSAFE = re.compile(r"[*?$\x00-\x1f\x7f]")
_KMS_KEY_ID = re.compile(r"^(?:mrk-)?[0-9a-f-]{32,36}$")

#: ARN-format placeholders filled from a request parameter of another name.
PLACEHOLDER_HINTS: dict[str, tuple[str, ...]] = {
    "ObjectName": ("key",),
    "ParameterNameWithoutLeadingSlash": ("name",),
    "DbInstanceName": ("dBInstanceIdentifier",),
    "RoleNameWithPath": ("roleName",),
    "UserNameWithPath": ("userName",),
    "GroupNameWithPath": ("groupName",),
    "InstanceProfileNameWithPath": ("instanceProfileName",),
    "SecurityGroupId": ("groupId",),
    "TrailName": ("trailName", "name"),
    "DocumentName": ("documentName", "name"),
    "ClusterName": ("clusterName", "cluster"),
    "JobQueueName": ("jobQueue",),
    "JobDefinitionName": ("jobDefinition",),
    "WorkGroupName": ("workGroup",),
    "QueueName": ("queueUrl",),
    "ModelId": ("modelId",),
    "SecretId": ("secretId", "name"),
    "KeyId": ("keyId",),
}
#: Resource-bearing parameters whose value is the ARN of a role passed to a service.
ROLE_HINTS: tuple[str, ...] = ("roleArn", "executionRoleArn", "role", "serviceRole")
_ROLE_FORMAT = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
#: Actions with more resource types than this are recorded as needing ``*``.
MAX_TYPES = 4


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What one raw group tells about the resources of its calls."""

    region: str | None
    account: str | None
    listed: tuple[str, ...]
    hints: Mapping[str, str]
    #: The caller's own ARN: IAM APIs without a user name act on the calling user (``iam:GetUser``).
    caller: str | None = None


def partition_of(region: str | None) -> str:
    found = _PARTITIONS.get(region)
    if found is None:
        found = _partition_of(region)
        if len(_PARTITIONS) < 1024:
            _PARTITIONS[region] = found
    return found


_PARTITIONS: dict[str | None, str] = {}


def _partition_of(region: str | None) -> str:
    region = region or ""
    for prefix, partition in (
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-iso-", "aws-iso"),
    ):
        if region.startswith(prefix):
            return partition
    return "aws"


def _safe(value: str | None) -> str | None:
    return value if value and not _UNSAFE.search(value) else None


def _hint_names(placeholder: str) -> tuple[str, ...]:
    names = _NAMES.get(placeholder)
    if names is None:
        names = PLACEHOLDER_HINTS.get(placeholder)
        if names is None:
            default = _HINT_BY_LOWER.get(placeholder.lower())
            names = (default,) if default else ()
        _NAMES[placeholder] = names
    return names


_NAMES: dict[str, tuple[str, ...]] = {}


def _hint_value(placeholder: str, service: str, hints: Mapping[str, str]) -> str | None:
    for name in _hint_names(placeholder):
        value = _safe(hints.get(name))
        if value is None or value.startswith("arn:"):
            continue
        if placeholder == "ParameterNameWithoutLeadingSlash":
            value = value.lstrip("/")
        elif placeholder == "QueueName":
            value = value.rstrip("/").rsplit("/", 1)[-1]
        elif placeholder == "KeyId" and not _KMS_KEY_ID.match(value):
            continue
        elif placeholder == "SecretId":
            value = f"{value}-??????"  # Secrets Manager appends six random characters to the name
        if service == "sagemaker":
            value = value.lower()  # SageMaker ARNs hold names in lower case
        return value or None
    return None


@lru_cache(maxsize=4096)
def _pieces(arn_format: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An ARN format as its leading text and (placeholder, text after it) pairs."""
    parts = _PLACEHOLDER.split(arn_format)
    return parts[0], tuple(zip(parts[1::2], parts[2::2], strict=True))


def fill_format(arn_format: str, service: str, facts: RequestFacts) -> str | None:
    """The ARN format with every placeholder filled from the request; None if one is unknown."""
    head, rest = _pieces(arn_format)
    out = [head]
    for name, text in rest:
        if name == "Partition":
            value: str | None = partition_of(facts.region)
        elif name == "Region":
            value = facts.region
        elif name == "Account":
            value = facts.account
        else:
            value = _hint_value(name, service, facts.hints)
        if not value:
            return None
        out.append(value)
        out.append(text)
    return "".join(out)


def _format_regex(formats: tuple[str, ...]) -> re.Pattern[str]:
    found = _REGEXES.get(formats)
    if found is None:
        found = _compile_formats(formats)
        if len(_REGEXES) < 4096:
            _REGEXES[formats] = found
    return found


_REGEXES: dict[tuple[str, ...], re.Pattern[str]] = {}


def _compile_formats(formats: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for concrete ARNs of any of ``formats``.

    As :func:`polp.iam.arn.pattern_may_match_template` decides for an ARN without wildcards: a
    placeholder stays inside its colon-separated component, except in the resource part, and a bucket
    name never spans a ``/``.
    """
    alternatives = []
    for arn_format in formats:
        head = arn_format.split(":", 5)
        parts = []
        for i, component in enumerate(head):
            pieces = _PLACEHOLDER.split(component)
            names = _PLACEHOLDER.findall(component)
            out = re.escape(pieces[0])
            for name, literal in zip(names, pieces[2::2], strict=False):
                if i < 5:
                    out += "[^:]*"
                else:
                    out += "[^/]*" if name in _SLASH_FREE else ".*"
                out += re.escape(literal)
            parts.append(out)
        alternatives.append(":".join(parts))
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.DOTALL)


def _fits(arn: str, formats: tuple[str, ...]) -> bool:
    return _format_regex(formats).fullmatch(arn) is not None


def copy_source_arn(value: str | None) -> str | None:
    """S3's ``x-amz-copy-source`` (``bucket/key?versionId=...``, URL-encoded) as an object ARN."""
    if not value:
        return None
    source = unquote(value.split("?", 1)[0]).lstrip("/")
    if "/" not in source or _UNSAFE.search(source):
        return None
    return f"arn:aws:s3:::{source}"


def _concrete(candidates: Sequence[str | None], formats: tuple[str, ...]) -> list[str]:
    return _fitting(_arn_candidates(candidates), formats)


def _arn_candidates(candidates: Iterable[str | None]) -> list[str]:
    """The candidates that may be concrete ARNs (safe, ``arn:``), in order."""
    return [c for c in candidates if c and c.startswith("arn:") and _safe(c)]


def _fitting(candidates: list[str], formats: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for candidate in candidates:
        if candidate not in found and _fits(candidate, formats):
            found.append(candidate)
    return found


def _wildcard(arn_format: str, facts: RequestFacts) -> str:
    """An ARN format with the partition, region and account filled and every name a ``*``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name == "Partition":
            return partition_of(facts.region)
        if name == "Region":
            return facts.region or "*"
        if name == "Account":
            return facts.account or "*"
        return "*"

    return _PLACEHOLDER.sub(replace, arn_format)


_TYPES: dict[str, list[tuple[ResourceType, bool]]] = {}


def resource_types(catalog: Catalog, info: ActionInfo) -> list[tuple[ResourceType, bool]]:
    """The action's resource types with whether each is required (S3 access points left out)."""
    found = _TYPES.get(info.full_name)
    if found is None:
        found = _TYPES[info.full_name] = _compute_types(catalog, info)
    return found


def _compute_types(catalog: Catalog, info: ActionInfo) -> list[tuple[ResourceType, bool]]:
    required = {rt.name.lower(): rt.required for rt in info.resource_types}
    types = [(rt, required.get(rt.name.lower(), False)) for rt in catalog.resource_types_for(info)]
    if info.service == "s3":  # access points are another way to address the same bucket or object
        types = [t for t in types if not t[0].name.startswith("accesspoint")] or types
    return types


def _of_type(rt: ResourceType, info: ActionInfo, facts: RequestFacts, candidates: list[str]) -> list[str]:
    formats = tuple(rt.arn_formats)
    if candidates:
        found = _fitting(candidates, formats)
        if found:
            return found
    for arn_format in formats:
        filled = fill_format(arn_format, info.service, facts)
        if filled is not None and _fits(filled, formats):
            return [filled]
    if info.service == "iam" and facts.caller and _fits(facts.caller, formats):
        return [facts.caller]
    return []


def resources_for(
    catalog: Catalog, info: ActionInfo, facts: RequestFacts, resource_from: str | None = None
) -> tuple[str, ...]:
    """The resources one call of ``info`` acted on, or ``("*",)`` when the action takes none or none fits.

    AWS authorizes every resource a request involves. For an action with a few resource types
    (``ec2:CreateRouteTable``: the new route table and its VPC), the types the request does not name
    and that are required are given as type-wide patterns (``...:route-table/*``), so that the result
    still allows the call; past :data:`MAX_TYPES` types the action needs ``*``. Optional types the
    request may name without a scalar parameter (the instances of ``ssm:SendCommand``) are not seen.
    """
    types = resource_types(catalog, info)
    if not types or len(types) > MAX_TYPES:
        return ("*",)
    if resource_from == "copySource":
        formats = tuple(f for rt, _ in types for f in rt.arn_formats)
        found = _concrete([copy_source_arn(facts.hints.get("copySource"))], formats)
        return tuple(found) or ("*",)
    concrete: list[str] = []
    patterns: list[str] = []
    candidates = _arn_candidates((*facts.listed, *facts.hints.values()))
    for rt, required in types:
        arns = _of_type(rt, info, facts, candidates)
        concrete.extend(a for a in arns if a not in concrete)
        if not arns and required:
            patterns.extend(_wildcard(f, facts) for f in rt.arn_formats)
    if not concrete:
        return ("*",)
    return tuple(concrete) + tuple(dict.fromkeys(patterns))


#: Placeholders whose value is checked or changed beyond safety (see :func:`_hint_value`), or that
#: stop at a ``/``; and those filled from the facts rather than from a request parameter.
_VALUE_SENSITIVE = frozenset({"ParameterNameWithoutLeadingSlash", "QueueName", "KeyId", *_SLASH_FREE})
_FROM_FACTS = frozenset({"Partition", "Region", "Account"})


def _placeholders(arn_format: str) -> list[tuple[str, bool]]:
    """The placeholders of an ARN format, each with whether it is in the resource part."""
    return [
        (name, i == 5)
        for i, component in enumerate(arn_format.split(":", 5))
        for name in _PLACEHOLDER.findall(component)
    ]


def resolves_by_position(catalog: Catalog, info: ActionInfo, resource_from: str | None, hint: str) -> bool:
    """Whether the resources of a call of ``info`` depend on request parameter ``hint`` only through
    where its value goes, for values without ``:`` that :func:`_safe` accepts.

    Then :func:`resources_for` with a stand-in value (one character that no log holds) gives the
    resources for any such value once the value is put in the stand-in's place (lower-cased where
    :func:`_hint_value` lower-cases, for SageMaker), up to resources that the value makes equal,
    which the caller must check. It holds when every ARN format the parameter fills is the only
    format of its resource type and takes the value in its resource part, where the placeholder
    matches any text: no such value starts with ``arn:`` (so it is never taken as an ARN), passes
    the same checks as the stand-in, and cannot change whether the filled ARN fits its format (the
    colons before the resource part are all the format's or the facts', and a literal after the
    value is found where the format put it).
    """
    if resource_from == "copySource":
        return hint != "copySource"
    types = resource_types(catalog, info)
    if not types or len(types) > MAX_TYPES:
        return True
    for rt, _ in types:
        for arn_format in rt.arn_formats:
            for name, in_resource in _placeholders(arn_format):
                if name in _FROM_FACTS or hint not in _hint_names(name):
                    continue
                if not in_resource or name in _VALUE_SENSITIVE or len(rt.arn_formats) != 1:
                    return False
    return True


def passed_roles(facts: RequestFacts) -> tuple[str, ...]:
    """Role ARNs the request handed to a service (``roleArn``, ``executionRoleArn``, ...)."""
    return tuple(_concrete([facts.hints.get(h) for h in ROLE_HINTS], (_ROLE_FORMAT,)))
