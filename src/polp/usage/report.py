"""Rendering usage results as text (rich), JSON or Markdown, with the input summary every time.

The summary is part of every output on purpose: skipped files and records, and events that map to
no action, are results too (a report that silently ignored half the logs would mislead).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from polp.usage.activity import ActionActivity, PrincipalActivity
from polp.usage.model import Skipped, UnmappedEvent
from polp.usage.store import Coverage
from polp.usage.unused import PrincipalUnused, UnusedReport

Format = Literal["text", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown")
_TOP_RESOURCES = 3
_LIST_LIMIT = 25


@dataclass(frozen=True, slots=True)
class InputSummary:
    coverage: Coverage
    skipped: tuple[tuple[str, Skipped], ...]
    unmapped: tuple[UnmappedEvent, ...]
    since: str | None = None
    until: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "records": self.coverage.records,
            "files": self.coverage.files,
            "first_event": self.coverage.first_seen,
            "last_event": self.coverage.last_seen,
            "since": self.since,
            "until": self.until,
            "skipped": [
                {"scope": scope, "reason": s.reason, "count": s.count, "examples": list(s.examples)}
                for scope, s in self.skipped
            ],
            "unmapped_events": [
                {
                    "event_source": u.event_source,
                    "event_name": u.event_name,
                    "kind": u.kind,
                    "reason": u.reason,
                    "count": u.count,
                }
                for u in self.unmapped
            ],
        }


def _tool() -> dict[str, str]:
    from polp import __version__

    return {"name": "polp", "version": __version__}


def _console(buffer: io.StringIO) -> Console:
    return Console(
        file=buffer, force_terminal=False, no_color=True, width=160, highlight=False, soft_wrap=False
    )


def _dump(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"


# --- the input summary ----------------------------------------------------------------------------


def _summary_lines(summary: InputSummary) -> list[str]:
    c = summary.coverage
    lines = [
        f"{c.records} records from {c.files} files, events from {c.first_seen or '-'} to {c.last_seen or '-'}"
    ]
    if summary.since or summary.until:
        lines.append(f"window: {summary.since or 'start'} to {summary.until or 'end'}")
    for scope, skipped in summary.skipped:
        where = f" (e.g. {', '.join(skipped.examples)})" if skipped.examples else ""
        lines.append(
            f"skipped {skipped.count} {scope}{'s' if skipped.count != 1 else ''}: {skipped.reason}{where}"
        )
    kinds: dict[str, list[UnmappedEvent]] = {}
    for event in summary.unmapped:
        kinds.setdefault(event.kind, []).append(event)
    for kind, events in sorted(kinds.items()):
        total = sum(e.count for e in events)
        names = ", ".join(f"{e.event_source.split('.')[0]}:{e.event_name}" for e in events[:6])
        more = f" (+{len(events) - 6} more)" if len(events) > 6 else ""
        lines.append(f"{total} events mapped to no action ({kind}): {names}{more}")
    return lines


def _summary_markdown(summary: InputSummary) -> list[str]:
    out = ["## Input", ""]
    out += [f"- {line}" for line in _summary_lines(summary)]
    if summary.unmapped:
        out += ["", "| event source | event name | kind | reason | events |", "|---|---|---|---|---|"]
        out += [
            f"| {u.event_source} | {u.event_name} | {u.kind} | {_md(u.reason)} | {u.count} |"
            for u in summary.unmapped
        ]
    return [*out, ""]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- usage ----------------------------------------------------------------------------------------


def _resources_text(action: ActionActivity) -> str:
    shown = [f"{r} ({n})" if len(action.resources) > 1 else r for r, n in action.resources[:_TOP_RESOURCES]]
    more = len(action.resources) - _TOP_RESOURCES
    return ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")


def _action_label(action: ActionActivity) -> str:
    if action.inferred_from:
        return f"{action.action} (inferred from {action.inferred_from}; not logged)"
    return f"{action.action} (via {action.via})" if action.via else action.action


def _action_json(action: ActionActivity) -> dict[str, Any]:
    return {
        "action": action.action,
        "via": action.via or None,
        "inferred_from": action.inferred_from or None,
        "calls": action.calls,
        "denied": action.denied,
        "errors": action.errors,
        "first_seen": action.first_seen,
        "last_seen": action.last_seen,
        "resources": [{"resource": r, "calls": n} for r, n in action.resources],
        "denied_codes": list(action.denied_codes),
    }


def render_usage(principals: Sequence[PrincipalActivity], summary: InputSummary, fmt: Format) -> str:
    if fmt == "json":
        return _dump(
            {
                "tool": _tool(),
                "summary": summary.to_json(),
                "principals": [
                    {
                        "principal": p.arn,
                        "kind": p.kind,
                        "subjects": list(p.subjects),
                        "calls": p.calls,
                        "denied": p.denied,
                        "first_seen": p.first_seen,
                        "last_seen": p.last_seen,
                        "actions": [_action_json(a) for a in p.actions],
                    }
                    for p in principals
                ],
            }
        )
    if fmt == "markdown":
        out = ["# Usage", ""]
        for p in principals:
            out += [f"## {p.kind} `{p.arn}`", ""]
            if p.subjects:
                out += [f"Subjects: {', '.join(f'`{s}`' for s in p.subjects)}", ""]
            out += [
                "| action | calls | denied | first seen | last seen | resources |",
                "|---|---|---|---|---|---|",
            ]
            out += [
                f"| {_md(_action_label(a))} | {a.calls} | {a.denied} | {a.first_seen} | {a.last_seen} | "
                f"{_md(_resources_text(a))} |"
                for a in p.actions
            ]
            out.append("")
        return "\n".join(out + _summary_markdown(summary))
    buffer = io.StringIO()
    console = _console(buffer)
    for p in principals:
        title = f"{p.kind} {p.arn}" + (f"  subjects: {', '.join(p.subjects)}" if p.subjects else "")
        table = Table(title=Text(title, style="bold"), title_justify="left", expand=True, pad_edge=False)
        table.add_column("action", ratio=3, overflow="fold")
        table.add_column("calls", justify="right", no_wrap=True)
        table.add_column("denied", no_wrap=True)
        table.add_column("first seen", no_wrap=True, min_width=20)
        table.add_column("last seen", no_wrap=True, min_width=20)
        table.add_column("resources", ratio=5, overflow="fold")
        for a in p.actions:
            denied = f"{a.denied} ({', '.join(a.denied_codes)})" if a.denied else ""
            table.add_row(
                _action_label(a), str(a.calls), denied, a.first_seen, a.last_seen, _resources_text(a)
            )
        console.print(table)
    for line in _summary_lines(summary):
        console.print(line)
    return buffer.getvalue()


# --- unused ---------------------------------------------------------------------------------------


def _share(p: PrincipalUnused) -> str:
    share = p.used_share
    return "n/a" if share is None else f"{share:.0%}"


def _unused_json(p: PrincipalUnused) -> dict[str, Any]:
    return {
        "principal": p.arn,
        "kind": p.kind,
        "never_used": p.never_used,
        "events": p.events,
        "last_seen": p.last_seen,
        "granted": len(p.granted),
        "used": list(p.used),
        "used_share": p.used_share,
        "unused_services": list(p.unused_services),
        "unused": list(p.unused),
        "not_observable": [{"action": n.action, "reason": n.reason} for n in p.not_observable],
        "denied": list(p.denied),
        "unresolved_policies": list(p.unresolved),
    }


def _limited(items: Sequence[str]) -> str:
    return ", ".join(items[:_LIST_LIMIT]) + (
        f" (+{len(items) - _LIST_LIMIT} more)" if len(items) > _LIST_LIMIT else ""
    )


def _unused_lines(p: PrincipalUnused) -> list[str]:
    lines = [
        f"granted {len(p.granted)} actions, used {len(p.used)} ({_share(p)} of the "
        f"{p.observable_granted} observable), last seen {p.last_seen or 'never'}"
    ]
    if p.never_used:
        lines.append("NOT USED AT ALL in the window")
    if p.unused_services:
        lines.append(f"services granted but unused: {_limited(p.unused_services)}")
    if p.unused:
        lines.append(f"unused actions ({len(p.unused)}): {_limited(p.unused)}")
    reasons: dict[str, list[str]] = {}
    for n in p.not_observable:
        reasons.setdefault(n.reason, []).append(n.action)
    for reason, actions in reasons.items():
        lines.append(f"not observable ({len(actions)}; {reason}): {_limited(actions)}")
    if p.denied:
        lines.append(f"denied attempts: {_limited(p.denied)}")
    if p.unresolved:
        lines.append(f"policies not resolved (granted set may be incomplete): {_limited(p.unresolved)}")
    return lines


def render_unused(report: UnusedReport, summary: InputSummary, fmt: Format) -> str:
    coverage_note = (
        ""
        if report.window_covered
        else f"the logs start at {report.logs_first or 'nothing'}, after the window start {report.since}: "
        "unused means unused in the logs given"
    )
    if fmt == "json":
        return _dump(
            {
                "tool": _tool(),
                "summary": summary.to_json(),
                "window": {
                    "since": report.since,
                    "until": report.until,
                    "days": report.days,
                    "covered_by_logs": report.window_covered,
                },
                "principals": [_unused_json(p) for p in report.principals],
            }
        )
    if fmt == "markdown":
        out = ["# Unused permissions", "", f"Window: {report.since} to {report.until} ({report.days} days)."]
        if coverage_note:
            out += ["", f"> Note: {coverage_note}."]
        out += [
            "",
            "| principal | kind | granted | used | share | unused | not observable |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| `{p.arn}` | {p.kind} | {len(p.granted)} | {len(p.used)} | {_share(p)} | {len(p.unused)} | "
            f"{len(p.not_observable)} |"
            for p in report.principals
        ]
        for p in report.principals:
            out += ["", f"## `{p.arn}`", ""] + [f"- {_md(line)}" for line in _unused_lines(p)]
        return "\n".join([*out, "", *_summary_markdown(summary)])
    buffer = io.StringIO()
    console = _console(buffer)
    console.print(Text(f"window {report.since} to {report.until} ({report.days} days)", style="bold"))
    if coverage_note:
        console.print(f"note: {coverage_note}")
    for p in report.principals:
        console.print(Text(f"\n{p.kind} {p.arn}", style="bold"))
        for line in _unused_lines(p):
            console.print(f"  {line}")
    console.print("")
    for line in _summary_lines(summary):
        console.print(line)
    return buffer.getvalue()
