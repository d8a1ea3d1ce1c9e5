"""Read YAML into plain data while remembering the line of every key and item.

PyYAML's safe loader composes the node tree (nothing is constructed from tags it does not know), and
this module converts it to dicts, lists and scalars, recording for each JSON path the 1-based line
where it was written. Anchors and aliases are refused (they make a short file expand into a huge one,
and a manifest is short enough to write out), as are duplicate keys (YAML keeps the last one silently)
and non-string keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from polp.errors import InputError, Location

JsonPath = tuple[str | int, ...]

#: A manifest is a few kilobytes; anything much larger is not one.
MAX_MANIFEST_BYTES = 1024 * 1024
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class YamlDocument:
    data: object
    lines: dict[JsonPath, int]
    file: str

    def line(self, path: JsonPath) -> int | None:
        """The line of ``path``, else of its nearest ancestor that has one."""
        while True:
            found = self.lines.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]

    def locate(self, path: JsonPath) -> Location:
        return Location(self.file, self.line(path), path=render_path(path))


def render_path(path: JsonPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self.loader = loader
        self.file = file
        self.lines: dict[JsonPath, int] = {}

    def fail(self, message: str, node: yaml.Node) -> InputError:
        return InputError(message, Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1))

    def convert(self, node: yaml.Node, path: JsonPath) -> object:
        if len(path) > _MAX_DEPTH:
            raise self.fail("nested too deeply", node)
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(f"cannot read this value: {_problem(exc)}", node) from None

    def mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, object]:
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail("merge keys (<<) are not supported; write the keys out", key_node)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise self.fail("keys must be strings", key_node)
            key = str(key_node.value)
            if key in out:
                raise self.fail(f"duplicate key {key!r}", key_node)
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.convert(value_node, (*path, key))
        return out


def _problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    return str(problem) if problem else type(exc).__name__


def _refuse_aliases(text: str, file: str) -> None:
    """Scan the events once: an anchor or alias anywhere is refused before anything is composed."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent) or anchor is not None:
            mark = event.start_mark
            raise InputError(
                "anchors and aliases (&name, *name) are not supported; write the values out",
                Location(file, mark.line + 1, mark.column + 1) if mark is not None else Location(file),
            )


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; raises :class:`InputError` with the file and line of any problem."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_MANIFEST_BYTES:
        raise InputError(f"larger than {MAX_MANIFEST_BYTES // 1024} KiB; not a manifest", Location(file))
    try:
        _refuse_aliases(text, file)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise InputError("empty manifest", Location(file, 1))
            converter = _Converter(loader, file)
            data = converter.convert(node, ())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {_problem(exc)}", Location(file, line, column)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {_problem(exc)}", Location(file)) from None
    except RecursionError:
        raise InputError("nested too deeply", Location(file)) from None
    return YamlDocument(data, converter.lines, file)
