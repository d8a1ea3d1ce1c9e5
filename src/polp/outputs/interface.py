"""Output formats, chosen by an enum; each renders an :class:`AuditReport` to text (the JSON ones to
UTF-8 bytes, as their serialiser writes them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from polp.audit.report import AuditReport


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"


Renderer = Callable[[AuditReport], str | Iterable[str] | Iterable[bytes]]


def renderer(fmt: OutputFormat, *, color: bool = False, width: int | None = None) -> Renderer:
    if fmt is OutputFormat.text:
        from polp.outputs.text import render_text

        return lambda report: render_text(report, color=color, width=width)
    if fmt is OutputFormat.json:
        from polp.outputs.json_report import render_json

        return render_json
    if fmt is OutputFormat.sarif:
        from polp.outputs.sarif import render_sarif

        return render_sarif
    if fmt is OutputFormat.markdown:
        from polp.outputs.markdown import render_markdown

        return render_markdown
    from polp.outputs.html import render_html

    return render_html
