"""The usage commands, one function each, taking plain arguments and returning the exit code.

``polp usage``, ``polp unused`` and ``polp generate`` read their usage from the same places: CloudTrail
logs (streamed into the DuckDB store, ``--store FILE`` to keep it between runs), the result of the
stage-one SQL run elsewhere (``--from-query-result FILE``), or Athena directly (``--athena``). Exit codes:
0 done, 1 findings (unused permissions; no call to generate a policy from), 2 unreadable input,
3 bad arguments (see :mod:`polp.errors`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TextIO, TypeVar, cast

from polp.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError, PolpError, UsageError
from polp.usage.activity import summarize
from polp.usage.aggregate import UsageAggregator
from polp.usage.athena import AthenaOptions, run_query
from polp.usage.generate import generate_policy
from polp.usage.ingest import ingest
from polp.usage.model import UsageRow
from polp.usage.observability import Observability
from polp.usage.policy_output import POLICY_FORMATS, PolicyFormat, render_notes, render_policy
from polp.usage.query_result import raw_groups, read_result_file
from polp.usage.raw import RawKey, RawStats
from polp.usage.records import SkipLog
from polp.usage.report import FORMATS, Format, InputSummary, render_unused, render_usage
from polp.usage.sql import DIALECTS, Dialect, aggregation_sql
from polp.usage.store import UsageStore
from polp.usage.unused import find_unused, window


@dataclass(frozen=True, slots=True)
class UsageSource:
    """Where usage comes from. Several may be combined; an existing ``store`` is read as it is."""

    logs: Sequence[str] = ()
    store: str | None = None
    query_result: str | None = None
    athena: AthenaOptions | None = None
    workers: int | None = None
    progress: bool | None = None


def parse_day(value: str | date | None, option: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise UsageError(f"{option} must be a date such as 2024-05-31, not {value!r}") from None


def _load_groups(store: UsageStore, groups: Iterator[tuple[RawKey, RawStats]], skips: SkipLog) -> int:
    aggregator = UsageAggregator()
    aggregator.add(groups)
    store.add_values(aggregator.values())
    store.compact()
    store.add_unmapped(aggregator.unmapped_events())
    store.add_skips(skips)
    store.add_load(aggregator.records, [])
    return aggregator.records


@contextmanager
def open_usage(
    source: UsageSource, since: date | None = None, until: date | None = None
) -> Iterator[UsageStore]:
    """The usage store with every input of ``source`` loaded; InputError if nothing could be read."""
    if not (source.logs or source.store or source.query_result or source.athena):
        raise UsageError("give CloudTrail logs, --store, --from-query-result or --athena")
    with UsageStore(source.store) as store:
        if source.logs:
            summary = ingest(source.logs, store, workers=source.workers, progress=source.progress)
            if (
                summary.files_read == 0
                and summary.files_already_loaded == 0
                and store.coverage().records == 0
            ):
                reasons = "; ".join(sorted(summary.skips.files)) or "no files found"
                raise InputError(f"no CloudTrail log could be read ({reasons})")
        if source.query_result:
            skips = SkipLog()
            rows = read_result_file(source.query_result)
            _load_groups(store, raw_groups(rows, skips, source.query_result), skips)
        if source.athena is not None:
            skips = SkipLog()
            sql = aggregation_sql(source.athena.table, "athena", since, until)
            _load_groups(store, raw_groups(run_query(sql, source.athena), skips, "athena"), skips)
        yield store


def _summary(store: UsageStore, since: date | None, until: date | None) -> InputSummary:
    return InputSummary(
        store.coverage(),
        tuple(store.skipped()),
        tuple(store.unmapped()),
        _iso(since),
        _iso(until),
    )


def _check_format(value: str, allowed: Sequence[str], option: str = "--format") -> None:
    if value not in allowed:
        raise UsageError(f"{option} must be one of {', '.join(allowed)}, not {value!r}")


def _fail(exc: PolpError, err: TextIO) -> int:
    err.write(f"polp: error: {exc}\n")
    return exc.exit_code


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


R = TypeVar("R")
#: What a command loads (since, until) and what it then does with the loaded usage.
_Plan = tuple[date | None, date | None, Callable[[UsageStore], R]]


def _with_usage(source: UsageSource, err: TextIO, prepare: Callable[[], _Plan[R]]) -> R | int:
    """Check the arguments (``prepare``), load ``source`` and run the plan on it; on a PolpError,
    the message on ``err`` and its exit code instead."""
    try:
        since, until, use = prepare()
        with open_usage(source, since, until) as usage:
            return use(usage)
    except PolpError as exc:
        return _fail(exc, err)


def usage_command(
    source: UsageSource,
    *,
    principal: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    output_format: str = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``polp usage LOGS... [--principal ARN] [--since DATE]``: what each principal did."""
    out, err = out or sys.stdout, err or sys.stderr

    def prepare() -> _Plan[int]:
        _check_format(output_format, FORMATS)
        start, end = parse_day(since, "--since"), parse_day(until, "--until")

        def show(usage: UsageStore) -> int:
            rows = usage.rows(principal, _iso(start), _iso(end))
            fmt = cast(Format, output_format)
            out.write(render_usage(summarize(rows), _summary(usage, start, end), fmt))
            return EXIT_OK

        return start, end, show

    return _with_usage(source, err, prepare)


def unused_command(
    account: Sequence[str],
    source: UsageSource,
    *,
    days: int = 90,
    principal: str | None = None,
    until: str | date | None = None,
    output_format: str = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``polp unused --account FILE --logs LOGS... [--days 90]``: what is held but not used."""
    out, err = out or sys.stdout, err or sys.stderr

    def prepare() -> _Plan[int]:
        _check_format(output_format, FORMATS)
        if days < 1:
            raise UsageError("--days must be at least 1")
        if not account:
            raise UsageError("--account needs the output of aws iam get-account-authorization-details")
        from polp.sources import load_inventory

        inventory = load_inventory(list(account))
        end = parse_day(until, "--until")

        def show(usage: UsageStore) -> int:
            coverage = usage.coverage()
            since_day, until_day = window(days, coverage.last_seen, end)
            rows = usage.rows(principal, since_day, until_day)
            observability = Observability(frozenset(usage.data_event_services()))
            report = find_unused(
                inventory,
                rows,
                observability,
                since=since_day,
                until=until_day,
                days=days,
                logs_first=coverage.first_seen,
                logs_last=coverage.last_seen,
                principal=principal,
            )
            fmt = cast(Format, output_format)
            summary = _summary(usage, date.fromisoformat(since_day), date.fromisoformat(until_day))
            out.write(render_unused(report, summary, fmt))
            return EXIT_FINDINGS if report.has_findings else EXIT_OK

        return None, end, show

    return _with_usage(source, err, prepare)


def generate_command(
    source: UsageSource,
    *,
    principal: str,
    output_format: str = "json",
    include_denied: bool = False,
    since: str | date | None = None,
    until: str | date | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``polp generate --logs LOGS... --principal ARN [--format json|terraform]``."""
    out, err = out or sys.stdout, err or sys.stderr

    def prepare() -> _Plan[list[UsageRow]]:
        _check_format(output_format, POLICY_FORMATS)
        if not principal:
            raise UsageError("--principal is required")
        start, end = parse_day(since, "--since"), parse_day(until, "--until")
        return start, end, lambda usage: usage.rows(principal, _iso(start), _iso(end))

    rows = _with_usage(source, err, prepare)
    if isinstance(rows, int):
        return rows
    policy = generate_policy(rows, principal, include_denied)
    if not policy.statements:
        err.write(f"polp: no successful call of {principal} in the logs: nothing to generate\n")
        return EXIT_FINDINGS
    fmt = cast(PolicyFormat, output_format)
    out.write(render_policy(policy, fmt))
    err.write(render_notes(policy))
    return EXIT_OK


def sql_command(
    *,
    dialect: str = "athena",
    table: str = "cloudtrail_logs",
    since: str | date | None = None,
    until: str | date | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``polp usage --sql [--dialect athena|trino|spark|duckdb]``: the stage-one SQL to run elsewhere."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        _check_format(dialect, DIALECTS, "--dialect")
        chosen = cast(Dialect, dialect)
        out.write(
            aggregation_sql(table, chosen, parse_day(since, "--since"), parse_day(until, "--until")) + ";\n"
        )
    except PolpError as exc:
        return _fail(exc, err)
    return EXIT_OK


__all__ = [
    "EXIT_INPUT",
    "AthenaOptions",
    "UsageSource",
    "generate_command",
    "open_usage",
    "sql_command",
    "unused_command",
    "usage_command",
]
