"""The immutable, typed model of an IAM policy document.

Lists and single strings are both normalised to tuples; whether an element was present at all is kept
(``None`` versus an empty tuple), because AWS treats "absent" and "empty" differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from polp._slots import fast_init
from polp.errors import Location
from polp.iam.jsonpath import JsonPath, render_path
from polp.iam.source import DocumentSource

Effect = Literal["Allow", "Deny"]
SetQualifier = Literal["ForAllValues", "ForAnyValue"]

PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")


@fast_init
@dataclass(frozen=True, slots=True)
class Principal:
    """A ``Principal`` or ``NotPrincipal`` element.

    ``"Principal": "*"`` sets ``wildcard``; ``{"AWS": "*"}`` is kept as ``aws == ("*",)``. AWS treats
    both as everyone, which :meth:`is_everyone` reports.
    """

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()

    def is_everyone(self) -> bool:
        return self.wildcard or "*" in self.aws

    def items(self) -> Iterator[tuple[str, str]]:
        """Every ``(type, value)`` pair, ``("*", "*")`` for the bare wildcard."""
        if self.wildcard:
            yield ("*", "*")
        for kind, values in zip(
            PRINCIPAL_TYPES, (self.aws, self.service, self.federated, self.canonical_user), strict=True
        ):
            for value in values:
                yield (kind, value)


@fast_init
@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` pair of a Condition block.

    ``operator`` and ``key`` are kept as written; ``base`` is the operator without its set qualifier
    and ``IfExists`` suffix (``ForAnyValue:StringLikeIfExists`` has base ``StringLike``). ``values`` are
    the JSON values converted to the strings AWS compares (``true`` becomes ``"true"``); the JSON types
    as written are in ``value_types`` for validation.
    """

    operator: str
    key: str
    values: tuple[str, ...]
    base: str
    qualifier: SetQualifier | None
    if_exists: bool
    value_types: tuple[str, ...] = ()
    path: JsonPath = ()

    @property
    def key_lower(self) -> str:
        return self.key.lower()


@fast_init
@dataclass(frozen=True, slots=True)
class Statement:
    """One statement. Absent elements are ``None``; present-but-empty ones are ``()``."""

    index: int
    effect: Effect
    sid: str | None = None
    principal: Principal | None = None
    not_principal: Principal | None = None
    action: tuple[str, ...] | None = None
    not_action: tuple[str, ...] | None = None
    resource: tuple[str, ...] | None = None
    not_resource: tuple[str, ...] | None = None
    condition: tuple[ConditionClause, ...] = ()
    path: JsonPath = ()
    #: Which elements were present, in the order written (for validation and locations).
    keys: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How a report names this statement: its Sid, else its path."""
        return self.sid if self.sid else render_path(self.path)


@fast_init
@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed policy document."""

    statements: tuple[Statement, ...]
    version: str | None = None
    id: str | None = None
    statement_is_list: bool = True
    source: DocumentSource = field(default_factory=DocumentSource, compare=False, repr=False)

    @property
    def name(self) -> str | None:
        return self.source.name

    def locate(self, path: JsonPath) -> Location:
        """The file, line and column of a JSON path inside this document (computed lazily)."""
        return self.source.locate(path)
