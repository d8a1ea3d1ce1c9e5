"""Loading Terraform ``.tf`` and ``.tf.json`` files into blocks: resources, data sources, variables,
locals, outputs, module calls and providers, each with its file and line.

python-hcl2 (8.x) parses ``.tf`` files; it gives no positions, so a block's line is found by searching
the text for its header (``resource "aws_iam_role" "x" {``). ``.tf.json`` files are turned into the
same structure by :mod:`polp.sources.terraform_json`, which knows their positions. A file that does
not parse is an :class:`InputError` naming the file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from polp.errors import InputError, Location
from polp.inventory import InputProblem
from polp.sources.hcl_expr import literal_string
from polp.sources.interface import read_input_text
from polp.sources.terraform_json import JsonPositions, is_json_syntax, parse_tf_json

#: A single .tf file larger than this is refused (real ones are kilobytes).
MAX_TF_BYTES = 16 * 1024 * 1024
_META = re.compile(r"__\w+__\Z")


@dataclass(frozen=True, slots=True)
class Block:
    """One block: ``kind`` (resource, data, module, ...), its labels, its body as python-hcl2 gives it."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    location: Location


@dataclass(slots=True)
class ModuleFiles:
    """Everything declared by the ``.tf``/``.tf.json`` files of one directory (one Terraform module)."""

    directory: str
    files: list[str] = field(default_factory=list)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[Any, Location]] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def attributes(body: dict[str, Any]) -> dict[str, Any]:
    """A body without python-hcl2's markers (``__is_block__``, ...)."""
    return {k: v for k, v in body.items() if not _META.match(k)}


def parse_tf_file(path: str) -> tuple[dict[str, Any], str]:
    """Parse one file; raises InputError with the line of a syntax error."""
    text = read_input_text(path, MAX_TF_BYTES)
    return _parse_hcl(text, path), text


def _parse_hcl(text: str, path: str) -> dict[str, Any]:
    # Imported here: python-hcl2 and lark take ~35 ms to import, for nothing when no .tf is read.
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(with_comments=False, preserve_heredocs=False)
    try:
        data = hcl2.loads(text, serialization_options=options)
    except RecursionError:
        raise InputError("HCL nested too deeply", Location(path)) from None
    except Exception as exc:  # a third-party parser on hostile input: any failure means bad input
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"not valid HCL: {first[:200]}",
            Location(
                path,
                line if isinstance(line, int) and line > 0 else None,
                column if isinstance(column, int) and column > 0 else None,
            ),
        ) from None
    if not isinstance(data, dict):
        raise InputError("not valid HCL", Location(path))
    return data


def parse_config_file(path: str) -> tuple[dict[str, Any], str, JsonPositions | None]:
    """One ``.tf`` or ``.tf.json`` file as python-hcl2 structure, its text, and for JSON its positions."""
    text = read_input_text(path, MAX_TF_BYTES)
    if is_json_syntax(path, text):
        data, positions = parse_tf_json(text, path)
        return data, text, positions
    return _parse_hcl(text, path), text, None


def _line_of(text: str, kind: str, labels: Sequence[str]) -> int | None:
    pattern = (
        r"^[ \t]*"
        + re.escape(kind)
        + "".join(r'[ \t]+"?' + re.escape(label) + '"?' for label in labels)
        + r"[ \t]*\{"
    )
    match = re.search(pattern, text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _attribute_line(text: str, name: str) -> int | None:
    match = re.search(r"^[ \t]*" + re.escape(name) + r"[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _labelled(value: Any, depth: int) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Unfold python-hcl2's nesting ``{"\\"type\\"": {"\\"name\\"": body}}`` into (labels, body)."""
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            continue
        if depth == 0:
            out.append(((), item))
            continue
        for key, inner in item.items():
            if _META.match(key):
                continue
            label = literal_string(key)
            if label is None:
                continue
            out.extend(((label, *labels), body) for labels, body in _labelled(inner, depth - 1))
    return out


def _address(kind: str, labels: Sequence[str]) -> str:
    """How Terraform names a block: ``aws_iam_role.x``, ``data.aws_iam_policy_document.x``, ``var.x``."""
    prefix = {
        "resource": (),
        "data": ("data",),
        "variable": ("var",),
        "module": ("module",),
        "output": ("output",),
        "provider": ("provider",),
        "locals": ("locals",),
    }[kind]
    return ".".join((*prefix, *labels))


_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1, "locals": 0}


def add_file(
    module: ModuleFiles, path: str, data: dict[str, Any], text: str, positions: JsonPositions | None = None
) -> None:
    module.files.append(path)
    for kind, depth in _LABELS.items():
        for labels, body in _labelled(data.get(kind), depth):
            if positions is not None:
                line = positions.block_line(kind, labels)
            else:
                line = _line_of(text, kind, labels)
            location = Location(path, line, path=_address(kind, labels))
            if kind == "locals":
                for name, raw in attributes(body).items():
                    if name in module.locals:
                        module.problems.append(InputProblem(f"local.{name} defined twice", location))
                    local_line = positions.local_line(name) if positions else _attribute_line(text, name)
                    module.locals[name] = (raw, Location(path, local_line, path=f"local.{name}"))
                continue
            block = Block(kind, labels, body, location)
            if kind == "provider":
                module.providers.append(block)
                continue
            tables: dict[str, dict[Any, Block]] = {
                "resource": module.resources,
                "data": module.data,
                "variable": module.variables,
                "output": module.outputs,
                "module": module.modules,
            }
            table = tables[kind]
            key: Any = labels if kind in ("resource", "data") else labels[0]
            if key in table:
                module.problems.append(
                    InputProblem(f"{_address(kind, labels)} defined twice; the first is used", location)
                )
                continue
            table[key] = block


def load_module(directory: str, files: Sequence[str], *, strict: bool) -> ModuleFiles:
    """Parse the given ``.tf``/``.tf.json`` files of one directory. With ``strict``, a file that does
    not parse raises; otherwise it becomes an :class:`InputProblem` and the other files are still read."""
    module = ModuleFiles(directory=directory)
    for path in sorted(files):
        try:
            data, text, positions = parse_config_file(path)
        except InputError as exc:
            if strict:
                raise
            module.problems.append(InputProblem(exc.message, exc.location or Location(path)))
            continue
        add_file(module, path, data, text, positions)
    return module


def tf_files_in(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise InputError(f"cannot read directory: {exc.strerror or exc}", Location(directory)) from None
    return sorted(
        os.path.join(directory, n)
        for n in names
        if n.endswith((".tf", ".tf.json")) and os.path.isfile(os.path.join(directory, n))
    )
