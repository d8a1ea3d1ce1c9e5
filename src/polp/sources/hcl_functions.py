"""The Terraform functions that shape IAM policies, evaluated on known values.

``jsonencode`` keeps unknown parts as placeholders (the policy keeps its shape); most other functions
give :class:`Unknown` as soon as an argument is unknown. ``file`` is handled by the scope, which knows
the module's directory. Functions not listed here are unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from polp.sources.hcl_expr import Unknown, contains_unknown, dumps_json, render

Function = Callable[[list[Any]], Any]


class _Unknown(Exception):
    """The function cannot be evaluated on these arguments."""


def _strings(args: list[Any], count: int | None = None) -> list[str]:
    if (count is not None and len(args) != count) or not all(isinstance(a, str) for a in args):
        raise _Unknown
    return args


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Unknown
    return value


def _jsonencode(args: list[Any]) -> Any:
    if len(args) != 1 or isinstance(args[0], Unknown):
        raise _Unknown
    return dumps_json(args[0])


def _jsondecode(args: list[Any]) -> Any:
    (text,) = _strings(args, 1)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise _Unknown from None


def _format(args: list[Any]) -> Any:
    if not args or not isinstance(args[0], str):
        raise _Unknown
    values = iter(args[1:])

    def replace(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%"
        text = render(next(values, Unknown("format")))
        if text is None:
            raise _Unknown
        return text

    return re.sub(r"%%|%[-+ #0]*\d*(?:\.\d+)?[sdvqtfeg]", replace, args[0])


def _join(args: list[Any]) -> Any:
    if len(args) < 2 or not isinstance(args[0], str):
        raise _Unknown
    items = [item for arg in args[1:] for item in _list(arg)]
    rendered = [render(item) for item in items]
    if any(text is None for text in rendered):
        raise _Unknown
    return args[0].join(text for text in rendered if text is not None)


def _concat(args: list[Any]) -> Any:
    return [item for arg in args for item in _list(arg)]


def _merge(args: list[Any]) -> Any:
    result: dict[str, Any] = {}
    for arg in args:
        if arg is None:
            continue
        if not isinstance(arg, dict):
            raise _Unknown
        result.update(arg)
    return result


def _flatten(args: list[Any]) -> Any:
    def walk(value: Any) -> list[Any]:
        return [x for item in value for x in walk(item)] if isinstance(value, list) else [value]

    (value,) = args
    return walk(_list(value))


def _distinct(args: list[Any]) -> Any:
    out: list[Any] = []
    for item in _list(args[0]):
        if item not in out:
            out.append(item)
    return out


def _coalesce(args: list[Any]) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            raise _Unknown
        if arg is not None and arg != "":
            return arg
    raise _Unknown


def _lookup(args: list[Any]) -> Any:
    if len(args) not in (2, 3) or not isinstance(args[0], dict) or not isinstance(args[1], str):
        raise _Unknown
    if args[1] in args[0]:
        return args[0][args[1]]
    if len(args) == 3:
        return args[2]
    raise _Unknown


def _element(args: list[Any]) -> Any:
    items = _list(args[0])
    if len(args) != 2 or not isinstance(args[1], int) or not items:
        raise _Unknown
    return items[args[1] % len(items)]


def _try(args: list[Any]) -> Any:
    for arg in args:
        if not contains_unknown(arg):
            return arg
    raise _Unknown


def _replace(args: list[Any]) -> Any:
    text, old, new = _strings(args, 3)
    if old.startswith("/") and old.endswith("/") and len(old) > 1:
        raise _Unknown  # a regular expression in Terraform's (RE2) syntax
    return text.replace(old, new)


def _string_function(function: Callable[[str], Any]) -> Function:
    def apply(args: list[Any]) -> Any:
        (text,) = _strings(args, 1)
        return function(text)

    return apply


def _identity(args: list[Any]) -> Any:
    if len(args) != 1:
        raise _Unknown
    return args[0]


def _split(args: list[Any]) -> Any:
    separator, text = _strings(args, 2)
    if not separator:
        raise _Unknown
    return text.split(separator)


FUNCTIONS: dict[str, Function] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "format": _format,
    "join": _join,
    "concat": _concat,
    "merge": _merge,
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda args: [x for x in _list(args[0]) if x not in (None, "")],
    "coalesce": _coalesce,
    "lookup": _lookup,
    "element": _element,
    "try": _try,
    "replace": _replace,
    "split": _split,
    "lower": _string_function(str.lower),
    "upper": _string_function(str.upper),
    "trimspace": _string_function(str.strip),
    "tostring": _identity,
    "tolist": _identity,
    "toset": lambda args: _distinct([_list(args[0])]) if len(args) == 1 else _identity(args),
    "tomap": _identity,
    "tonumber": _identity,
    "tobool": _identity,
    "sensitive": _identity,
    "nonsensitive": _identity,
}


def call_function(name: str, args: list[Any], unknown: Callable[[], Unknown]) -> Any:
    """Apply a function; ``unknown()`` gives the result when it cannot be evaluated."""
    function = FUNCTIONS.get(name)
    if function is None:
        return unknown()
    if name not in ("jsonencode", "try", "coalesce") and contains_unknown(args):
        if name in ("join", "format") and not any(isinstance(a, Unknown) for a in args):
            pass  # unknown items inside a known list are written as placeholders
        else:
            return unknown()
    try:
        return function(args)
    except (_Unknown, ValueError, TypeError, IndexError, RecursionError, StopIteration, ZeroDivisionError):
        return unknown()
