"""Render a plan in a format and write it to a directory, whole files at a time.

The directory keeps an index of what polp wrote there (``.polp-plan.json``), so that a file an earlier
plan wrote and this one does not (an identity that was removed) is deleted rather than left to linger
as a role nobody declared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from polp.errors import InputError, Location, UsageError
from polp.generate.compile import Plan
from polp.generate.emit_cloudformation import cloudformation_files
from polp.generate.emit_json import json_files
from polp.generate.emit_terraform import terraform_files
from polp.outputs.atomic import write_output

INDEX = ".polp-plan.json"
FORMATS: dict[str, Callable[[Plan], dict[str, str]]] = {
    "terraform": terraform_files,
    "terraform-json": lambda plan: terraform_files(plan, as_json=True),
    "cloudformation": cloudformation_files,
    "json": json_files,
}


def render(plan: Plan, fmt: str) -> dict[str, str]:
    """Relative path -> content, sorted by path."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return dict(sorted(FORMATS[fmt](plan).items()))


def _previous(directory: str) -> list[str]:
    try:
        with open(os.path.join(directory, INDEX), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return []
    files = data.get("files") if isinstance(data, dict) else None
    return (
        [f for f in files if isinstance(f, str) and not os.path.isabs(f) and ".." not in f.split("/")]
        if isinstance(files, list)
        else []
    )


def write_plan(files: dict[str, str], directory: str) -> list[str]:
    """Write ``files`` under ``directory``; returns the stale files it removed."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InputError("not a directory", Location(directory))
    try:
        os.makedirs(directory, exist_ok=True)
        for relative in files:
            os.makedirs(os.path.dirname(os.path.join(directory, relative)), exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory: {exc.strerror or exc}", Location(directory)) from None
    for relative, text in files.items():
        write_output(os.path.join(directory, relative), text)
    removed = []
    for relative in _previous(directory):
        path = os.path.join(directory, relative)
        if relative not in files and os.path.isfile(path):
            os.remove(path)
            removed.append(relative)
    write_output(os.path.join(directory, INDEX), json.dumps({"files": sorted(files)}, indent=2) + "\n")
    return removed
