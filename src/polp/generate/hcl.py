"""Render plain data (strings, numbers, booleans, lists, mappings) as HCL expressions, for ``jsonencode``
policies and resource arguments. Strings escape ``${`` and ``%{`` so that IAM policy variables
(``${aws:username}``) reach AWS literally instead of being read as Terraform templates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INLINE_WIDTH = 72


@dataclass(frozen=True, slots=True)
class Raw:
    """An expression written as is (a reference, a function call)."""

    text: str


def jsonencode(data: Any, indent: int) -> Raw:
    return Raw(f"jsonencode({value(data, indent)})")


def string(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("${", "$${")
        .replace("%{", "%%{")
    )
    return f'"{escaped}"'


def key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else string(name)


def value(data: Any, indent: int = 0) -> str:
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(data, Raw):
        return data.text
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return str(data)
    if isinstance(data, str):
        return string(data)
    if isinstance(data, Mapping):
        if not data:
            return "{}"
        width = max(len(key(str(k))) for k in data)
        lines = [f"{inner}{key(str(k)).ljust(width)} = {value(v, indent + 1)}" for k, v in data.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(data, list | tuple):
        items = [value(v, indent + 1) for v in data]
        inline = "[" + ", ".join(items) + "]"
        if all("\n" not in i for i in items) and len(inline) + len(pad) <= _INLINE_WIDTH:
            return inline
        return "[\n" + ",\n".join(f"{inner}{i}" for i in items) + f",\n{pad}]"
    raise TypeError(f"cannot render {type(data).__name__} as HCL")


def block(kind: str, labels: tuple[str, ...], body: list[tuple[str, Any]], indent: int = 0) -> str:
    """A block; ``body`` items are (name, value) attributes or (name, list of bodies) nested blocks,
    the latter written with a ``block:`` prefix on the name."""
    pad = "  " * indent
    head = " ".join([kind, *(string(label) for label in labels)])
    width = max((len(n) for n, _ in body if not n.startswith("block:")), default=0)
    lines = [f"{pad}{head} {{"]
    for name, data in body:
        if name.startswith("block:"):
            for nested in data:
                lines.append(block(name.removeprefix("block:"), (), nested, indent + 1))
            continue
        lines.append(f"{pad}  {name.ljust(width)} = {value(data, indent + 1)}")
    lines.append(f"{pad}}}")
    return "\n".join(lines)
