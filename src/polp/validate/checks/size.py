"""Size quotas per policy type (IAM and AWS STS quotas; AWS Organizations quotas).

IAM counts characters without white space; Organizations counts every character of an SCP or RCP,
white space included, so a pretty-printed SCP can be too large while its minified form fits.
"""

from __future__ import annotations

import re

from polp.validate.checks.context import CheckContext
from polp.validate.finding import Severity

_STRING_OR_SPACE = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+')


def compact_length(text: str) -> int:
    """The length of a JSON text without the white space outside its strings."""
    spaces = sum(len(m.group(0)) for m in _STRING_OR_SPACE.finditer(text) if m.group(1) is None)
    return len(text) - spaces


def check(ctx: CheckContext) -> None:
    rules = ctx.policy_type.rules
    text = ctx.policy.source.text
    limit = rules.size_limit
    if limit is None or text is None:
        return
    smallest = min(limit, rules.soft_size_limit or limit)
    raw = len(text.strip())
    if raw <= smallest:
        return
    size = compact_length(text)
    note = f" ({rules.size_note})" if rules.size_note else ""
    if size > limit:
        ctx.report(
            "policy-too-large",
            f"The policy has {size:,} characters without white space, over the "
            f"{limit:,} of a {rules.label}{note}: split it into several policies.",
            (),
            Severity.ERROR if rules.size_is_error else Severity.WARNING,
        )
    elif rules.counts_whitespace and raw > limit:
        ctx.report(
            "policy-too-large",
            f"The policy has {raw:,} characters as written, over the {limit:,} of a "
            f"{rules.label}, which counts white space; minified it has {size:,}. "
            "Remove the white space before attaching it.",
            (),
            Severity.WARNING,
        )
    elif rules.soft_size_limit is not None and size > rules.soft_size_limit:
        ctx.report(
            "policy-too-large",
            f"The policy has {size:,} characters without white space, over {rules.soft_size_limit:,}{note}.",
            (),
            Severity.WARNING,
        )
