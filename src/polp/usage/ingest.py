"""Reading logs into the usage store: files in parallel on every core, memory bounded.

Worker processes read batches of files and return their stage-one groups (:mod:`polp.usage.raw`),
which are small next to the records; this process maps them to usage rows and flushes those to the
store whenever they grow past a bound, so memory does not grow with the size of the input.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from polp.usage.aggregate import UsageAggregate, UsageAggregator
from polp.usage.fast import add_document
from polp.usage.model import UnmappedKind
from polp.usage.raw import RawAggregate, add_records
from polp.usage.records import LogFileError, SkipLog, discover, parse_log_bytes, read_log_bytes, read_log_file
from polp.usage.store import UsageStore

#: Usage rows held in memory before they are flushed to the store.
FLUSH_ROWS = 100_000
_BATCH_BYTES = 4 * 1024 * 1024
_BATCH_FILES = 64

FileId = tuple[str, int, int]


@dataclass(slots=True)
class BatchResult:
    """What a worker returns for a batch of files: usage rows already mapped (stage two), which are
    far fewer than the records, plus what it could not use."""

    rows: UsageAggregate = field(default_factory=dict)
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


def _add_file(path: str, raw: RawAggregate, problems: Counter[str]) -> int:
    data = read_log_bytes(path)
    if data is None:
        return add_records(read_log_file(path, problems), raw, problems)
    if data.lstrip()[:10] == b'{"Records"':
        used = add_document(data, raw, problems)
        if used is not None:
            return used
    return add_records(parse_log_bytes(data, problems), raw, problems)


def scan_batch(batch: Sequence[FileId]) -> BatchResult:
    """Read a batch of files and map what they hold to usage rows (runs in a worker process).

    The garbage collector is paused meanwhile: decoded records hold no cycles, and collections
    triggered by millions of short-lived objects would cost more than the decoding.
    """
    global _worker_usage
    if _worker_usage is None:
        _worker_usage = UsageAggregator()
    result = BatchResult()
    raw: RawAggregate = {}
    collecting = gc.isenabled()
    gc.disable()
    try:
        for file_id in batch:
            path = file_id[0]
            problems: Counter[str] = Counter()
            try:
                result.records += _add_file(path, raw, problems)
            except LogFileError as exc:
                result.skips.file(str(exc), path)
                continue
            except (ValueError, TypeError, OSError, RecursionError, MemoryError) as exc:
                result.skips.file(f"unreadable ({type(exc).__name__})", path)
                continue
            result.files.append(file_id)
            for reason, count in problems.items():
                result.skips.record(reason, path, count)
        _worker_usage.add(raw)
    finally:
        if collecting:
            gc.enable()
    result.rows, result.unmapped = _worker_usage.rows, dict(_worker_usage.unmapped)
    _worker_usage.clear_rows()
    _worker_usage.unmapped.clear()
    return result


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


def _results(batches: list[list[FileId]], workers: int) -> Iterator[BatchResult]:
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
    aggregator: UsageAggregator | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> IngestSummary:
    """Read every log under ``paths`` that the store does not hold yet, and load its usage."""
    skips = SkipLog()
    files, already = _file_ids(paths, skips, store.loaded_files())
    usage = aggregator or UsageAggregator()
    batches = list(_batches(files))
    show = sys.stderr.isatty() if progress is None else progress
    records = 0
    read: list[FileId] = []
    with _progress(show, len(files)) as advance:
        for result in _results(batches, workers or default_workers()):
            usage.merge(result.rows, result.unmapped, result.records)
            skips.merge(result.skips)
            records += result.records
            read.extend(result.files)
            if on_batch is not None:
                on_batch(result)
            advance(len(result.files) + result.skips.file_count)
            if len(usage.rows) >= FLUSH_ROWS:
                store.add_values(usage.values())
                usage.clear_rows()
    store.add_values(usage.values())
    usage.clear_rows()
    store.compact()
    store.add_unmapped(usage.unmapped_events())
    usage.unmapped.clear()
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
