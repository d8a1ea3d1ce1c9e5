"""Validate a manifest against the published JSON Schema, with messages a person can act on.

Each problem reads ``file:line: path: what was expected``; all of them are reported at once.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from polp.errors import InputError, Location
from polp.manifest.yaml_source import JsonPath, YamlDocument

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "number": "a number",
    "null": "nothing",
}


class ManifestError(InputError):
    """Every problem found in a manifest; the first is also the message."""

    def __init__(self, problems: list[tuple[str, Location]]) -> None:
        message, location = problems[0]
        super().__init__(message, location)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(f"{location}: {message}" for message, location in self.problems)


@lru_cache(maxsize=1)
def published_schema() -> dict[str, Any]:
    """The schema shipped with polp (``polp/data/manifest.schema.json``)."""
    text = resources.files("polp").joinpath("data/manifest.schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def _found(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
    return repr(value)


def _types(expected: object) -> str:
    names = [expected] if isinstance(expected, str) else list(expected) if isinstance(expected, list) else []
    return " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)


def _describe(error: Any) -> tuple[str, JsonPath]:
    """The message and the path of the element it is about (an unknown key points at that key)."""
    path: JsonPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        return f"missing required key {', '.join(repr(m) for m in missing)}", path
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(k for k in instance if k not in allowed)
        hint = f" (expected one of: {', '.join(allowed)})" if allowed else ""
        first = unknown[0] if unknown else ""
        return f"unknown key {first!r}{hint}", (*path, first) if unknown else path
    if kind in ("minProperties", "maxProperties") and expected:
        return f"expected {expected}", path
    if kind == "type":
        return f"expected {expected or _types(value)}, found {_found(instance)}", path
    if kind == "enum":
        return f"expected one of {', '.join(str(v) for v in value)}, found {_found(instance)}", path
    if kind in ("pattern", "const", "anyOf", "minLength", "maxLength") and expected:
        return f"expected {expected}, found {_found(instance)}", path
    if kind == "propertyNames":
        return f"expected {expected or 'a valid key'}, found {_found(instance)}", path
    if kind == "minItems":
        return "expected a non-empty list", path
    if kind == "uniqueItems":
        return "the list has duplicates", path
    return str(error.message), path


def schema_problems(document: YamlDocument) -> list[tuple[str, Location]]:
    """Problems with the document as the schema sees them, in the order they appear in the file."""
    try:
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - jsonschema is a dependency
        raise InputError(
            "polp plan and polp verify need the jsonschema package: pip install jsonschema"
        ) from None
    validator = Draft202012Validator(published_schema())
    problems: dict[tuple[str, str], tuple[int, str, Location]] = {}
    for error in validator.iter_errors(document.data):
        for leaf in _leaves(error):
            message, path = _describe(leaf)
            if isinstance(leaf.instance, str) and leaf.instance in _mapping_at(document.data, path):
                path = (*path, leaf.instance)  # a bad key (propertyNames): point at the key itself
            location = document.locate(path)
            key = (location.path, message)
            problems.setdefault(key, (location.line or 0, message, location))
    return [(message, location) for _, message, location in sorted(problems.values(), key=lambda p: p[0])]


def _mapping_at(data: object, path: JsonPath) -> dict[str, object]:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return {}
    return data if isinstance(data, dict) else {}


def _leaves(error: Any) -> list[Any]:
    """``if``/``then`` and ``anyOf`` errors carry the precise errors in their context."""
    if error.validator in ("anyOf", "oneOf") and not (
        isinstance(error.schema, dict) and error.schema.get("x-expected")
    ):
        return [leaf for sub in error.context for leaf in _leaves(sub)] or [error]
    return [error]


def validate_against_schema(document: YamlDocument) -> None:
    problems = schema_problems(document)
    if problems:
        raise ManifestError(problems)
