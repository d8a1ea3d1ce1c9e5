"""Sentences the verification formats share: a call, a decision, the state of a check."""

from __future__ import annotations

from polp.errors import Location
from polp.iam.evaluate import Decision
from polp.outputs.common import relative_file
from polp.verify.report import CallOutcome, IdentityResult, VerifyReport

#: How many items of one check the text and Markdown formats show (JSON and SARIF show all).
SHOWN = 8


def place(location: Location | None) -> str:
    if location is None or location.file is None:
        return ""
    text = relative_file(location.file) or location.file
    return f"{text}:{location.line}" if location.line else text


def decision_note(decision: Decision) -> str:
    """``ImplicitlyDenied: no identity-based policy allows the request``, or the deciding statements."""
    notes = [r.note for r in decision.reasons if r.note]
    statements = [f"{r.policy} {r.statement}" for r in decision.reasons if r.statement]
    detail = notes[0] if notes and not decision.allowed else ", ".join(statements[:2])
    return f"{decision.decision}: {detail}" if detail else decision.decision


def call_text(outcome: CallOutcome) -> str:
    call = outcome.call
    text = f"{call.action} on {call.resource}"
    if call.label:
        text += f" ({call.label})"
    elif call.route:
        text += f" ({call.route})"
    if call.origin is not None:
        text += f" [{call.origin.kind}, {place(call.origin.location)}]"
    return text


def check_summary(result: IdentityResult, check: str) -> str:
    """One line about one check of one identity."""
    if not result.found:
        return "not checked: " + "; ".join(result.trust_problems)
    if check == "sufficient":
        denied = sum(1 for o in result.sufficient if not o.passed)
        total = len(result.sufficient)
        return f"{total - denied} of {total} calls allowed" + (f", {denied} denied" if denied else "")
    if check == "minimal":
        actions = sum(e.count for e in result.excess)
        gaps = sum(1 for c in result.conditions if not c.passed)
        if not actions and not gaps:
            return "nothing beyond the manifest"
        return (
            f"{actions + gaps} excess: {actions} action-resource pairs beyond the manifest, "
            f"{gaps} declared conditions not enforced"
        )
    if check == "never":
        failed = [o.item.label for o in result.never if not o.passed]
        if not result.never:
            return "no must-never items declared"
        return f"{len(result.never) - len(failed)} of {len(result.never)} must-never items denied" + (
            f"; reachable: {', '.join(failed)}" if failed else ""
        )
    wrong = [o for o in result.trust if not o.passed]
    parts = [
        f"{len(result.trust) - len(wrong)} of {len(result.trust)} assume-role requests decided as declared"
    ]
    parts += list(result.trust_problems)
    return "; ".join(parts)


def summary_line(report: VerifyReport) -> str:
    passed = sum(1 for i in report.identities if report.identity_passed(i))
    total = len(report.identities)
    verdict = "PASS" if report.passed else "FAIL"
    return (
        f"{verdict}: {passed} of {total} identities verified; excess {report.excess_count} "
        f"(--max-excess {report.max_excess})"
    )


def more(count: int) -> str:
    return f"... and {count - SHOWN} more" if count > SHOWN else ""


def _actions(actions: tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(actions[:limit])
    return shown + (f" (+{len(actions) - limit} more)" if len(actions) > limit else "")


def failures(result: IdentityResult, check: str) -> list[tuple[str, str]]:
    """(what failed, where) for one check of one identity, most telling first."""
    out: list[tuple[str, str]] = []
    if check == "sufficient":
        for o in result.sufficient:
            if not o.passed:
                out.append(
                    (
                        f"denied: {call_text(o)}: {decision_note(o.decision)}",
                        place(o.call.origin.location if o.call.origin else None),
                    )
                )
    elif check == "minimal":
        for e in sorted(result.excess, key=lambda e: -e.count):
            condition = " (conditionally)" if e.conditional else ""
            out.append(
                (
                    f"{e.policy} {e.statement} allows{condition} {len(e.actions)} action(s) on "
                    f"{', '.join(e.resources)}: {_actions(e.actions)}",
                    place(e.location),
                )
            )
        for c in result.conditions:
            if not c.passed:
                out.append(
                    (
                        f"allowed although {c.call.label}: {c.call.action} on {c.call.resource}",
                        place(c.call.origin.location if c.call.origin else None),
                    )
                )
    elif check == "never":
        for n in result.never:
            if n.passed:
                continue
            granted = tuple(dict.fromkeys(g.action for g in n.granted))
            by = ", ".join(dict.fromkeys(f"{g.policy} {g.statement}" for g in n.granted))
            text = f"{n.item.label}: {len(granted)} of {n.actions_checked} actions granted"
            text += f" ({_actions(granted, 3)})"
            text += f" by {by}" if by else ""
            if n.probe is not None:
                text += (
                    f"; simulated {n.probe.call.action} on {n.probe.call.resource}: "
                    f"{decision_note(n.probe.decision)}"
                )
            out.append((text, place(n.item.location)))
    else:
        where = place(result.trust_location)
        out += [(problem, where) for problem in result.trust_problems if result.found]
        for t in result.trust:
            if not t.passed:
                got = "allowed" if t.decision.allowed else "denied"
                must = "allowed" if t.expect_allowed else "denied"
                out.append((f"{got}, must be {must}: {t.label}", where))
    return out
