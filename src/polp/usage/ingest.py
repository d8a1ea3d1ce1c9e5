"""Reading logs into the usage store: files in parallel on every core, memory bounded.

Worker processes read batches of files, count their stage-one groups (:mod:`polp.usage.fast`), map
them to usage (:mod:`polp.usage.aggregate`) and write that to files in the store's bulk format
(:func:`polp.usage.store.write_part`). This process holds no usage in Python: it loads every batch's
files into the store in one statement at the end (DuckDB writes them straight to the database file,
which costs less than loading batch by batch), and DuckDB merges the rows that several batches wrote
for one key. Memory does not grow with the size of the input in Python, DuckDB stays within the
store's memory limit, and the bulk files take about as much disk as the usage rows.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from polp.usage.aggregate import UsageAggregator, UsageKey, unmapped_events
from polp.usage.fast import OBJECT_KEY, PLAIN_OBJECT_KEY, S3_OBJECT_PREFIX, Scan, raw_key, with_object_key
from polp.usage.model import UnmappedKind
from polp.usage.raw import RawKey, add_records, add_stats
from polp.usage.records import LogFileError, SkipLog, discover, parse_log_bytes, read_log_bytes, read_log_file
from polp.usage.store import OBJECTS_PART, ROWS_PART, TEMPLATES_PART, UsageStore, write_part

_BATCH_BYTES = 4 * 1024 * 1024
_BATCH_FILES = 64
#: Group numbers of one batch: the batch's number times this, plus the group's index.
_GROUPS_PER_BATCH = 1 << 32
_HINTS = 15

FileId = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Batch:
    """Files for one worker task; its usage goes to files named after ``number`` in ``out_dir``."""

    number: int
    out_dir: str
    files: Sequence[FileId]


@dataclass(slots=True)
class BatchResult:
    """What a worker returns for a batch: the files it wrote its usage to (stage two done), and what
    it could not use."""

    parts: list[str] = field(default_factory=list)
    unmapped: dict[tuple[str, str, UnmappedKind, str], int] = field(default_factory=dict)
    skips: SkipLog = field(default_factory=SkipLog)
    files: list[FileId] = field(default_factory=list)
    records: int = 0


@dataclass(frozen=True, slots=True)
class IngestSummary:
    files_read: int
    files_already_loaded: int
    records: int
    skips: SkipLog


_worker_usage: UsageAggregator | None = None


def _add_file(path: str, scan: Scan, problems: Counter[str]) -> int:
    data = read_log_bytes(path)
    if data is None:
        return add_records(read_log_file(path, problems), scan.raw, problems)
    if data.lstrip()[:10] == b'{"Records"':
        used = scan.add_document(data, problems)
        if used is not None:
            return used
    return add_records(parse_log_bytes(data, problems), scan.raw, problems)


def scan_batch(batch: Batch) -> BatchResult:
    """Read a batch of files, map what they hold to usage and write it (runs in a worker process).

    The garbage collector is paused meanwhile: decoded records hold no cycles, and collections
    triggered by millions of short-lived objects would cost more than the decoding.
    """
    global _worker_usage
    if _worker_usage is None:
        _worker_usage = UsageAggregator()
    result = BatchResult()
    scan = Scan(batch.number * _GROUPS_PER_BATCH)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for file_id in batch.files:
            path = file_id[0]
            problems: Counter[str] = Counter()
            try:
                result.records += _add_file(path, scan, problems)
            except LogFileError as exc:
                result.skips.file(str(exc), path)
                continue
            except (ValueError, TypeError, OSError, RecursionError, MemoryError) as exc:
                result.skips.file(f"unreadable ({type(exc).__name__})", path)
                continue
            result.files.append(file_id)
            for reason, count in problems.items():
                result.skips.record(reason, path, count)
        result.parts = _write_usage(scan, _worker_usage, os.path.join(batch.out_dir, f"{batch.number:08d}"))
    finally:
        if collecting:
            gc.enable()
    result.unmapped = dict(_worker_usage.unmapped)
    _worker_usage.unmapped.clear()
    return result


def _one_by_one(key: RawKey, objects: dict[str, list[Any]]) -> list[str]:
    """Objects of a group that must be mapped with their own key: those whose key would not resolve
    as OBJECT_KEY does, and those whose ARN another request parameter also holds (which the concrete
    mapping counts once)."""
    plain = PLAIN_OBJECT_KEY.match
    odd = [object_key for object_key in objects if plain(object_key) is None]
    hints = dict(key[_HINTS] or ())
    prefix = f"{S3_OBJECT_PREFIX}{hints.get('bucketName')}/"
    named = [v[len(prefix) :] for n, v in hints.items() if n != "key" and v.startswith(prefix)]
    return odd + [object_key for object_key in named if object_key in objects and object_key not in odd]


def _templates(mapped: tuple[UsageKey, ...], number: int) -> list[list[Any]] | None:
    """A group's usage keys as the store loads templates; None if a resource holds OBJECT_KEY twice."""
    rows = []
    for usage_key in mapped:
        head, mark, tail = usage_key[5].partition(OBJECT_KEY)
        if OBJECT_KEY in tail:
            return None
        rows.append([number, *usage_key[:5], head, tail if mark else None, *usage_key[6:]])
    return rows


def _write_usage(scan: Scan, usage: UsageAggregator, prefix: str) -> list[str]:
    """Map the batch's groups to usage and write it in the store's bulk format; the files written.

    A group of S3 object events is mapped once, to templates whose resources hold OBJECT_KEY where
    the object's key goes, and its objects are written as they were counted: the store puts each
    object's key into its group's templates. Objects that cannot be so (see :func:`_one_by_one` and
    :meth:`UsageAggregator.object_templates`) and every other group are mapped with their own keys.
    """
    usage.add_by_name((raw_key(key), stats) for key, stats in scan.plain.items())
    raw = scan.raw
    templates: list[list[Any]] = []
    objects: list[list[Any]] = []
    for key, number, group in scan.object_groups():
        mapped = usage.object_templates(key)
        event: tuple[str, str, UnmappedKind, str] | None = None
        rows: list[list[Any]] | None = None
        if mapped and isinstance(mapped[0], str):
            event = mapped
        elif mapped is not None:
            rows = _templates(mapped, number)
        if event is None and rows is None:
            for _, object_key, count, first, last in group.values():
                add_stats(raw, with_object_key(key, object_key), count, first, last)
            continue
        for object_key in _one_by_one(key, group):
            _, _, count, first, last = group.pop(object_key)
            add_stats(raw, with_object_key(key, object_key), count, first, last)
        if event is not None:
            usage.unmapped[event] = usage.unmapped.get(event, 0) + sum(s[2] for s in group.values())
        elif rows and group:
            templates += rows
            objects.extend(group.values())
    usage.add(raw)
    parts: list[str] = []
    for suffix, part in ((ROWS_PART, usage.values()), (TEMPLATES_PART, templates), (OBJECTS_PART, objects)):
        if write_part(prefix + suffix, part):
            parts.append(prefix + suffix)
    usage.clear_rows()
    return parts


def _file_ids(paths: Sequence[str], skips: SkipLog, known: set[FileId]) -> tuple[list[FileId], int]:
    found: list[FileId] = []
    already = 0
    for path in discover(paths, skips):
        try:
            stat = os.stat(path)
        except OSError as exc:
            skips.file(f"unreadable ({exc.strerror or type(exc).__name__})", path)
            continue
        file_id = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
        if file_id in known:
            already += 1
        else:
            found.append(file_id)
    return found, already


def _batches(files: list[FileId]) -> Iterator[list[FileId]]:
    batch: list[FileId] = []
    size = 0
    for file_id in files:
        batch.append(file_id)
        size += file_id[1]
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _results(batches: list[Batch], workers: int) -> Iterator[BatchResult]:
    if workers <= 1 or len(batches) <= 1:
        yield from map(scan_batch, batches)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        yield from pool.imap_unordered(scan_batch, batches)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def ingest(
    paths: Sequence[str],
    store: UsageStore,
    *,
    workers: int | None = None,
    progress: bool | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> IngestSummary:
    """Read every log under ``paths`` that the store does not hold yet, and load its usage."""
    skips = SkipLog()
    files, already = _file_ids(paths, skips, store.loaded_files())
    unmapped: dict[tuple[str, str, UnmappedKind, str], int] = {}
    show = sys.stderr.isatty() if progress is None else progress
    records = 0
    read: list[FileId] = []
    parts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="polp-usage-") as out_dir:
        batches = [Batch(number, out_dir, chunk) for number, chunk in enumerate(_batches(files))]
        with _progress(show, len(files)) as advance:
            for result in _results(batches, workers or default_workers()):
                for key, count in result.unmapped.items():
                    unmapped[key] = unmapped.get(key, 0) + count
                skips.merge(result.skips)
                records += result.records
                read.extend(result.files)
                parts.extend(result.parts)
                if on_batch is not None:
                    on_batch(result)
                advance(len(result.files) + result.skips.file_count)
        store.add_parts(parts)
    store.add_unmapped(unmapped_events(unmapped))
    store.add_skips(skips)
    store.add_load(records, read)
    return IngestSummary(len(read), already, records, skips)


class _progress:
    """A rich progress bar on a terminal; nothing otherwise."""

    def __init__(self, show: bool, total: int) -> None:
        self._show = show and total > 0
        self._total = total
        self._bar: object | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not self._show:
            return lambda _n: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        bar = Progress(
            "reading CloudTrail",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=True,
            console=None,
        )
        bar.start()
        task = bar.add_task("files", total=self._total)
        self._bar = bar
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()  # type: ignore[attr-defined]
