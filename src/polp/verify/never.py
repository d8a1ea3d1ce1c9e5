"""Never: each must-never item is denied, in the spirit of IAM Access Analyzer's CheckAccessNotGranted.

An item fails when any statement of the actual policies grants any action it names (conditionally or
not) on any resource it names. Each item is also shown with one simulated request: the identity, in
the context its manifest declares (its network, its tags), calling a write action of the item on a
resource of the item; that request must be denied.
"""

from __future__ import annotations

import re

from polp.generate.conditions import network_routes
from polp.iam.catalog import ActionInfo, get_catalog
from polp.iam.effective import PolicySet
from polp.iam.model import Policy
from polp.iam.wildcards import globs_intersect
from polp.manifest.model import Identity, Manifest, NeverItem
from polp.verify.report import Call, CallOutcome, Granted, NeverOutcome
from polp.verify.sufficiency import BASE_CONTEXT, concrete, decide

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_LEVELS = ("Permissions management", "Write", "Tagging", "Read", "List")


def item_actions(item: NeverItem) -> tuple[str, ...]:
    catalog = get_catalog()
    excluded = {a.lower() for a in item.excluded}
    found = {a for p in item.actions for a in catalog.expand(p) if a.lower() not in excluded}
    return tuple(sorted(found))


def _meets(patterns: tuple[str, ...], item: NeverItem) -> bool:
    return any(
        p == "*" or r == "*" or globs_intersect(p, r, case_sensitive=True)
        for p in patterns
        for r in item.resources
    )


def sample_resource(info: ActionInfo, manifest: Manifest) -> str:
    """A concrete ARN of the action's first resource type in the pipeline's account; * if it has none."""
    types = get_catalog().resource_types_for(info)
    if not types:
        return "*"
    values = {"Partition": manifest.partition, "Region": manifest.region}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return values.get(name) or (
            manifest.account if name.endswith(("Account", "AccountId")) else "polp-probe"
        )

    return _PLACEHOLDER.sub(fill, types[0].arn_formats[0])


def declared_context(identity: Identity) -> dict[str, object]:
    """The context the identity's own calls have: its network route and its tags."""
    context: dict[str, object] = {**BASE_CONTEXT, **network_routes(identity.network)[0][1]}
    context.update({f"aws:PrincipalTag/{k}": v for k, v in identity.abac.principal_tags})
    context.update({f"aws:ResourceTag/{k}": v for k, v in identity.abac.resource_tags})
    return context


def _probe_action(item: NeverItem, actions: tuple[str, ...]) -> ActionInfo | None:
    """The item's example action, else the first write (or stronger) action of its first pattern."""
    catalog = get_catalog()
    if item.example is not None:
        return catalog.action(item.example)
    first = [
        i
        for a in catalog.expand(item.actions[0])
        if (i := catalog.action(a)) is not None and i.full_name in actions
    ]
    ranked = sorted(first, key=lambda i: _LEVELS.index(i.access_level) if i.access_level in _LEVELS else 9)
    return ranked[0] if ranked else None


def check_never(
    item: NeverItem,
    permissions: PolicySet,
    manifest: Manifest,
    identity: Identity,
    principal: str,
    policies: tuple[Policy, ...],
    boundary: Policy | None,
) -> NeverOutcome:
    actions = item_actions(item)
    granted: list[Granted] = []
    for action in actions:
        for grant in permissions.grants(action):
            patterns = ("*",) if grant.not_resources else grant.resources
            if _meets(patterns, item):
                granted.append(
                    Granted(
                        action, patterns, grant.source.policy, grant.source.statement, grant.source.location
                    )
                )
    info = _probe_action(item, actions)
    probe = None
    if info is not None:
        resource = (
            concrete(item.resources[0]) if item.resources[0] != "*" else sample_resource(info, manifest)
        )
        call = Call(info.full_name, resource, declared_context(identity), None, label=f"never: {item.label}")
        probe = CallOutcome(call, decide(call, principal, policies, boundary), expect_allowed=False)
    return NeverOutcome(item, tuple(granted), probe, len(actions))
