"""What every input kind provides: a name, a detector that looks at content, and a reader.

Detection is by content (the first :data:`HEAD_BYTES` bytes of a file), never by extension alone: an
account details file, a CloudFormation template and an IAM policy are all ``.json``.
"""

from __future__ import annotations

import os
from typing import Protocol

from polp.errors import InputError, Location
from polp.inventory import Inventory

#: How much of a file a detector sees.
HEAD_BYTES = 64 * 1024
#: The largest input polp reads; a real account details file of a big account is tens of MiB.
MAX_INPUT_BYTES = 256 * 1024 * 1024


class Source(Protocol):
    """One kind of input (account details, a Terraform configuration, a credential report, ...)."""

    @property
    def name(self) -> str:
        """A short, stable name such as ``"terraform"``, shown in progress and messages."""
        ...

    def detect(self, path: str, head: bytes) -> bool:
        """Whether the file at ``path``, which starts with ``head``, is of this kind."""
        ...

    def read(self, path: str) -> Inventory:
        """Read one input. Raises only :class:`~polp.errors.InputError`."""
        ...


def read_head(path: str, size: int = HEAD_BYTES) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", Location(path)) from None


def read_bytes(path: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A whole file, refusing anything larger than ``limit`` before reading it."""
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise InputError(f"file too large ({size} bytes; the limit is {limit})", Location(path))
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", Location(path)) from None
    if len(data) > limit:
        raise InputError(f"file too large (the limit is {limit} bytes)", Location(path))
    return data


def read_input_text(path: str, limit: int = MAX_INPUT_BYTES) -> str:
    """A whole file as UTF-8 text (with or without BOM), within ``limit`` bytes."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", Location(path)) from None


def head_text(head: bytes) -> str:
    """The head as text for detectors: BOM and leading whitespace removed, bad bytes replaced."""
    return head.decode("utf-8-sig", errors="replace").lstrip()
