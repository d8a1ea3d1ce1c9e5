"""Reading requests for ``polp simulate`` and writing decisions, one per line in batch mode."""

from __future__ import annotations

import io
import sys
from typing import Any

import orjson

from polp.errors import EXIT_INPUT, EXIT_OK, Location, PolpError
from polp.iam.evaluate import evaluate
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.request import request_from_json
from polp.iam.source import DocumentSource, loads_strict, read_text
from polp.outputs.atomic import write_output


class _CachedLoader:
    """Parse each distinct policy document once: batch requests repeat the same policies."""

    def __init__(self) -> None:
        self._cache: dict[bytes, Policy] = {}

    def __call__(self, document: object, where: str) -> Policy:
        try:
            key = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return parse_policy_data(document, DocumentSource(name=where))
        found = self._cache.get(key)
        if found is None:
            found = parse_policy_data(document, DocumentSource(name=where))
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = found
        return found


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return read_text(path)


def run_single(path: str, output: str | None) -> int:
    name = "<stdin>" if path == "-" else path
    data, _ = loads_strict(_read(path), name)
    decision = evaluate(request_from_json(data, name))
    write_output(output, orjson.dumps(decision.to_json(), option=orjson.OPT_INDENT_2).decode() + "\n")
    return EXIT_OK


def run_batch(path: str, output: str | None) -> int:
    """Decide every line; a line that cannot be read yields an error object and exit code 2."""
    name = "<stdin>" if path == "-" else path
    text = _read(path)
    loader = _CachedLoader()
    out = io.StringIO()
    failed = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        result: dict[str, Any]
        try:
            data, _ = loads_strict(line, where)
            result = evaluate(request_from_json(data, where, loader)).to_json()
        except PolpError as exc:
            failed = True
            location = exc.location or Location(name)
            result = {"error": exc.message, "line": number, "path": location.path}
            sys.stderr.write(f"polp: error: {name}:{number}: {exc.message}\n")
        out.write(orjson.dumps(result).decode())
        out.write("\n")
    write_output(output, out.getvalue())
    return EXIT_INPUT if failed else EXIT_OK
