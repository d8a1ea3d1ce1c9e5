"""Finding and reading CloudTrail inputs, whatever shape they were delivered in.

Accepted: files as CloudTrail delivers them to S3 (``{"Records": [...]}``, ``.json`` or ``.json.gz``),
any directory tree of them (``AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/``), the output of
``aws cloudtrail lookup-events`` (``{"Events": [{"CloudTrailEvent": "<json>"}]}``), and JSON Lines of
single events, bare or in the EventBridge envelope (``{"detail-type": ..., "detail": {...}}``).

A file that cannot be used raises :class:`LogFileError` with the reason; a record that cannot be used
inside a good file is counted by reason. Nothing is dropped silently.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

LOG_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".gz")
_DIGEST_DIR = "CloudTrail-Digest"
#: Files larger than this (compressed) are read line by line instead of whole, to bound memory.
STREAM_ABOVE_BYTES = 64 * 1024 * 1024
_EXAMPLES = 3


class LogFileError(Exception):
    """A whole file is unusable; the message is the reason reported in the summary."""


@dataclass(slots=True)
class SkipLog:
    """Skipped files and records, counted by reason, with a few example locations each."""

    files: dict[str, list[Any]] = field(default_factory=dict)
    records: dict[str, list[Any]] = field(default_factory=dict)

    @staticmethod
    def _add(table: dict[str, list[Any]], reason: str, where: str, count: int) -> None:
        entry = table.setdefault(reason, [0, []])
        entry[0] += count
        if len(entry[1]) < _EXAMPLES and where not in entry[1]:
            entry[1].append(where)

    def file(self, reason: str, where: str) -> None:
        self._add(self.files, reason, where, 1)

    def record(self, reason: str, where: str, count: int = 1) -> None:
        self._add(self.records, reason, where, count)

    def merge(self, other: SkipLog) -> None:
        for mine, theirs in ((self.files, other.files), (self.records, other.records)):
            for reason, (count, examples) in theirs.items():
                for i, where in enumerate(examples):
                    self._add(mine, reason, where, count if i == 0 else 0)
                if not examples:
                    self._add(mine, reason, "", count)

    @property
    def file_count(self) -> int:
        return sum(count for count, _ in self.files.values())

    @property
    def record_count(self) -> int:
        return sum(count for count, _ in self.records.values())


def _is_log_name(name: str) -> bool:
    return name.lower().endswith(LOG_SUFFIXES)


def discover(paths: Sequence[str], skips: SkipLog) -> Iterator[str]:
    """Every log file under ``paths``, in a stable order; what is not one is logged as skipped."""
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                if _DIGEST_DIR in dirs:
                    dirs.remove(_DIGEST_DIR)
                    for digest_root, _, digests in os.walk(os.path.join(root, _DIGEST_DIR)):
                        for name in digests:
                            skips.file(
                                "CloudTrail digest file (holds no events)", os.path.join(digest_root, name)
                            )
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if _is_log_name(name):
                        yield full
                    else:
                        skips.file("not a log file (expected .json, .json.gz or .jsonl)", full)
        elif os.path.exists(path):
            yield path
        else:
            skips.file("no such file or directory", path)


def _gunzip(data: bytes) -> bytes:
    """Decompress every gzip member; a truncated or corrupt stream raises LogFileError."""
    parts: list[bytes] = []
    while data:
        inflater = zlib.decompressobj(47)
        try:
            parts.append(inflater.decompress(data))
        except zlib.error as exc:
            raise LogFileError(f"corrupt gzip data ({exc})") from None
        if not inflater.eof:
            raise LogFileError("truncated gzip data")
        data = inflater.unused_data.lstrip(b"\0")
    return b"".join(parts)


def _events_of_lookup(events: list[Any], problems: Counter[str]) -> Iterator[Any]:
    for event in events:
        text = event.get("CloudTrailEvent") if isinstance(event, dict) else None
        if not isinstance(text, str):
            problems["lookup-events entry lacks CloudTrailEvent"] += 1
            continue
        try:
            yield orjson.loads(text)
        except orjson.JSONDecodeError:
            problems["lookup-events CloudTrailEvent is not valid JSON"] += 1


def records_of(document: Any, problems: Counter[str]) -> Iterable[Any]:
    """The CloudTrail records in one decoded document; raises LogFileError if it holds none."""
    if isinstance(document, dict):
        if "Records" in document:
            records = document["Records"]
            if not isinstance(records, list):
                raise LogFileError("not CloudTrail: Records is not a list")
            return records
        if "Events" in document and isinstance(document["Events"], list):
            return _events_of_lookup(document["Events"], problems)
        if "detail" in document and "detail-type" in document:
            return (document["detail"],)
        if "eventSource" in document or "eventName" in document:
            return (document,)
        if "digestStartTime" in document:
            raise LogFileError("CloudTrail digest file (holds no events)")
        raise LogFileError("not CloudTrail: a JSON object without Records, Events or an event")
    if isinstance(document, list):
        return [item for element in document for item in records_of_line(element, problems)]
    raise LogFileError("not CloudTrail: the JSON is not an object")


def records_of_line(document: Any, problems: Counter[str]) -> Iterable[Any]:
    """Like :func:`records_of`, for one element of a list or one JSON line: problems are counted."""
    try:
        return records_of(document, problems)
    except LogFileError as exc:
        problems[str(exc)] += 1
        return ()


def _json_lines(lines: Iterable[bytes], problems: Counter[str]) -> Iterator[Any]:
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            document = orjson.loads(line)
        except orjson.JSONDecodeError:
            problems["invalid JSON line"] += 1
            continue
        yield from records_of_line(document, problems)


def _parse(data: bytes, problems: Counter[str]) -> Iterable[Any]:
    if not data.strip():
        raise LogFileError("empty file")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        first = data.lstrip().split(b"\n", 1)[0]
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            raise LogFileError("not JSON (or truncated JSON)") from None
        return list(_json_lines(data.split(b"\n"), problems))
    return records_of(document, problems)


def _stream_lines(path: str, problems: Counter[str]) -> Iterator[Any]:
    """Very large inputs are taken as JSON Lines, read without holding the file in memory."""
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as handle:
            yield from _json_lines(handle, problems)
    except (OSError, EOFError, zlib.error) as exc:
        problems[f"file ended early ({type(exc).__name__})"] += 1


def read_log_bytes(path: str) -> bytes | None:
    """A file's content, decompressed; None if it is too large to hold and must be streamed."""
    try:
        if os.path.getsize(path) > STREAM_ABOVE_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise LogFileError(f"unreadable ({exc.strerror or type(exc).__name__})") from None
    return _gunzip(data) if data[:2] == b"\x1f\x8b" else data


def parse_log_bytes(data: bytes, problems: Counter[str]) -> Iterable[Any]:
    """The records in a file's (decompressed) content."""
    return _parse(data, problems)


def read_log_file(path: str, problems: Counter[str]) -> Iterable[Any]:
    """The records of one input file. Record-level problems are counted in ``problems``."""
    data = read_log_bytes(path)
    if data is None:
        return _stream_lines(path, problems)
    return _parse(data, problems)
