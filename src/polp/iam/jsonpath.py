"""JSON paths such as ``Statement[2].Condition.StringEquals``: a tuple of keys and indexes."""

from __future__ import annotations

import re

JsonPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*\Z")


def render_path(path: JsonPath) -> str:
    """Render a path as ``Statement[2].Condition.StringEquals["aws:SourceIp"]``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, str):
            plain = _PLAIN.get(part)
            if plain is None:
                if len(_PLAIN) >= 1 << 14:
                    _PLAIN.clear()  # hostile documents may have any number of keys
                plain = _PLAIN[part] = _PLAIN_KEY.match(part) is not None
            if plain:
                out.append(f".{part}" if out else part)
            else:
                escaped = part.replace("\\", "\\\\").replace('"', '\\"')
                out.append(f'["{escaped}"]')
        elif isinstance(part, int) and not isinstance(part, bool):
            out.append(f"[{part}]")
        else:  # a non-string key of a YAML or Python mapping
            out.append(f"[{part!r}]")
    return "".join(out)


#: Whether a key is written plainly, by key (documents repeat the same few keys).
_PLAIN: dict[str, bool] = {}
