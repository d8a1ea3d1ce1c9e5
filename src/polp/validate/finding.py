"""What ``polp validate`` reports: a finding with a stable code, a severity and a location."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import total_ordering

from polp.errors import Location


@total_ordering
class Severity(Enum):
    """How bad a finding is, ordered ``ERROR > SECURITY_WARNING > WARNING > SUGGESTION``.

    * ``error``: AWS rejects the document for this policy type, or a part of it can never work.
    * ``security-warning``: the policy grants more than it probably means to.
    * ``warning``: the policy probably does not do what its author meant.
    * ``suggestion``: a clean-up that does not change what the policy grants.
    """

    SUGGESTION = "suggestion"
    WARNING = "warning"
    SECURITY_WARNING = "security-warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity named ``text`` (``error``, ``security-warning``, ``warning``, ``suggestion``)."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in sorted(cls, reverse=True))
            raise ValueError(f"unknown severity {text!r} (expected one of {names})") from None


_RANK = {Severity.SUGGESTION: 0, Severity.WARNING: 1, Severity.SECURITY_WARNING: 2, Severity.ERROR: 3}


@dataclass(frozen=True, slots=True)
class ValidationFinding:
    """One problem in one policy document.

    ``code`` is stable across releases (see :mod:`polp.validate.codes`); ``policy_name`` is the
    display name of the document (usually its file).
    """

    code: str
    severity: Severity
    message: str
    location: Location
    policy_name: str | None = None
