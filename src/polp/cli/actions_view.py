"""What ``polp actions`` prints: allowed actions of a set of policies, or a pattern's expansion."""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from polp.iam.catalog import get_catalog
from polp.iam.effective import PolicySet, SourcedPolicy
from polp.iam.parse import parse_policy_file


def list_expansion(pattern: str, as_json: bool, out: TextIO) -> bool:
    names = get_catalog().expand(pattern)
    if as_json:
        out.write(
            orjson.dumps({"pattern": pattern, "actions": list(names)}, option=orjson.OPT_INDENT_2).decode()
            + "\n"
        )
    else:
        out.write("".join(f"{name}\n" for name in names))
    return bool(names)


def allowed_rows(policy_set: PolicySet) -> list[dict[str, Any]]:
    catalog = get_catalog()
    rows = []
    for name in policy_set.allowed_actions():
        grants = policy_set.grants(name)
        info = catalog.action(name)
        rows.append(
            {
                "action": name,
                "access_level": info.access_level if info else "",
                "resources": sorted({r for g in grants for r in g.resources}),
                "conditional": all(not g.unconditional for g in grants),
                "statements": sorted({f"{g.source.policy}#{g.source.statement}" for g in grants}),
            }
        )
    return rows


def list_allowed(paths: list[str], as_json: bool, out: TextIO) -> None:
    policy_set = PolicySet([SourcedPolicy(parse_policy_file(p), p) for p in paths])
    rows = allowed_rows(policy_set)
    if as_json:
        out.write(orjson.dumps({"actions": rows}, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    for row in rows:
        note = " (conditional)" if row["conditional"] else ""
        out.write(f"{row['action']}\t{row['access_level']}\t{', '.join(row['resources'])}{note}\n")
