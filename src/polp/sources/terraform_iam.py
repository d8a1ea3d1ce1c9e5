"""The IAM resources of a Terraform configuration or plan, turned into principals and policies.

Shared by ``.tf`` configurations (values evaluated by :mod:`polp.sources.terraform_refs`) and plans
(values as planned). Values are plain data; an unknown value is a ``${...}`` placeholder listed in
``placeholders``, and any policy whose document contains one is symbolic.

Resources read: ``aws_iam_role`` (with ``inline_policy`` blocks, ``managed_policy_arns``,
``permissions_boundary``, ``max_session_duration``, ``tags``), ``aws_iam_user``, ``aws_iam_group``,
``aws_iam_policy``, ``aws_iam_role_policy``, ``aws_iam_user_policy``, ``aws_iam_group_policy``, the
four kinds of policy attachment, ``aws_iam_role_policy_attachments_exclusive``,
``aws_iam_group_membership``, ``aws_iam_user_group_membership``, ``aws_iam_access_key`` and
``aws_iam_user_login_profile``. ``aws_iam_role_policies_exclusive`` only constrains other resources
and adds nothing.

A principal or policy without ``name`` gets a name generated at apply time; polp names it by its
Terraform resource name (``aws_iam_role.trainer`` is ``trainer``), consistently in its ARN and in
references, and lists that in ``unresolved``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polp.errors import Location
from polp.inventory import AccessKey, InputProblem, Inventory, PolicyKind, PolicyRef, PrincipalKind
from polp.sources.policy_refs import ManagedPolicies, parse_policy_json
from polp.sources.principal_drafts import Drafts, PrincipalDraft
from polp.sources.symbols import iam_arn, normalise_path

PRINCIPAL_RESOURCES: dict[str, PrincipalKind] = {
    "aws_iam_role": "role",
    "aws_iam_user": "user",
    "aws_iam_group": "group",
}
IAM_RESOURCES = frozenset(
    {
        *PRINCIPAL_RESOURCES,
        "aws_iam_policy",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_group_membership",
        "aws_iam_user_group_membership",
        "aws_iam_access_key",
        "aws_iam_user_login_profile",
        "aws_iam_role_policies_exclusive",
        "aws_iam_role_policy_attachments_exclusive",
    }
)
#: Resource type -> the principal kind it names, and the attribute naming it.
_INLINE: dict[str, tuple[PrincipalKind, str]] = {
    "aws_iam_role_policy": ("role", "role"),
    "aws_iam_user_policy": ("user", "user"),
    "aws_iam_group_policy": ("group", "group"),
}
_ATTACHMENT: dict[str, tuple[PrincipalKind, str]] = {
    "aws_iam_role_policy_attachment": ("role", "role"),
    "aws_iam_user_policy_attachment": ("user", "user"),
    "aws_iam_group_policy_attachment": ("group", "group"),
}
_MULTI_ATTACHMENT: tuple[tuple[str, PrincipalKind], ...] = (
    ("roles", "role"),
    ("users", "user"),
    ("groups", "group"),
)


@dataclass(frozen=True, slots=True)
class TfResource:
    type: str
    name: str
    address: str
    values: Mapping[str, Any]
    location: Location


def resource_name(resource: TfResource) -> tuple[str, bool]:
    """The ``name`` of an IAM resource, or its Terraform name when the name is generated."""
    name = resource.values.get("name")
    return (name, False) if isinstance(name, str) and name else (resource.name, True)


def resource_arn(resource: TfResource, account: str) -> str | None:
    """The ARN a role, user, group or policy will have (known from its name and path)."""
    arn = resource.values.get("arn")
    if isinstance(arn, str) and arn.startswith("arn:"):
        return arn
    kind = PRINCIPAL_RESOURCES.get(resource.type) or ("policy" if resource.type == "aws_iam_policy" else None)
    if kind is None:
        return None
    return iam_arn(account, kind, normalise_path(resource.values.get("path")), resource_name(resource)[0])


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


class _Builder:
    def __init__(self, resources: Sequence[TfResource], account: str, placeholders: Iterable[str]) -> None:
        self.resources = resources
        self.account = account
        self.placeholders = sorted(set(placeholders), key=len, reverse=True)
        self.problems: list[InputProblem] = []
        self.drafts = Drafts(account)
        self.local_policies: dict[str, PolicyRef] = {}
        self.used: set[str] = set()
        self.managed = ManagedPolicies(self._local)

    def _local(self, arn: str) -> PolicyRef | None:
        found = self.local_policies.get(arn)
        if found is not None:
            self.used.add(arn)
        return found

    def symbols(self, value: Any) -> list[str]:
        """The unresolved references (placeholders) inside a value."""
        found: list[str] = []
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                if "${" in item:
                    found.extend(p for p in self.placeholders if p in item and p not in found)
            elif isinstance(item, Mapping):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return [p[2:-1] for p in found]

    def policy(
        self, document: Any, resource: TfResource, *, name: str, kind: PolicyKind, arn: str | None = None
    ) -> tuple[PolicyRef, list[str]]:
        unresolved = self.symbols(document)
        if document is None or (isinstance(document, str) and document in self.placeholders):
            return PolicyRef(name, kind, None, arn, resource.location, symbolic=True), unresolved or [
                f"{resource.address}: policy document"
            ]
        ref = parse_policy_json(
            document,
            resource.location,
            self.problems,
            name=name,
            kind=kind,
            arn=arn,
            symbolic=bool(unresolved),
        )
        return ref, unresolved

    def attach(
        self, draft: PrincipalDraft, arn: Any, resource: TfResource, *, kind: PolicyKind | None = None
    ) -> None:
        if not isinstance(arn, str) or not arn:
            draft.note(f"{resource.address}: policy_arn")
            return
        symbols = self.symbols(arn)
        missing: list[str] = []
        if symbols:
            ref = PolicyRef(arn, kind or "managed", None, arn, resource.location, symbolic=True)
        else:
            ref = self.managed.resolve(arn, missing, location=resource.location, kind=kind)
        draft.note(*missing, *symbols)
        if kind == "boundary":
            draft.boundary = ref
        else:
            draft.add_managed(ref)

    def principal(self, kind: PrincipalKind, name: Any, resource: TfResource) -> PrincipalDraft | None:
        if not isinstance(name, str) or not name:
            self.problems.append(
                InputProblem(f"{resource.address}: no {kind} named, skipped", resource.location)
            )
            return None
        draft = self.drafts.get(
            kind, name.rsplit("/", 1)[-1] if name.startswith("arn:") else name, location=resource.location
        )
        draft.note(*self.symbols(name))
        return draft

    # --- one pass per concern ------------------------------------------------------------------

    def define_policies(self) -> None:
        for resource in self.resources:
            if resource.type != "aws_iam_policy":
                continue
            name, _ = resource_name(resource)
            arn = resource_arn(resource, self.account) or resource.address
            ref, _ = self.policy(resource.values.get("policy"), resource, name=name, kind="managed", arn=arn)
            self.local_policies[arn] = ref

    def define_principals(self) -> None:
        for resource in self.resources:
            kind = PRINCIPAL_RESOURCES.get(resource.type)
            if kind is None:
                continue
            values = resource.values
            name, generated = resource_name(resource)
            draft = self.drafts.define(
                kind, name, path=normalise_path(values.get("path")), location=resource.location
            )
            arn = values.get("arn")
            if isinstance(arn, str) and arn.startswith("arn:") and "${" not in arn:
                draft.arn = arn
            draft.note(*self.symbols(name))
            if generated:
                draft.note(f"{resource.address}: name generated by Terraform (shown as {name!r})")
            tags = values.get("tags")
            if isinstance(tags, Mapping):
                draft.tags.extend((str(k), str(v)) for k, v in tags.items())
            if values.get("permissions_boundary"):
                self.attach(draft, values["permissions_boundary"], resource, kind="boundary")
            if kind == "role":
                self.role(draft, resource)

    def role(self, draft: PrincipalDraft, resource: TfResource) -> None:
        values = resource.values
        if values.get("assume_role_policy") is not None:
            draft.trust, unresolved = self.policy(
                values["assume_role_policy"], resource, name="trust policy", kind="trust"
            )
            draft.note(*unresolved)
        for index, block in enumerate(_blocks(values.get("inline_policy"))):
            if block.get("policy") in (None, ""):
                continue  # the provider's way of saying "no inline policies"
            name = block.get("name") if isinstance(block.get("name"), str) else f"inline_policy[{index}]"
            ref, unresolved = self.policy(block.get("policy"), resource, name=str(name), kind="inline")
            draft.add_inline(ref)
            draft.note(*unresolved)
        for arn in _strings(values.get("managed_policy_arns")):
            self.attach(draft, arn, resource)
        duration = values.get("max_session_duration")
        if isinstance(duration, int) and not isinstance(duration, bool):
            draft.max_session_duration = duration
        elif isinstance(duration, str) and duration.isdigit() and len(duration) < 10:
            draft.max_session_duration = int(duration)

    def links(self) -> None:
        for resource in self.resources:
            values = resource.values
            if resource.type in _INLINE:
                kind, key = _INLINE[resource.type]
                draft = self.principal(kind, values.get(key), resource)
                if draft is not None:
                    name = values.get("name") if isinstance(values.get("name"), str) else resource.name
                    ref, unresolved = self.policy(
                        values.get("policy"), resource, name=str(name), kind="inline"
                    )
                    draft.add_inline(ref)
                    draft.note(*unresolved)
            elif resource.type in _ATTACHMENT:
                kind, key = _ATTACHMENT[resource.type]
                draft = self.principal(kind, values.get(key), resource)
                if draft is not None:
                    self.attach(draft, values.get("policy_arn"), resource)
            elif resource.type == "aws_iam_policy_attachment":
                for key, kind in _MULTI_ATTACHMENT:
                    for name in _strings(values.get(key)):
                        draft = self.principal(kind, name, resource)
                        if draft is not None:
                            self.attach(draft, values.get("policy_arn"), resource)
            elif resource.type == "aws_iam_role_policy_attachments_exclusive":
                draft = self.principal("role", values.get("role_name"), resource)
                if draft is not None:
                    for arn in _strings(values.get("policy_arns")):
                        if not any(ref.arn == arn for ref in draft.managed):
                            self.attach(draft, arn, resource)
            else:
                self.membership(resource)

    def membership(self, resource: TfResource) -> None:
        values = resource.values
        if resource.type == "aws_iam_group_membership":
            group = values.get("group")
            for user in _strings(values.get("users")):
                draft = self.principal("user", user, resource)
                if draft is not None and isinstance(group, str):
                    draft.groups.append(group)
        elif resource.type == "aws_iam_user_group_membership":
            draft = self.principal("user", values.get("user"), resource)
            if draft is not None:
                draft.groups.extend(_strings(values.get("groups")))
        elif resource.type == "aws_iam_access_key":
            draft = self.principal("user", values.get("user"), resource)
            if draft is not None:
                status = values.get("status")
                draft.access_keys.append(
                    AccessKey(key_id=resource.address, active=status in (None, "Active"))
                )
        elif resource.type == "aws_iam_user_login_profile":
            draft = self.principal("user", values.get("user"), resource)
            if draft is not None:
                draft.password_enabled = True

    def inventory(self, origins: tuple[str, ...]) -> Inventory:
        self.define_policies()
        self.define_principals()
        self.links()
        standalone = tuple(ref for arn, ref in self.local_policies.items() if arn not in self.used)
        return Inventory(
            principals=self.drafts.records(),
            policies=standalone,
            problems=tuple(self.problems),
            origins=origins,
        )


def build_inventory(
    resources: Sequence[TfResource],
    *,
    account: str,
    placeholders: Iterable[str],
    origins: tuple[str, ...],
    problems: Sequence[InputProblem] = (),
) -> Inventory:
    builder = _Builder(resources, account, placeholders)
    builder.problems.extend(problems)
    return builder.inventory(origins)
