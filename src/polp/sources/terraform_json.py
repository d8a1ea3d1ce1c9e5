"""Terraform's JSON syntax (``.tf.json``), turned into the structure python-hcl2 gives for ``.tf`` files.

The Terraform reader works on python-hcl2's output: blocks are lists of bodies, labels are quoted
strings, every expression is its HCL text (``"${var.x}"``, ``'"literal"'``). This module builds the same
structure from a JSON file, so one reader serves both syntaxes, and a directory may mix them as
Terraform allows. The mapping is Terraform's (developer.hashicorp.com/terraform/language/syntax/json):

- each property of the root object is a block type: ``resource``, ``data`` take two levels of labels,
  ``variable``, ``output``, ``module``, ``provider`` one, ``locals`` none; at every level an array of
  objects stands for several (``"provider": {"aws": [{...}, {"alias": ...}]}``);
- a JSON string where an expression is expected is a string template: ``"${aws_iam_role.x.arn}"`` is
  the reference itself (not its text), ``"arn:${var.p}:s3:::x"`` a string; it becomes the HCL string
  literal holding the same template;
- a property ``"//"`` of the root or of a block body is a comment;
- taken literally (not templates): ``variable`` ``default`` and ``description``, ``module`` ``source``
  and ``version``, ``provider`` ``alias`` and ``version``, ``output`` ``description``; ``provider``
  and ``depends_on`` are references written without ``${}``.

Whether a property of a body is an argument holding an object or a nested block depends on the
provider's schema, which is not known here. The nested blocks the reader looks into
(:data:`NESTED_BLOCKS`: ``statement``, ``principals``, ``condition``, ``inline_policy``,
``assume_role``, ``dynamic``/``content``, ...) become lists of blocks whether one object or an array
was written; any other object stays an object. Block types polp does not read (``terraform``,
``check``, ``import``, ``moved``, ``removed``, ``ephemeral``) are skipped.

Positions: the line of a block is the line of its last label's key in the JSON text, found with
:class:`~polp.iam.source.DocumentSource`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from polp.errors import InputError, Location
from polp.iam.jsonpath import JsonPath
from polp.iam.source import DocumentSource, loads_strict

#: Every top-level block type of the Terraform language.
BLOCK_TYPES = frozenset(
    {
        "resource",
        "data",
        "ephemeral",
        "variable",
        "output",
        "locals",
        "module",
        "provider",
        "terraform",
        "check",
        "import",
        "moved",
        "removed",
    }
)
#: The block types the reader uses, with their number of labels.
_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1}
#: Nested block types whose single-object form is read as a list of one block.
NESTED_BLOCKS = frozenset(
    {
        # data "aws_iam_policy_document"
        "statement",
        "principals",
        "not_principals",
        "condition",
        # aws_iam_role, aws_eks_access_policy_association
        "inline_policy",
        "access_scope",
        # provider "aws"
        "assume_role",
        "assume_role_with_web_identity",
        "default_tags",
        "ignore_tags",
        "endpoints",
        # meta-arguments
        "lifecycle",
        "precondition",
        "postcondition",
        "connection",
        "timeouts",
        "content",
    }
)
#: Nested block types with one label (``dynamic "statement"``, ``provisioner "local-exec"``).
_LABELLED_NESTED = frozenset({"dynamic", "provisioner"})
_COMMENT = "//"
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_KEY = re.compile(r'\s*("(?:[^"\\\x00-\x1f]|\\.)*")\s*:\s*')
_COMMA = re.compile(r"\s*,")


# --- detection ---------------------------------------------------------------------------------------


def looks_like_tf_json(text: str) -> bool:
    """Whether JSON text (possibly cut short: a detector sees the head of a file) is a Terraform JSON
    configuration: an object whose properties, ``"//"`` comments aside, are all block types."""
    keys = [k for k in _top_level_keys(text) if k != _COMMENT]
    return bool(keys) and all(k in BLOCK_TYPES for k in keys)


def _top_level_keys(text: str) -> list[str]:
    """The keys of the root object, as far as the text goes (it may be truncated or broken)."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return []
    decoder = json.JSONDecoder()
    keys: list[str] = []
    pos = 1
    while True:
        match = _KEY.match(stripped, pos)
        if match is None:
            return keys
        try:
            keys.append(json.loads(match.group(1)))
            _, pos = decoder.raw_decode(stripped, match.end())
        except (ValueError, RecursionError):
            return keys  # the head ends inside this value (or the JSON is broken there)
        comma = _COMMA.match(stripped, pos)
        if comma is None:
            return keys
        pos = comma.end()


def is_json_syntax(path: str, text: str) -> bool:
    """``.tf.json`` (or, for a file named otherwise on the command line, JSON content)."""
    if path.endswith(".json"):
        return True
    return not path.endswith(".tf") and text.lstrip().startswith("{")


# --- strings -----------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return "".join(
        _ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ch == "\x7f" else ch) for ch in text
    )


def literal(text: str) -> str:
    """A string taken literally, as an HCL quoted string (``${`` escaped as ``$${``)."""
    return '"' + _escape(text).replace("${", "$${").replace("%{", "%%{") + '"'


def template(text: str) -> str:
    """A JSON string read as a string template, as the HCL quoted string of the same template:
    literal text escaped, ``${...}``/``%{...}`` sequences (and ``$${`` escapes) kept as written."""
    out: list[str] = []
    pos, n = 0, len(text)
    while pos < n:
        if text.startswith(("$${", "%%{"), pos):
            out.append(text[pos : pos + 3])
            pos += 3
            continue
        if text.startswith(("${", "%{"), pos):
            end = _sequence_end(text, pos + 2)
            if end is None:  # unterminated: left as written, the evaluator finds it unknown
                out.append(text[pos:])
                break
            out.append(text[pos : end + 1])
            pos = end + 1
            continue
        start = pos
        while pos < n and not text.startswith(("${", "%{", "$${", "%%{"), pos):
            pos += 1
        out.append(_escape(text[start:pos]))
    return '"' + "".join(out) + '"'


def _sequence_end(text: str, pos: int) -> int | None:
    """The index of the ``}`` closing the interpolation whose expression starts at ``pos``; quoted
    strings inside it (which may hold templates of their own) are skipped. Iterative."""
    stack: list[int] = [0]  # per level: braces open in an expression, or -1 inside a quoted string
    n = len(text)
    while pos < n:
        ch = text[pos]
        if stack[-1] < 0:  # inside a quoted string
            if ch == "\\":
                pos += 2
                continue
            if ch == '"':
                stack.pop()
            elif text.startswith(("$${", "%%{"), pos):
                pos += 3
                continue
            elif text.startswith(("${", "%{"), pos):
                stack.append(0)
                pos += 2
                continue
        elif ch == '"':
            stack.append(-1)
        elif ch == "{":
            stack[-1] += 1
        elif ch == "}":
            if stack[-1] > 0:
                stack[-1] -= 1
            else:
                stack.pop()
                if not stack:
                    return pos
        pos += 1
    return None


# --- values and bodies -------------------------------------------------------------------------------


def _expression(value: Any) -> Any:
    """A JSON value where an expression is expected: strings are templates."""
    if isinstance(value, str):
        return template(value)
    if isinstance(value, dict):
        return {_expression_key(k): _expression(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expression(v) for v in value]
    return value


def _expression_key(key: str) -> str:
    return key if _IDENT.match(key) else template(key)


def literal_value(value: Any) -> Any:
    """A JSON value taken literally (a variable's default, a ``.tfvars.json`` value)."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, dict):
        return {(k if _IDENT.match(k) else literal(k)): literal_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [literal_value(v) for v in value]
    return value


def _reference(value: Any) -> Any:
    """``provider``/``depends_on``: references written without ``${}``."""
    if isinstance(value, str):
        return "${" + value + "}"
    if isinstance(value, list):
        return [_reference(v) for v in value]
    return _expression(value)


def _block_list(value: Any) -> list[dict[str, Any]] | None:
    """One object or an array of objects: the nested blocks of one type; ``None`` otherwise."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    return [_body(item) for item in items]


def _body(
    value: dict[str, Any], *, literal_keys: frozenset[str] = frozenset(), meta: bool = False
) -> dict[str, Any]:
    """A block body: arguments as expressions, the known nested blocks as lists of blocks. With
    ``meta`` (the body of a resource, data source or output), ``provider`` and ``depends_on`` are
    the meta-arguments, references written without ``${}``."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == _COMMENT:
            continue
        converted: Any = None
        if key in literal_keys:
            converted = literal_value(item)
        elif meta and key in ("provider", "depends_on"):
            converted = _reference(item)
        elif key == "ignore_changes":  # in lifecycle: "all" or attribute names, as python-hcl2 gives them
            converted = item
        elif key in _LABELLED_NESTED and isinstance(item, dict | list):
            try:
                converted = [{literal(labels[0]): _body(body)} for labels, body, _ in _unfold(item, 1, ())]
            except _Malformed:
                converted = None  # not blocks after all: kept as an expression
        elif key in NESTED_BLOCKS:
            converted = _block_list(item)
        out[key] = converted if converted is not None else _expression(item)
    out["__is_block__"] = True
    return out


def _module_body(value: dict[str, Any]) -> dict[str, Any]:
    """A module call: its arguments are expressions whatever their names (no nested blocks)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == _COMMENT:
            continue
        if key in ("source", "version", "providers"):
            out[key] = literal_value(item) if key != "providers" else item
        elif key == "depends_on":
            out[key] = _reference(item)
        else:
            out[key] = _expression(item)
    out["__is_block__"] = True
    return out


def _kind_body(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    if kind == "module":
        return _module_body(value)
    if kind == "variable":
        out = _body(
            {k: v for k, v in value.items() if k != "type"},
            literal_keys=frozenset({"default", "description"}),
        )
        if isinstance(value.get("type"), str):
            out["type"] = value["type"]
        return out
    if kind == "output":
        out = _body(
            {k: v for k, v in value.items() if k != "value"},
            literal_keys=frozenset({"description"}),
            meta=True,
        )
        if "value" in value:
            out["value"] = _expression(value["value"])
        return out
    if kind == "provider":
        return _body(value, literal_keys=frozenset({"alias", "version"}))
    return _body(value, meta=True)


class _Malformed(Exception):
    def __init__(self, message: str, path: JsonPath) -> None:
        self.message = message
        self.path = path


def _unfold(value: Any, depth: int, path: JsonPath) -> Iterator[tuple[tuple[str, ...], Any, JsonPath]]:
    """(labels, body, JSON path of the last label's key) of each block under a block type's property:
    ``depth`` levels of objects keyed by label, each of which may also be an array of such objects."""
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, item in items:
        if depth == 0:
            if not isinstance(item, dict):
                raise _Malformed("a block body must be a JSON object", path)
            yield (), item, path
            continue
        where = path if index is None else (*path, index)
        if not isinstance(item, dict):
            raise _Malformed("expected a JSON object keyed by block label", where)
        for label, inner in item.items():
            if label == _COMMENT:
                continue
            for labels, body, last in _unfold(inner, depth - 1, (*where, label)):
                yield (label, *labels), body, last


# --- files -------------------------------------------------------------------------------------------


class JsonPositions:
    """Lines of the blocks and local values of one ``.tf.json`` file."""

    def __init__(self, source: DocumentSource) -> None:
        self.source = source
        self.blocks: dict[tuple[str, tuple[str, ...]], JsonPath] = {}
        self.locals: dict[str, JsonPath] = {}

    def _line(self, path: JsonPath | None) -> int | None:
        return self.source.locate(path).line if path is not None else None

    def block_line(self, kind: str, labels: tuple[str, ...]) -> int | None:
        return self._line(self.blocks.get((kind, labels)))

    def local_line(self, name: str) -> int | None:
        return self._line(self.locals.get(name))


def parse_tf_json(text: str, path: str) -> tuple[dict[str, Any], JsonPositions]:
    """A ``.tf.json`` file as python-hcl2 would give the same configuration written in ``.tf`` syntax.

    Raises :class:`InputError` naming the file and line of a JSON syntax error or of a structure that
    is not a Terraform configuration.
    """
    data, source = loads_strict(text, path)
    positions = JsonPositions(source)
    if not isinstance(data, dict):
        raise InputError(
            "not a Terraform JSON configuration (the root must be an object)", Location(path, 1, 1)
        )
    out: dict[str, Any] = {}
    try:
        for kind, value in data.items():
            if kind == _COMMENT:
                continue
            if kind not in BLOCK_TYPES:
                raise _Malformed(f"unknown block type {kind!r}", (kind,))
            if kind == "locals":
                out["locals"] = _locals(value, positions)
            elif kind in _LABELS:
                blocks = out.setdefault(kind, [])
                for labels, body, last in _unfold(value, _LABELS[kind], (kind,)):
                    positions.blocks.setdefault((kind, labels), last)
                    nested: Any = _kind_body(kind, body)
                    for label in reversed(labels):
                        nested = {literal(label): nested}
                    blocks.append(nested)
    except _Malformed as exc:
        raise InputError(
            f"not a Terraform JSON configuration: {exc.message}", source.locate(exc.path)
        ) from None
    except RecursionError:
        raise InputError("Terraform JSON nested too deeply", Location(path)) from None
    return out, positions


def _locals(value: Any, positions: JsonPositions) -> list[dict[str, Any]]:
    """``"locals": {...}`` or an array of such objects (several ``locals`` blocks)."""
    out: list[dict[str, Any]] = []
    items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
    for index, body in items:
        where: JsonPath = ("locals",) if index is None else ("locals", index)
        if not isinstance(body, dict):
            raise _Malformed("locals must be a JSON object of local values", where)
        block: dict[str, Any] = {}
        for name, raw in body.items():
            if name == _COMMENT:
                continue
            positions.locals.setdefault(name, (*where, name))
            block[name] = _expression(raw)
        block["__is_block__"] = True
        out.append(block)
    return out


def parse_tfvars_json(text: str, path: str) -> dict[str, Any]:
    """``terraform.tfvars.json``/``*.auto.tfvars.json``: variable values, taken literally."""
    data, _ = loads_strict(text, path)
    if not isinstance(data, dict):
        raise InputError("not a Terraform variables file (the root must be an object)", Location(path, 1, 1))
    return {name: literal_value(value) for name, value in data.items() if name != _COMMENT}
