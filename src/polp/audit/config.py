"""The audit configuration: ``polp.toml``, or ``[tool.polp]`` in ``pyproject.toml``.

```toml
fail-on = "high"            # default gate for `polp audit`
max-key-age-days = 90

[[ignore]]
rule = "POLP-WILD-002"      # a rule id or name (required)
principal = "arn:aws:iam::111122223333:role/legacy-*"   # optional, a glob on the ARN or name
policy = "ci-build"         # optional, a glob on the policy name or ARN
reason = "tracked in SEC-142"                            # required
expires = "2027-03-31"      # optional; once past, the ignore stops working and is itself reported
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from polp.checks.interface import Finding, Severity
from polp.errors import InputError, Location
from polp.iam.wildcards import glob_match


@dataclass(frozen=True, slots=True)
class Ignore:
    rule: str
    reason: str
    principal: str | None = None
    policy: str | None = None
    expires: date | None = None
    location: Location | None = None

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def matches(self, finding: Finding) -> bool:
        if self.rule not in (finding.rule.id, finding.rule.name):
            return False
        if self.principal is not None:
            if finding.principal is None:
                return False
            if not any(
                glob_match(self.principal, value, case_sensitive=True)
                for value in (finding.principal.arn, finding.principal.name)
            ):
                return False
        return self.policy is None or (
            finding.policy is not None and glob_match(self.policy, finding.policy, case_sensitive=True)
        )


@dataclass(frozen=True, slots=True)
class AuditConfig:
    ignores: tuple[Ignore, ...] = ()
    fail_on: Severity | None = None
    max_key_age_days: int = 90
    path: str | None = None


def _has_polp_table(pyproject: Path) -> bool:
    try:
        return "[tool.polp" in pyproject.read_text(encoding="utf-8")
    except OSError:
        return False


def _find_default(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        for name in ("polp.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file() and (name == "polp.toml" or _has_polp_table(candidate)):
                return candidate
        if (directory / ".git").exists():
            break
    return None


def _ignore_lines(text: str) -> list[int]:
    return [
        i
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip().startswith("[[") and "ignore" in line
    ]


def load_config(path: str | None = None, *, search_from: Path | None = None) -> AuditConfig:
    """Read the configuration named, or the nearest one above ``search_from``; none is fine."""
    if path is None:
        found = _find_default(search_from or Path.cwd())
        if found is None:
            return AuditConfig()
        path = str(found)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read configuration: {exc.strerror or exc}", Location(path)) from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", Location(path)) from None
    if path.endswith("pyproject.toml"):
        data = data.get("tool", {}).get("polp", {})
    if not isinstance(data, dict):
        raise InputError("the polp configuration must be a table", Location(path))
    known = {"ignore", "fail-on", "max-key-age-days"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(
            f"unknown configuration key(s): {', '.join(unknown)}", Location(path, path=unknown[0])
        )
    lines = _ignore_lines(text)
    ignores: list[Ignore] = []
    raw_ignores = data.get("ignore", [])
    if not isinstance(raw_ignores, list):
        raise InputError("'ignore' must be an array of tables ([[ignore]])", Location(path, path="ignore"))
    for i, entry in enumerate(raw_ignores):
        where = Location(path, lines[i] if i < len(lines) else None, None, f"ignore[{i}]")
        if not isinstance(entry, dict):
            raise InputError("each ignore must be a table", where)
        extra = sorted(set(entry) - {"rule", "reason", "principal", "policy", "expires"})
        if extra:
            raise InputError(f"unknown ignore key(s): {', '.join(extra)}", where)
        rule, reason = entry.get("rule"), entry.get("reason")
        if not isinstance(rule, str) or not rule:
            raise InputError("an ignore needs a 'rule' (a rule id or name)", where)
        if not isinstance(reason, str) or not reason.strip():
            raise InputError("an ignore needs a 'reason'", where)
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError:
                raise InputError(f"'expires' must be a date (YYYY-MM-DD), found {expires!r}", where) from None
        if expires is not None and not isinstance(expires, date):
            raise InputError("'expires' must be a date (YYYY-MM-DD)", where)
        for key in ("principal", "policy"):
            if key in entry and not isinstance(entry[key], str):
                raise InputError(f"'{key}' must be a string", where)
        ignores.append(
            Ignore(rule, reason.strip(), entry.get("principal"), entry.get("policy"), expires, where)
        )
    fail_on = data.get("fail-on")
    severity = None
    if fail_on is not None:
        try:
            severity = Severity.parse(str(fail_on))
        except KeyError:
            raise InputError(
                f"'fail-on' must be one of critical, high, medium, low, found {fail_on!r}",
                Location(path, path="fail-on"),
            ) from None
    age = data.get("max-key-age-days", 90)
    if not isinstance(age, int) or isinstance(age, bool) or age <= 0:
        raise InputError(
            "'max-key-age-days' must be a positive integer", Location(path, path="max-key-age-days")
        )
    return AuditConfig(tuple(ignores), severity, age, path)
