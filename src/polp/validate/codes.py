"""The stable finding codes of ``polp validate``, one per kind of problem.

Codes are kebab-case names modelled on IAM Access Analyzer's policy checks; they never change meaning
once released (a retired code is not reused). Each has a default severity; the few whose severity
depends on the policy type say so in their summary, and the check passes the severity explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

from polp.validate.finding import Severity

E, S, W, SUG = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    severity: Severity
    family: str
    summary: str


_TABLE: tuple[tuple[str, Severity, str, str], ...] = (
    # grammar
    ("syntax", E, "grammar", "The document breaks the grammar of the policy language."),
    # document structure
    (
        "missing-version",
        E,
        "structure",
        "No Version: IAM rejects managed identity policies and boundaries, and Organizations RCPs, without "
        "2012-10-17 (error); elsewhere policy variables are literal text (warning).",
    ),
    ("old-version", E, "structure", "Version 2008-10-17: as missing-version."),
    ("missing-action", E, "structure", "A statement without Action or NotAction, or with an empty one."),
    (
        "missing-resource",
        E,
        "structure",
        "A statement without Resource or NotResource, or with an empty one, where the type requires it.",
    ),
    ("missing-principal", E, "structure", "A resource, trust or RCP statement without Principal."),
    ("unsupported-element", E, "structure", "An element that this policy type does not allow."),
    (
        "duplicate-sid",
        E,
        "structure",
        "Two statements share a Sid: IAM rejects it (error); other policy types accept it (warning).",
    ),
    ("invalid-sid", W, "structure", "A Sid with characters other than the A-Z, a-z, 0-9 that IAM documents."),
    ("empty-sid", SUG, "structure", "An empty Sid."),
    # actions
    (
        "invalid-action",
        E,
        "actions",
        "An action that is not service:action (no colon, two colons, bad prefix).",
    ),
    ("unknown-service", W, "actions", "An action whose service prefix does not exist (IAM accepts it)."),
    ("unknown-action", W, "actions", "An action, or an action pattern, that names no existing action."),
    ("wildcard-in-service", SUG, "actions", "A wildcard in a service prefix may match future services."),
    ("redundant-action", SUG, "actions", "An action already covered by another one of the same element."),
    # resources
    (
        "invalid-arn",
        E,
        "resources",
        "A Resource that IAM rejects: not an ARN, bad partition, missing fields.",
    ),
    ("incomplete-arn", W, "resources", "An ARN with fewer than six fields: accepted, but matches nothing."),
    ("unknown-arn-service", W, "resources", "An ARN whose service does not exist."),
    ("implausible-arn-field", W, "resources", "An ARN region or account that no resource can have."),
    ("resource-mismatch", W, "resources", "A resource that none of the statement's actions can act on."),
    (
        "redundant-resource",
        SUG,
        "resources",
        "A resource already covered by another one of the same element.",
    ),
    ("matches-nothing", W, "resources", 'A statement that can never apply (NotResource or NotAction "*").'),
    # condition keys
    (
        "unknown-condition-key",
        E,
        "condition-keys",
        "An aws: key that does not exist (error), or a key that a known service does not define (warning: "
        "the catalog may be older than the key).",
    ),
    ("unknown-key-service", W, "condition-keys", "A condition key whose prefix is not a known service."),
    (
        "unsupported-condition-key",
        W,
        "condition-keys",
        "A service key that none of the statement's actions supports: the condition never matches.",
    ),
    (
        "duplicate-condition-key",
        W,
        "condition-keys",
        "The same key twice in one operator, in different case.",
    ),
    # condition operators and values
    ("invalid-condition-value", E, "condition-values", "A date value that IAM rejects."),
    ("condition-value-type", W, "condition-values", "A value that is not valid for the operator's type."),
    ("operator-type-mismatch", W, "condition-values", "An operator of another type than its key."),
    ("wildcard-without-like", W, "condition-values", "A * or ? in a value of an operator that has no Like."),
    (
        "variable-in-non-string-condition",
        W,
        "condition-values",
        "A policy variable in a non-string operator, where it is literal text.",
    ),
    ("null-with-qualifier", SUG, "condition-values", "Null with ForAllValues or ForAnyValue."),
    (
        "forallvalues-single-valued",
        S,
        "condition-values",
        "ForAllValues on a single-valued key: true when the key is absent.",
    ),
    (
        "missing-set-qualifier",
        W,
        "condition-values",
        "A multivalued key without ForAllValues or ForAnyValue.",
    ),
    ("multiple-bool-values", W, "condition-values", "Bool with both true and false: always true."),
    ("empty-condition", SUG, "condition-values", "An empty Condition, operator block or value list."),
    (
        "private-source-ip",
        W,
        "condition-values",
        "aws:SourceIp with private addresses, which it never sees (warning; suggestion when mixed).",
    ),
    ("ip-host-bits", SUG, "condition-values", "A CIDR block with host bits set."),
    # principals
    ("allow-with-not-principal", S, "principals", "Allow with NotPrincipal grants to everyone else."),
    ("invalid-principal", E, "principals", "A principal value that IAM rejects."),
    ("wildcard-in-principal", E, "principals", "A partial wildcard in a principal ARN."),
    ("principal-unique-id", W, "principals", "A principal given by unique ID instead of ARN."),
    ("empty-principal", SUG, "principals", "An empty Principal."),
    # privileges
    (
        "passrole-wildcard-resource",
        S,
        "privileges",
        "iam:PassRole allowed on every role, without iam:PassedToService.",
    ),
    # redundancy
    ("redundant-statement", SUG, "redundancy", "A statement identical to an earlier one."),
    # trust policies
    ("trust-action", E, "trust", "An action that a role trust policy cannot contain."),
    ("oidc-missing-audience", S, "trust", "An OIDC trust statement without a condition on the aud claim."),
    ("oidc-missing-subject", S, "trust", "An OIDC trust statement without a condition on the sub claim."),
    ("oidc-wildcard-repository", S, "trust", "A GitHub OIDC sub condition that matches any repository."),
    # organizations policies
    ("rcp-allow", E, "organizations", "An RCP Allow statement other than RCPFullAWSAccess."),
    ("rcp-principal", E, "organizations", 'An RCP Principal other than "*".'),
    ("rcp-unsupported-service", W, "organizations", "An RCP action of a service that RCPs do not apply to."),
    # quotas
    (
        "policy-too-large",
        E,
        "quotas",
        "Larger than the quota of the policy type: an error for boundaries, session policies, trust "
        "policies, SCPs and RCPs; a warning for identity policies (AWS-managed policies are exempt, "
        "and an inline role policy holds more than a managed one) and for SCPs/RCPs that fit once "
        "minified.",
    ),
)

CODES: dict[str, Code] = {row[0]: Code(*row) for row in _TABLE}


def code(code_id: str) -> Code:
    """The code ``code_id``; a :class:`KeyError` here is a bug in a check."""
    return CODES[code_id]
