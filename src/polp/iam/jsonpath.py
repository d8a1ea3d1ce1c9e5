"""JSON paths such as ``Statement[2].Condition.StringEquals``: a tuple of keys and indexes."""

from __future__ import annotations

import re

JsonPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def render_path(path: JsonPath) -> str:
    """Render a path as ``Statement[2].Condition.StringEquals["aws:SourceIp"]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        elif not isinstance(part, str):  # a non-string key of a YAML or Python mapping
            out.append(f"[{part!r}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}" if out else part)
        else:
            escaped = part.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'["{escaped}"]')
    return "".join(out)
