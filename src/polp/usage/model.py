"""What the usage commands work on: aggregated usage rows, events that map to no action, skipped input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["success", "denied", "error"]
OUTCOMES: tuple[Outcome, ...] = ("success", "denied", "error")

#: How an event relates to IAM when it maps to no action.
UnmappedKind = Literal["no-permission", "not-api-call", "unknown-service", "unknown-action"]


@dataclass(frozen=True, slots=True)
class UsagePrincipal:
    """Who made a call, normalized: an assumed-role session is its role.

    ``subject`` names the federated identity behind a role (web identity provider and subject, SAML
    subject); ``via`` is the AWS service that called on the principal's behalf (``invokedBy``), kept
    apart because the principal did not make that call itself.
    """

    arn: str
    kind: str
    subject: str = ""
    via: str = ""


@dataclass(frozen=True, slots=True)
class UsageRow:
    """Calls of one principal to one action on one resource with one outcome, on one day.

    ``inferred_from`` is empty for calls CloudTrail recorded; for a permission AWS checks without
    logging it (``iam:PassRole``) it names the recorded action that needed it.
    """

    principal: str
    principal_kind: str
    subject: str
    via: str
    action: str
    resource: str
    outcome: Outcome
    error_code: str
    inferred_from: str
    category: str
    #: True for the second and later resources of one call, so that calls are counted once.
    extra: bool
    day: str
    count: int
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class UnmappedEvent:
    """Events that map to no IAM action, with why: reported, never guessed."""

    event_source: str
    event_name: str
    kind: UnmappedKind
    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class Skipped:
    """Input that was not used, grouped by reason, with a few examples of where."""

    reason: str
    count: int
    examples: tuple[str, ...] = ()
