"""Parse a policy document into the typed model of :mod:`polp.iam.model`.

The parser enforces the grammar that IAM itself enforces when it stores a policy (element names and
types, ``Effect`` spelled exactly, no ``Action`` beside ``NotAction``, known condition operators). It
reports every grammar problem at once, each with its file, line, column and JSON path. Everything that
IAM accepts but that is still wrong or risky is the validator's business, not the parser's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polp.errors import Location, PolicyParseError
from polp.iam.conditions import parse_operator
from polp.iam.jsonpath import JsonPath
from polp.iam.model import ConditionClause, Policy, Principal, Statement
from polp.iam.source import DocumentSource, loads_strict, read_text

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP_KEYS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
     "Condition"}
)
_PRINCIPAL_KEYS = {"AWS": "aws", "Service": "service", "Federated": "federated",
                   "CanonicalUser": "canonical_user"}
_EXCLUSIVE = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Parser:
    def __init__(self, source: DocumentSource) -> None:
        self.source = source
        self.problems: list[tuple[str, JsonPath]] = []

    def problem(self, message: str, path: JsonPath) -> None:
        self.problems.append((message, path))

    def text_keys(self, value: Mapping[Any, Any], path: JsonPath) -> bool:
        """Whether every key of ``value`` is a string (a YAML or Python mapping may have others)."""
        ok = True
        for key in value:
            if not isinstance(key, str):
                self.problem(f"element names must be strings, found {_json_type(key)} {key!r}", (*path, key))
                ok = False
        return ok

    def strings(self, value: object, path: JsonPath, element: str) -> tuple[str, ...] | None:
        """A string or a list of strings, as AWS accepts for Action, Resource and friends."""
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list | tuple):
            out: list[str] = []
            for i, item in enumerate(value):
                if isinstance(item, str):
                    out.append(item)
                elif item is None:
                    continue  # IAM accepts and ignores a null inside a list
                else:
                    self.problem(f"{element} must be a string or a list of strings, found {_json_type(item)}",
                                 (*path, i))
            return tuple(out)
        self.problem(f"{element} must be a string or a list of strings, found {_json_type(value)}", path)
        return None

    def principal(self, value: object, path: JsonPath, element: str) -> Principal | None:
        if value == "*":
            return Principal(wildcard=True)
        if not isinstance(value, Mapping):
            self.problem(f'{element} must be "*" or an object such as {{"AWS": ...}}', path)
            return None
        fields: dict[str, tuple[str, ...]] = {}
        if not self.text_keys(value, path):
            return None
        for kind, items in value.items():
            attr = _PRINCIPAL_KEYS.get(kind)
            if attr is None:
                self.problem(f"unknown principal type {kind!r} (expected AWS, Service, Federated or "
                             "CanonicalUser)", (*path, kind))
                continue
            parsed = self.strings(items, (*path, kind), f"{element}.{kind}")
            if parsed is not None:
                fields[attr] = parsed
        return Principal(aws=fields.get("aws", ()), service=fields.get("service", ()),
                         federated=fields.get("federated", ()),
                         canonical_user=fields.get("canonical_user", ()))

    def condition(self, value: object, path: JsonPath) -> tuple[ConditionClause, ...]:
        if not isinstance(value, Mapping):
            self.problem(f"Condition must be an object, found {_json_type(value)}", path)
            return ()
        clauses: list[ConditionClause] = []
        if not self.text_keys(value, path):
            return ()
        for operator, block in value.items():
            op_path = (*path, operator)
            parsed = parse_operator(operator)
            if parsed is None:
                if isinstance(block, Mapping) and not block:
                    continue  # IAM accepts an unknown operator with no keys: it constrains nothing
                self.problem(f"unknown condition operator {operator!r}", op_path)
                continue
            qualifier, base, if_exists = parsed
            if not isinstance(block, Mapping):
                self.problem(f"condition operator {operator} must map keys to values, found "
                             f"{_json_type(block)}", op_path)
                continue
            if not self.text_keys(block, op_path):
                continue
            for key, raw in block.items():
                key_path = (*op_path, key)
                items = raw if isinstance(raw, list | tuple) else [raw]
                values: list[str] = []
                types: list[str] = []
                for i, item in enumerate(items):
                    kind = _json_type(item)
                    if kind in ("string", "number", "boolean"):
                        values.append(_scalar_text(item))
                        types.append(kind)
                    else:
                        where = (*key_path, i) if raw is items else key_path
                        self.problem(f"condition value for {key} must be a string, number or boolean, "
                                     f"found {kind}", where)
                clauses.append(ConditionClause(operator=operator, key=key, values=tuple(values), base=base,
                                               qualifier=qualifier, if_exists=if_exists,
                                               value_types=tuple(types), path=key_path))
        return tuple(clauses)

    def statement(self, value: object, index: int, path: JsonPath) -> Statement | None:
        if not isinstance(value, Mapping):
            self.problem(f"a statement must be an object, found {_json_type(value)}", path)
            return None
        start = len(self.problems)
        if not self.text_keys(value, path):
            return None
        for key in value:
            if key not in _STATEMENT_KEYS:
                self.problem(f"unknown statement element {key!r}", (*path, key))
        for first, second in _EXCLUSIVE:
            if first in value and second in value:
                self.problem(f"a statement cannot have both {first} and {second}", (*path, second))
        effect = value.get("Effect")
        if effect not in ("Allow", "Deny"):
            if "Effect" not in value:
                self.problem("statement has no Effect", path)
            else:
                self.problem(f'Effect must be "Allow" or "Deny" (case-sensitive), found {effect!r}',
                             (*path, "Effect"))
        sid = value.get("Sid")
        if sid is not None and not isinstance(sid, str):
            self.problem(f"Sid must be a string, found {_json_type(sid)}", (*path, "Sid"))
        lists: dict[str, tuple[str, ...] | None] = {}
        for element in ("Action", "NotAction", "Resource", "NotResource"):
            if element in value:
                lists[element] = self.strings(value[element], (*path, element), element)
        principals: dict[str, Principal | None] = {}
        for element in ("Principal", "NotPrincipal"):
            if element in value:
                principals[element] = self.principal(value[element], (*path, element), element)
        condition = self.condition(value["Condition"], (*path, "Condition")) if "Condition" in value else ()
        if len(self.problems) > start:
            return None
        return Statement(
            index=index,
            effect=effect,  # type: ignore[arg-type]
            sid=sid,
            principal=principals.get("Principal"),
            not_principal=principals.get("NotPrincipal"),
            action=lists.get("Action"),
            not_action=lists.get("NotAction"),
            resource=lists.get("Resource"),
            not_resource=lists.get("NotResource"),
            condition=condition,
            path=path,
            keys=tuple(value),
        )

    def policy(self, value: object) -> Policy | None:
        if not isinstance(value, Mapping):
            self.problem(f"a policy document must be a JSON object, found {_json_type(value)}", ())
            return None
        if not self.text_keys(value, ()):
            return None
        for key in value:
            if key not in _TOP_KEYS:
                self.problem(f"unknown top-level element {key!r}", (key,))
        version = value.get("Version")
        if "Version" in value and version not in VERSIONS:
            self.problem(f"Version must be one of {', '.join(VERSIONS)}, found {version!r}", ("Version",))
        policy_id = value.get("Id")
        if policy_id is not None and not isinstance(policy_id, str):
            self.problem(f"Id must be a string, found {_json_type(policy_id)}", ("Id",))
        if "Statement" not in value:
            self.problem("policy has no Statement", ())
            return None
        raw = value["Statement"]
        statements: list[Statement] = []
        is_list = isinstance(raw, list | tuple)
        if is_list:
            if not raw:
                self.problem("Statement is an empty list", ("Statement",))
            for i, item in enumerate(raw):
                st = self.statement(item, i, ("Statement", i))
                if st is not None:
                    statements.append(st)
        else:
            st = self.statement(raw, 0, ("Statement",))
            if st is not None:
                statements.append(st)
        if self.problems:
            return None
        return Policy(statements=tuple(statements), version=version, id=policy_id,
                      statement_is_list=is_list, source=self.source)


def parse_policy_data(data: object, source: DocumentSource | None = None) -> Policy:
    """Parse an already decoded document (a mapping from JSON, YAML or HCL)."""
    source = source or DocumentSource()
    parser = _Parser(source)
    policy = parser.policy(data)
    if policy is None:
        raise PolicyParseError([(message, source.locate(path)) for message, path in parser.problems])
    return policy


def parse_policy_text(text: str, name: str | None = None) -> Policy:
    """Parse JSON text; ``name`` (usually the file) appears in every error and finding."""
    data, source = loads_strict(text, name)
    return parse_policy_data(data, source)


def parse_policy_file(path: str | Path) -> Policy:
    name = str(path)
    return parse_policy_text(read_text(name), name)


def parse_policy(document: str | bytes | Mapping[str, Any] | Path, name: str | None = None) -> Policy:
    """Parse a policy from JSON text, bytes, a mapping, or a file path (:class:`pathlib.Path`)."""
    if isinstance(document, Path):
        return parse_policy_file(document)
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PolicyParseError([(f"not UTF-8 text (byte {exc.start})", Location(name))]) from None
    if isinstance(document, str):
        return parse_policy_text(document, name)
    return parse_policy_data(document, DocumentSource(name=name))
