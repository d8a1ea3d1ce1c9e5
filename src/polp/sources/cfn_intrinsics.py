"""Resolving CloudFormation intrinsic functions as far as a template alone allows.

Resolved: ``Ref`` to parameters (their ``Default``), to pseudo parameters (``AWS::Partition`` is
``aws``, ``AWS::URLSuffix`` is ``amazonaws.com``, ``AWS::AccountId`` is
:data:`~polp.sources.symbols.UNKNOWN_ACCOUNT`) and to IAM resources of the template (a role, user or
group gives its name, a managed policy its ARN); ``Fn::GetAtt X.Arn`` of IAM resources; ``Fn::Sub`` (both
forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``; ``Fn::If`` with conditions
decidable from parameter defaults. An undecidable ``Fn::If`` takes its first branch (the one written
to apply) and is recorded as unresolved.

Anything else becomes a ``${...}`` placeholder, recorded in :attr:`CfnResolver.unresolved`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from polp.sources.symbols import DEFAULT_PARTITION, UNKNOWN_ACCOUNT, placeholder

MAX_DEPTH = 100


class _NoValue:
    """``AWS::NoValue``: the property or list item disappears."""


NO_VALUE = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_PSEUDO = {
    "AWS::Partition": DEFAULT_PARTITION,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::AccountId": UNKNOWN_ACCOUNT,
}


class CfnResolver:
    """Resolves values of one template. ``resource_ref`` and ``resource_attr`` answer ``Ref`` and
    ``Fn::GetAtt`` for resources (``None`` when they cannot)."""

    def __init__(
        self,
        template: Mapping[str, Any],
        resource_ref: Callable[[str], str | None],
        resource_attr: Callable[[str, str], str | None],
    ) -> None:
        self.parameters = _mapping(template.get("Parameters"))
        self.mappings = _mapping(template.get("Mappings"))
        self.conditions = _mapping(template.get("Conditions"))
        self.resource_ref = resource_ref
        self.resource_attr = resource_attr
        self.unresolved: list[str] = []
        self._deciding: set[str] = set()

    def resolve(self, value: Any) -> tuple[Any, list[str]]:
        """The value with every intrinsic resolved or replaced by a placeholder, and the unresolved
        references met on the way."""
        saved, self.unresolved = self.unresolved, []
        try:
            result = self._value(value, 0)
            return (None if result is NO_VALUE else result), self.unresolved
        finally:
            self.unresolved = saved + self.unresolved

    def _unknown(self, reference: str) -> str:
        if reference not in self.unresolved:
            self.unresolved.append(reference)
        return placeholder(reference)

    def _value(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return self._unknown("value nested too deeply")
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, argument, depth + 1)
            out: dict[str, Any] = {}
            for key, item in value.items():
                resolved = self._value(item, depth + 1)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self._value(item, depth + 1) for item in value) if r is not NO_VALUE]
        return value

    def _intrinsic(self, name: str, argument: Any, depth: int) -> Any:
        handler = _HANDLERS.get(name)
        if handler is None:
            return self._unknown(f"{name}:{argument}" if isinstance(argument, str) else name)
        return handler(self, argument, depth)

    # --- Ref and GetAtt --------------------------------------------------------------------------

    def ref(self, target: Any, depth: int) -> Any:
        target = self._value(target, depth)
        if not isinstance(target, str):
            return self._unknown("Ref")
        if target == "AWS::NoValue":
            return NO_VALUE
        if target in _PSEUDO:
            return _PSEUDO[target]
        if target.startswith("AWS::"):
            return self._unknown(target)
        parameter = self.parameters.get(target)
        if isinstance(parameter, dict):
            if "Default" not in parameter:
                return self._unknown(target)
            default = parameter["Default"]
            kind = parameter.get("Type")
            if (
                isinstance(kind, str)
                and (kind == "CommaDelimitedList" or kind.startswith("List<"))
                and isinstance(default, str)
            ):
                return [part.strip() for part in default.split(",")]
            return (
                default if not isinstance(default, int | float) or isinstance(default, bool) else str(default)
            )
        found = self.resource_ref(target)
        return found if found is not None else self._unknown(target)

    def get_att(self, argument: Any, depth: int) -> Any:
        argument = self._value(argument, depth)
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not (
            isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument)
        ):
            return self._unknown("Fn::GetAtt")
        found = self.resource_attr(argument[0], argument[1])
        return found if found is not None else self._unknown(f"{argument[0]}.{argument[1]}")

    # --- string functions ------------------------------------------------------------------------

    def sub(self, argument: Any, depth: int) -> Any:
        variables: dict[str, Any] = {}
        template = argument
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            template = argument[0]
            variables = {k: self._value(v, depth) for k, v in argument[1].items()}
        template = self._value(template, depth)
        if not isinstance(template, str):
            return self._unknown("Fn::Sub")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                value = self.get_att(name, depth)
            else:
                value = self.ref(name, depth)
            text = _text(value)
            return text if text is not None else self._unknown(name)

        return _SUB_VAR.sub(replace, template)

    def join(self, argument: Any, depth: int) -> Any:
        argument = self._value(argument, depth)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            return self._unknown("Fn::Join")
        delimiter, items = argument
        if not isinstance(items, list):
            return self._unknown("Fn::Join")
        parts = [_text(item) for item in items]
        if any(part is None for part in parts):
            return self._unknown("Fn::Join")
        return delimiter.join(p for p in parts if p is not None)

    def select(self, argument: Any, depth: int) -> Any:
        argument = self._value(argument, depth)
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
            index = argument[0]
            if isinstance(index, str) and index.isdigit():
                index = int(index)
            if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(argument[1]):
                return argument[1][index]
        return self._unknown("Fn::Select")

    def split(self, argument: Any, depth: int) -> Any:
        argument = self._value(argument, depth)
        if (
            isinstance(argument, list)
            and len(argument) == 2
            and all(isinstance(a, str) for a in argument)
            and argument[0]
        ):
            return argument[1].split(argument[0])
        return self._unknown("Fn::Split")

    def find_in_map(self, argument: Any, depth: int) -> Any:
        argument = self._value(argument, depth)
        if (
            isinstance(argument, list)
            and len(argument) >= 3
            and all(isinstance(a, str) for a in argument[:3])
        ):
            level: Any = self.mappings
            for key in argument[:3]:
                level = level.get(key) if isinstance(level, dict) else None
            if level is not None:
                return self._value(level, depth)
        return self._unknown("Fn::FindInMap")

    # --- conditions ------------------------------------------------------------------------------

    def if_(self, argument: Any, depth: int) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            return self._unknown("Fn::If")
        decided = self.condition(argument[0], depth)
        if decided is None:
            self._unknown(f"Condition {argument[0]} (assumed true)")
            decided = True
        return self._value(argument[1] if decided else argument[2], depth)

    def condition(self, name: str, depth: int) -> bool | None:
        if name in self._deciding or name not in self.conditions:
            return None
        self._deciding.add(name)
        try:
            return self._decide(self.conditions[name], depth + 1)
        finally:
            self._deciding.discard(name)

    def _decide(self, expression: Any, depth: int) -> bool | None:
        if depth > MAX_DEPTH or not isinstance(expression, dict) or len(expression) != 1:
            return None
        ((key, argument),) = expression.items()
        if key == "Condition" and isinstance(argument, str):
            return self.condition(argument, depth)
        if not isinstance(argument, list):
            return None
        if key == "Fn::Equals" and len(argument) == 2:
            before = len(self.unresolved)
            left, right = (self._value(a, depth) for a in argument)
            if len(self.unresolved) > before:
                del self.unresolved[before:]
                return None
            return _text(left) == _text(right)
        decided = [self._decide(a, depth + 1) for a in argument]
        if key == "Fn::Not" and len(decided) == 1:
            return None if decided[0] is None else not decided[0]
        if key == "Fn::And":
            return False if False in decided else (None if None in decided else True)
        if key == "Fn::Or":
            return True if True in decided else (None if None in decided else False)
        return None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


_HANDLERS: dict[str, Callable[[CfnResolver, Any, int], Any]] = {
    "Ref": CfnResolver.ref,
    "Fn::GetAtt": CfnResolver.get_att,
    "Fn::Sub": CfnResolver.sub,
    "Fn::Join": CfnResolver.join,
    "Fn::Select": CfnResolver.select,
    "Fn::Split": CfnResolver.split,
    "Fn::FindInMap": CfnResolver.find_in_map,
    "Fn::If": CfnResolver.if_,
}
