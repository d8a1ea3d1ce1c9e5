"""Write a report whole or not at all: never a half-written output file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable

from polp.errors import InputError, Location


def write_output(path: str | None, content: str | Iterable[str]) -> None:
    """Write ``content`` (text, or text in pieces) to ``path`` atomically, or to stdout.

    A file is written to a temporary name beside it and renamed into place only when complete; if
    anything fails on the way, the temporary file is removed and ``path`` is left untouched.
    """
    pieces = (content,) if isinstance(content, str) else content
    if path is None or path == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".polp-", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            batch: list[str] = []
            for piece in pieces:
                batch.append(piece)
                if len(batch) >= 512:  # a report streamed a line at a time: fewer, larger writes
                    handle.write("".join(batch))
                    batch.clear()
            handle.write("".join(batch))
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
