"""Inline ignores in Terraform and CloudFormation sources.

A comment on the line that defines the resource, or on the line just above it:

```hcl
# polp:ignore[POLP-WILD-002] the bucket name is generated; scoped by the boundary
resource "aws_iam_role_policy" "build" {
```
The reason after the bracket is required; an ignore without one does not count.
"""

from __future__ import annotations

import re
from functools import lru_cache

from polp.checks.interface import Finding

_IGNORE = re.compile(r"polp:ignore\[(?P<rules>[A-Za-z0-9_,\- ]+)\]\s*(?P<reason>\S.*)?")


@lru_cache(maxsize=1024)
def _lines(path: str) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return tuple(handle.read(4_000_000).splitlines())
    except OSError:
        return ()


def inline_ignore(finding: Finding) -> str | None:
    """The reason of an inline ignore that covers ``finding``, if there is one."""
    loc = finding.location
    if loc is None or loc.file is None or loc.line is None or loc.file.endswith(".json"):
        return None
    lines = _lines(loc.file.split("#", 1)[0])
    for number in (loc.line, loc.line - 1):
        if 1 <= number <= len(lines):
            match = _IGNORE.search(lines[number - 1])
            if match and match.group("reason"):
                rules = {r.strip() for r in match.group("rules").split(",")}
                if finding.rule.id in rules or finding.rule.name in rules:
                    return match.group("reason").strip()
    return None
