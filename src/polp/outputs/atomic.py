"""Write a report whole or not at all: never a half-written output file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from polp.errors import InputError, Location


def write_output(path: str | None, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file renamed into place), or to stdout."""
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".polp-", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
