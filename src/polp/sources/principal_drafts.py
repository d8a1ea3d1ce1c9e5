"""Principals under construction, for sources that assemble them from separate resources.

Infrastructure code attaches policies to a role in one resource and defines the role in another (or
not at all: the role may exist outside the code). Drafts collect the pieces by kind and name; a
principal that is only referenced becomes a stub whose ``unresolved`` says it is defined elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from polp.errors import Location
from polp.inventory import AccessKey, PolicyRef, PrincipalKind, PrincipalRecord
from polp.sources.symbols import iam_arn

OUTSIDE = "defined outside this input"


@dataclass(slots=True)
class PrincipalDraft:
    kind: PrincipalKind
    name: str
    arn: str
    location: Location | None = None
    external: bool = True
    inline: list[PolicyRef] = field(default_factory=list)
    managed: list[PolicyRef] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    boundary: PolicyRef | None = None
    trust: PolicyRef | None = None
    tags: list[tuple[str, str]] = field(default_factory=list)
    access_keys: list[AccessKey] = field(default_factory=list)
    password_enabled: bool | None = None
    max_session_duration: int | None = None
    created: datetime | None = None
    unresolved: list[str] = field(default_factory=list)

    def add_inline(self, ref: PolicyRef) -> None:
        """Add an inline policy, once per name (a state lists a role's inline policies twice)."""
        if not any(existing.name == ref.name for existing in self.inline):
            self.inline.append(ref)

    def add_managed(self, ref: PolicyRef) -> None:
        """Attach a managed policy, once per ARN."""
        if ref.arn is None or not any(existing.arn == ref.arn for existing in self.managed):
            self.managed.append(ref)

    def note(self, *references: str) -> None:
        for reference in references:
            if reference not in self.unresolved:
                self.unresolved.append(reference)

    def freeze(self) -> PrincipalRecord:
        unresolved = [OUTSIDE, *self.unresolved] if self.external else self.unresolved
        return PrincipalRecord(
            kind=self.kind,
            name=self.name,
            arn=self.arn,
            inline_policies=tuple(self.inline),
            managed_policies=tuple(self.managed),
            groups=tuple(dict.fromkeys(self.groups)),
            permissions_boundary=self.boundary,
            trust_policy=self.trust,
            tags=tuple(self.tags),
            access_keys=tuple(self.access_keys),
            password_enabled=self.password_enabled,
            max_session_duration=self.max_session_duration,
            created=self.created,
            location=self.location,
            unresolved=tuple(dict.fromkeys(unresolved)),
        )


class Drafts:
    """Principals by kind and name, in the order first seen."""

    def __init__(self, account: str, partition: str = "aws") -> None:
        self.account = account
        self.partition = partition
        self._drafts: dict[tuple[str, str], PrincipalDraft] = {}

    def arn(self, kind: PrincipalKind, name: str, path: object = "/") -> str:
        return iam_arn(self.account, kind, path if isinstance(path, str) else "/", name, self.partition)

    def define(
        self, kind: PrincipalKind, name: str, *, path: object = "/", location: Location | None = None
    ) -> PrincipalDraft:
        draft = self.get(kind, name, location=location)
        if draft.external:
            draft.external = False
            draft.arn = self.arn(kind, name, path)
            draft.location = location
        return draft

    def get(self, kind: PrincipalKind, name: str, *, location: Location | None = None) -> PrincipalDraft:
        """The draft of a principal, created as an external stub if not defined (yet)."""
        key = (kind, name)
        draft = self._drafts.get(key)
        if draft is None:
            draft = PrincipalDraft(kind, name, self.arn(kind, name), location)
            self._drafts[key] = draft
        return draft

    def records(self) -> tuple[PrincipalRecord, ...]:
        return tuple(draft.freeze() for draft in self._drafts.values())
