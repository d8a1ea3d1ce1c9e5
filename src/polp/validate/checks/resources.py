"""The Resource and NotResource elements: ARNs IAM accepts, that exist, and that the actions can use.

IAM's own acceptance rules (the messages of ``CreatePolicy``): a resource is ``"*"`` or an ARN with a
valid partition and a service; an ARN with four or five fields fails IAM's legacy parser, while a
three-field one (``arn:aws:s3``) is accepted although it matches nothing. IAM and S3 bucket ARNs
cannot carry a Region, and IAM resource paths must start with a known resource type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from polp.iam.arn import arn_matches, parse_arn, pattern_may_match_template
from polp.iam.model import Statement
from polp.iam.variables import has_variables
from polp.iam.wildcards import has_wildcard
from polp.validate.checks import lookups
from polp.validate.checks.context import CheckContext
from polp.validate.checks.paths import element_path, statement_values

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_IAM_PATHS = (
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
    "root",
)
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}")
_ACCOUNT = re.compile(r"\d{12}")

Problem = tuple[str, str] | None


def check(ctx: CheckContext) -> None:
    for statement in ctx.statements:
        for element in ("Resource", "NotResource"):
            values = statement_values(statement, element)
            if not values:
                continue
            if element == "NotResource" and "*" in values:
                ctx.report(
                    "matches-nothing",
                    'NotResource "*" excludes every resource: the statement never '
                    "applies. Use Resource instead.",
                    (*statement.path, element),
                )
            valid: list[tuple[int, str]] = []
            for i, resource in enumerate(values):
                problem = arn_problem(resource)
                if problem is not None:
                    ctx.report(problem[0], problem[1], element_path(statement, element, i, len(values)))
                    if problem[0] == "invalid-arn" or problem[0] == "incomplete-arn":
                        continue
                valid.append((i, resource))
            if element == "Resource":
                _mismatch(ctx, statement, valid, len(values))
            _redundant(ctx, statement, element, values)
        if statement.not_action is not None and "*" in statement.not_action:
            ctx.report(
                "matches-nothing",
                'NotAction "*" excludes every action: the statement never applies.',
                (*statement.path, "NotAction"),
            )


def _field_count(resource: str) -> int:
    return _VARIABLE.sub("x", resource).count(":") + 1


def _literal(text: str) -> bool:
    return not has_wildcard(text) and not has_variables(text)


@lru_cache(maxsize=1 << 16)
def arn_problem(resource: str) -> Problem:
    """The (code, message) of what is wrong with one Resource value, or None."""
    if resource == "*" or resource.startswith("${"):
        return None
    head = resource.split(":", 1)[0]
    if head != "arn":
        if has_wildcard(head):
            return None
        return (
            "invalid-arn",
            f'"{resource}" is not an ARN: a resource is "*" or '
            "arn:partition:service:region:account:resource.",
        )
    fields = _field_count(resource)
    if fields < 3:
        return (
            "invalid-arn",
            f'"{resource}" has no service: an ARN is arn:partition:service:region:account:resource.',
        )
    masked = _VARIABLE.sub("${}", resource).split(":", 3)
    partition, service = masked[1], masked[2]
    if _literal(partition) and partition not in PARTITIONS:
        return (
            "invalid-arn",
            f'"{resource}": the partition "{partition}" is not valid (expected {", ".join(PARTITIONS)}).',
        )
    if not service:
        return ("invalid-arn", f'"{resource}" has an empty service field.')
    if fields == 3:
        return (
            "incomplete-arn",
            f'"{resource}" has 3 of the 6 fields of an ARN '
            "(arn:partition:service:region:account:resource): IAM accepts it, but it "
            "matches no resource.",
        )
    if fields < 6:
        return (
            "invalid-arn",
            f'"{resource}" has {fields} of the 6 fields of an ARN '
            "(arn:partition:service:region:account:resource); AWS rejects it.",
        )
    arn = parse_arn(resource)
    if arn is None:  # pragma: no cover - six fields always parse
        return None
    service = arn.service
    if service == "iam":
        return _iam_problem(resource, arn.region, arn.resource)
    if service == "s3" and arn.region and _literal(arn.region) and not _s3_regional(resource):
        return (
            "invalid-arn",
            f'"{resource}": S3 buckets and objects have no Region; AWS rejects a Region here. '
            f"Use arn:{arn.partition}:s3:::{arn.resource}.",
        )
    if (
        _literal(service)
        and not lookups.has_service(service.lower())
        and service.lower() not in lookups.arn_services()
    ):
        return ("unknown-arn-service", f'"{resource}": no AWS service uses "{service}" in its ARNs.')
    if arn.region and _literal(arn.region) and not _REGION.fullmatch(arn.region):
        return (
            "implausible-arn-field",
            f'"{resource}": "{arn.region}" is not an AWS Region code '
            "(like us-east-1), so this ARN matches nothing.",
        )
    if arn.account and _literal(arn.account) and arn.account != "aws" and not _ACCOUNT.fullmatch(arn.account):
        return (
            "implausible-arn-field",
            f'"{resource}": "{arn.account}" is not a 12-digit account ID, so this ARN matches nothing.',
        )
    return None


def _iam_problem(resource: str, region: str, path: str) -> Problem:
    if region and _literal(region):
        return ("invalid-arn", f'"{resource}": IAM resources have no Region; AWS rejects a Region here.')
    stem = re.split(r"[*?$]", path, maxsplit=1)[0]
    allowed = _iam_prefixes()
    if stem and not any(p.startswith(stem) or stem.startswith(p) for p in allowed):
        return (
            "invalid-arn",
            f'"{resource}": an IAM resource path must start with one of {", ".join(_IAM_PATHS)} (or be "*").',
        )
    return None


@lru_cache(maxsize=1)
def _iam_prefixes() -> tuple[str, ...]:
    found = set(_IAM_PATHS)
    for rt in lookups.service_resource_types("iam"):
        for fmt in rt.arn_formats:
            parsed = parse_arn(fmt)
            if parsed is not None:
                found.add(re.split(r"[$*]", parsed.resource, maxsplit=1)[0])
    return tuple(sorted(p for p in found if p))


def _s3_regional(resource: str) -> bool:
    """Whether some S3 resource type with a Region (access points, jobs) can match ``resource``."""
    for rt in lookups.service_resource_types("s3"):
        for fmt in rt.arn_formats:
            parsed = parse_arn(fmt)
            if parsed is not None and parsed.region and pattern_may_match_template(resource, fmt):
                return True
    return False


def _mismatch(ctx: CheckContext, statement: Statement, valid: list[tuple[int, str]], count: int) -> None:
    if statement.action is None or not valid:
        return
    resolved = lookups.resolve_actions(statement.action)
    if not resolved.complete or not resolved.names:
        return
    for i, resource in valid:
        if resource == "*" or lookups.addressable(resolved.names, resource):
            continue
        ctx.report(
            "resource-mismatch",
            f'None of the statement\'s actions can act on "{resource}", so it grants nothing there: '
            f"{lookups.describe_targets(resolved.names)}.",
            element_path(statement, "Resource", i, count),
        )


def _covers(wide: str, narrow: str) -> bool:
    """Whether the Resource pattern ``wide`` matches every ARN that ``narrow`` matches."""
    if wide == "*":
        return True
    if has_variables(wide) or has_variables(narrow):
        return False
    if not has_wildcard(narrow):
        return arn_matches(wide, narrow)
    stem = wide[:-1]
    return (
        wide.endswith("*")
        and not has_wildcard(stem)
        and _field_count(stem) >= 6
        and narrow.startswith(stem)
        and narrow != wide
    )


def _redundant(ctx: CheckContext, statement: Statement, element: str, values: Sequence[str]) -> None:
    if len(values) < 2:
        return
    wildcards = [v for v in dict.fromkeys(values) if has_wildcard(v)]
    seen: set[str] = set()
    for i, value in enumerate(values):
        path = element_path(statement, element, i, len(values))
        if value in seen:
            ctx.report("redundant-resource", f'"{value}" is listed twice in {element}; remove one.', path)
            continue
        seen.add(value)
        wide = next((w for w in wildcards if w != value and _covers(w, value)), None)
        if wide is not None:
            ctx.report(
                "redundant-resource",
                f'"{value}" is already covered by "{wide}" in {element}; remove it, '
                "or narrow the wildcard if it grants more than you meant.",
                path,
            )
