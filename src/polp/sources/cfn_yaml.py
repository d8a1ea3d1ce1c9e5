"""Loading CloudFormation YAML safely, with positions.

PyYAML's *safe* loader, extended with the short-form intrinsic tags (``!Sub x`` becomes
``{"Fn::Sub": "x"}``, ``!GetAtt A.B`` becomes ``{"Fn::GetAtt": ["A", "B"]}``). Timestamps stay strings
(an unquoted ``Version: 2012-10-17`` is the policy language version, not a date), and mapping keys are
always strings.

Anchors and aliases are shared nodes; expanded, a few lines can stand for billions of values (a "YAML
bomb"). The composed node graph is measured before anything is built: more than :data:`MAX_NODES`
expanded nodes, nesting deeper than :data:`MAX_DEPTH` or a recursive alias is an :class:`InputError`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import yaml

from polp.errors import InputError, Location
from polp.iam.jsonpath import JsonPath

MAX_NODES = 200_000
MAX_DEPTH = 128

#: Short-form tags and the long form each stands for.
SHORT_FORMS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Sub",
            "GetAtt",
            "Join",
            "Select",
            "Split",
            "If",
            "Equals",
            "And",
            "Or",
            "Not",
            "FindInMap",
            "Base64",
            "Cidr",
            "ImportValue",
            "GetAZs",
            "Transform",
            "Length",
            "ToJsonString",
            "ForEach",
        )
    },
}


class CfnLoader(yaml.SafeLoader):
    """The safe loader, plus CloudFormation's short-form tags."""


def _short_form(loader: yaml.SafeLoader, node: yaml.Node, *, tag_suffix: str) -> dict[str, Any]:
    long_name = SHORT_FORMS[tag_suffix]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {long_name: value}


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


for _tag in SHORT_FORMS:
    CfnLoader.add_constructor(_tag, partial(_short_form, tag_suffix=_tag))
CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _measure(root: yaml.Node, name: str) -> None:
    """Refuse alias bombs, recursive aliases and deep nesting, before building anything."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise InputError(
                f"YAML nested deeper than {MAX_DEPTH} levels", Location(name, node.start_mark.line + 1)
            )
        if key in active:
            raise InputError("recursive YAML alias", Location(name, node.start_mark.line + 1))
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child, depth + 1)
                if total > MAX_NODES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                total += size(key_node, depth + 1) + size(value_node, depth + 1)
                if total > MAX_NODES:
                    break
        active.discard(key)
        if total > MAX_NODES:
            raise InputError(
                f"YAML expands to more than {MAX_NODES} values (anchors and aliases); refused",
                Location(name, node.start_mark.line + 1),
            )
        sizes[key] = total
        return total

    size(root, 0)


def _positions(root: yaml.Node) -> dict[JsonPath, tuple[int, int]]:
    """Line and column of every value by JSON path (of the key, for mapping members), as the JSON
    scanner records them; short-form tags add their long name, as the constructor does."""
    positions: dict[JsonPath, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, JsonPath]] = [(root, ())]
    visited: set[int] = set()
    while stack:
        node, path = stack.pop()
        positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in visited:  # an alias: its position is the anchor's, already recorded
            continue
        visited.add(id(node))
        if node.tag in SHORT_FORMS:
            path = (*path, SHORT_FORMS[node.tag])
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, i)) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child_path = (*path, str(key_node.value))
                    positions.setdefault(
                        child_path, (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    )
                    stack.append((value_node, child_path))
    return positions


def _plain(value: Any, depth: int = 0) -> Any:
    """Mapping keys as strings, copies instead of shared (aliased) objects."""
    if depth > MAX_DEPTH + 4:
        return None
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v, depth + 1) for v in value]
    return value


def load_cfn_yaml(text: str, name: str) -> tuple[Any, dict[JsonPath, tuple[int, int]]]:
    """Decode one YAML document; raises :class:`InputError` with the line of any problem."""
    try:
        return _load(text, name)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"not valid YAML: {problem}", Location(name, line, column)) from None
    except yaml.YAMLError as exc:  # the reader's errors (control characters) are not marked
        raise InputError(f"not valid YAML: {str(exc).splitlines()[-1][:200]}", Location(name)) from None
    except RecursionError:
        raise InputError("YAML nested too deeply", Location(name)) from None
    except (TypeError, ValueError) as exc:  # e.g. an unhashable mapping key built from a sequence
        raise InputError(f"not valid YAML: {exc}", Location(name)) from None


def _load(text: str, name: str) -> tuple[Any, dict[JsonPath, tuple[int, int]]]:
    loader = CfnLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("empty YAML document", Location(name, 1))
        _measure(node, name)
        data = loader.construct_document(node)
        return _plain(data), _positions(node)
    finally:
        loader.dispose()
