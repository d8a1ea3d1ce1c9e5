"""Write a report whole or not at all: never a half-written output file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from polp.errors import InputError, Location


def write_output(path: str | None, content: str | Iterable[str] | Iterable[bytes]) -> None:
    """Write ``content`` (text, or text or UTF-8 bytes in pieces) to ``path`` atomically, or to stdout.

    A file is written to a temporary name beside it and renamed into place only when complete; if
    anything fails on the way, the temporary file is removed and ``path`` is left untouched.
    """
    pieces: Iterator[Any] = iter((content,) if isinstance(content, str) else content)
    first: Any = next(pieces, "")
    binary = isinstance(first, bytes)
    if path is None or path == "-":
        if binary:
            sys.stdout.flush()  # what was written as text goes first
            _write_batched(sys.stdout.buffer.write, b"", first, pieces)
            sys.stdout.buffer.flush()
        else:
            _write_batched(sys.stdout.write, "", first, pieces)
            sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".polp-", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
    try:
        if binary:
            with os.fdopen(fd, "wb") as raw:
                _write_batched(raw.write, b"", first, pieces)
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                _write_batched(handle.write, "", first, pieces)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write output: {exc.strerror or exc}", Location(path)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_batched(write: Callable[[Any], object], empty: Any, first: Any, pieces: Iterator[Any]) -> None:
    """Write ``first`` and ``pieces``: a report streamed a line at a time goes out in fewer, larger
    writes."""
    batch = [first]
    for piece in pieces:
        batch.append(piece)
        if len(batch) >= 512:
            write(empty.join(batch))
            batch.clear()
    write(empty.join(batch))
