"""Turning documents found in an input into :class:`PolicyRef` objects, and managed policy ARNs into
the policies they name.

A document that breaks the policy grammar does not stop the run: each grammar problem becomes an
:class:`InputProblem` and the principal keeps a symbolic reference (``policy=None``), so that the
report still says that *something* is attached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from polp.errors import InputError, Location, PolicyParseError
from polp.iam.parse import parse_policy_data
from polp.iam.source import DocumentSource, loads_strict
from polp.inventory import InputProblem, PolicyKind, PolicyRef
from polp.sources.managed_snapshot import lookup_managed_policy


def parse_policy_ref(
    document: object,
    source: DocumentSource,
    problems: list[InputProblem],
    *,
    name: str,
    kind: PolicyKind,
    arn: str | None = None,
    location: Location | None = None,
    symbolic: bool = False,
) -> PolicyRef:
    """Parse a decoded document; grammar problems are recorded and give a symbolic reference."""
    where = location or source.locate(())
    try:
        policy = parse_policy_data(document, source)
    except PolicyParseError as exc:
        for message, problem_location in exc.problems:
            problems.append(InputProblem(f"policy {name!r}: {message}", problem_location))
        return PolicyRef(name, kind, None, arn, where, symbolic=True)
    except RecursionError:
        problems.append(InputProblem(f"policy {name!r}: nested too deeply", where))
        return PolicyRef(name, kind, None, arn, where, symbolic=True)
    return PolicyRef(name, kind, policy, arn, where, symbolic)


def parse_policy_json(
    text: object,
    base: Location,
    problems: list[InputProblem],
    *,
    name: str,
    kind: PolicyKind,
    arn: str | None = None,
    symbolic: bool = False,
) -> PolicyRef:
    """Parse a document held as a JSON string (Terraform attributes, the CLI's URL-decoded form).

    Positions inside the string are not file positions: every location is ``base`` (the attribute
    or resource that holds the string) followed by the JSON path.
    """
    if isinstance(text, Mapping):  # already decoded (a plan that kept an object, a hand-written file)
        return parse_policy_ref(
            text,
            DocumentSource(name=base.file, base=base),
            problems,
            name=name,
            kind=kind,
            arn=arn,
            location=base,
            symbolic=symbolic,
        )
    if not isinstance(text, str):
        problems.append(InputProblem(f"policy {name!r}: the document is not a JSON string", base))
        return PolicyRef(name, kind, None, arn, base, symbolic=True)
    try:
        data, _ = loads_strict(text, base.file)
    except InputError as exc:
        problems.append(InputProblem(f"policy {name!r}: {exc.message}", base))
        return PolicyRef(name, kind, None, arn, base, symbolic=True)
    return parse_policy_ref(
        data,
        DocumentSource(name=base.file, base=base),
        problems,
        name=name,
        kind=kind,
        arn=arn,
        location=base,
        symbolic=symbolic,
    )


def arn_account(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[0] == "arn" else None


def arn_last_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1] if "/" in arn else arn


class ManagedPolicies:
    """Resolves a managed policy ARN: first against the policies the same input defines, then against
    the AWS managed policy snapshot; anything else is a symbolic reference."""

    def __init__(
        self, local: Mapping[str, PolicyRef] | Callable[[str], PolicyRef | None] | None = None
    ) -> None:
        if local is None:
            self._local: Callable[[str], PolicyRef | None] = lambda _arn: None
        elif isinstance(local, Mapping):
            self._local = local.get
        else:
            self._local = local

    def resolve(
        self,
        arn: str,
        unresolved: list[str],
        *,
        name: str | None = None,
        location: Location | None = None,
        kind: PolicyKind | None = None,
    ) -> PolicyRef:
        found = self._local(arn)
        if found is None and arn_account(arn) == "aws":
            found = lookup_managed_policy(arn)
        if found is not None:
            where = found.location or location  # a snapshot policy is located where it is attached
            if (kind is not None and kind != found.kind) or where is not found.location:
                return PolicyRef(
                    found.name, kind or found.kind, found.policy, found.arn, where, found.symbolic
                )
            return found
        unresolved.append(arn)
        default_kind: PolicyKind = "aws-managed" if arn_account(arn) == "aws" else "managed"
        return PolicyRef(name or arn_last_name(arn), kind or default_kind, None, arn, location, symbolic=True)
