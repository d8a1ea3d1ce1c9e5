"""The output of ``aws iam get-account-authorization-details``: every user, group, role and managed
policy of an account, with their inline policies and attachments.

Several pages (files holding some of ``UserDetailList``, ``GroupDetailList``, ``RoleDetailList`` and
``Policies``) are read as one account. Policy documents are JSON objects, or URL-encoded JSON strings
as the raw API returns them. Managed policies attached by ARN resolve against the file's ``Policies``
(their default version), then the AWS managed policy snapshot; anything else stays symbolic.

Every embedded policy is located in the file it came from: its statements report the line in the big
file and the full JSON path (``RoleDetailList[3].RolePolicyList[0].PolicyDocument.Statement[1]``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from polp.errors import InputError, Location
from polp.iam.jsonpath import JsonPath
from polp.iam.source import DocumentSource, loads_strict
from polp.inventory import InputProblem, Inventory, PolicyKind, PolicyRef, PrincipalKind, PrincipalRecord
from polp.sources.interface import head_text, read_input_text
from polp.sources.policy_refs import ManagedPolicies, arn_account, parse_policy_ref
from polp.sources.timestamps import parse_timestamp

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_PRINCIPAL_LISTS: tuple[tuple[str, PrincipalKind], ...] = (
    ("UserDetailList", "user"),
    ("GroupDetailList", "group"),
    ("RoleDetailList", "role"),
)


class AccountDetailsSource:
    name = "account-details"

    def detect(self, path: str, head: bytes) -> bool:
        text = head_text(head)
        if not text.startswith("{"):
            return False
        if any(f'"{key}"' in text for key in LISTS[:3]):
            return True
        return '"Policies"' in text and '"PolicyVersionList"' in text

    def read(self, path: str) -> Inventory:
        return read_pages([path])


Page = tuple[Mapping[str, Any], DocumentSource]


def load_page(path: str) -> Page:
    """Decode one file of account details; raises InputError if it cannot be read or is not one."""
    data, source = loads_strict(read_input_text(path), path)
    if not isinstance(data, dict) or not any(key in data for key in LISTS):
        raise InputError(
            "not the output of aws iam get-account-authorization-details (no "
            "UserDetailList, GroupDetailList, RoleDetailList or Policies)",
            Location(path, 1, 1),
        )
    return data, source


def read_pages(paths: Sequence[str]) -> Inventory:
    """Read one account from one or more files; a file that cannot be read raises InputError."""
    return inventory_from_pages([load_page(path) for path in paths], origins=tuple(paths))


@dataclass(frozen=True, slots=True)
class _Entry:
    item: Mapping[str, Any]
    source: DocumentSource
    path: JsonPath

    def locate(self, *path: str | int) -> Location:
        return self.source.locate((*self.path, *path))


def _entries(pages: Sequence[Page], key: str, problems: list[InputProblem]) -> Iterator[_Entry]:
    """The items of one list across all pages, once each (by ARN)."""
    seen: set[str] = set()
    for data, source in pages:
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(InputProblem(f"{key} is not a list", source.locate((key,))))
            continue
        for index, item in enumerate(items):
            entry = _Entry(item, source, (key, index))
            if not isinstance(item, dict) or not isinstance(item.get("Arn"), str):
                problems.append(InputProblem(f"{key} entry without an Arn, skipped", entry.locate()))
                continue
            if item["Arn"] in seen:
                continue
            seen.add(item["Arn"])
            yield entry


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _tags(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(
        (str(t.get("Key")), str(t.get("Value", "")))
        for t in value
        if isinstance(t, dict) and isinstance(t.get("Key"), str)
    )


class _Reader:
    def __init__(self, pages: Sequence[Page]) -> None:
        self.pages = pages
        self.problems: list[InputProblem] = []
        self.policy_entries = {e.item["Arn"]: e for e in _entries(pages, "Policies", self.problems)}
        self.policy_refs: dict[str, PolicyRef | None] = {}
        self.referenced: set[str] = set()
        self.managed = ManagedPolicies(self._local_policy)

    def close(self) -> None:
        """Let go of the decoded pages now: the resolver's reference back to the reader is a cycle
        that would keep them alive until the next cycle collection."""
        self.managed = ManagedPolicies()
        self.policy_entries = {}

    def document(
        self, entry: _Entry, path: JsonPath, *, name: str, kind: PolicyKind, arn: str | None = None
    ) -> PolicyRef:
        """Parse the document at ``path`` inside an entry (an object, or a URL-encoded string)."""
        value: Any = entry.item
        for key in path:
            if isinstance(key, int):
                value = value[key] if isinstance(value, list) and key < len(value) else None
            else:
                value = value.get(key) if isinstance(value, dict) else None
        full = (*entry.path, *path)
        where = entry.source.locate(full)
        if isinstance(value, str):
            try:
                value, _ = loads_strict(urllib.parse.unquote(value), entry.source.name)
            except InputError as exc:
                self.problems.append(
                    InputProblem(f"policy {name!r}: URL-encoded document: {exc.message}", where)
                )
                return PolicyRef(name, kind, None, arn, where, symbolic=True)
            source = DocumentSource(name=entry.source.name, base=where)
        else:
            source = entry.source.embedded(full)
        return parse_policy_ref(value, source, self.problems, name=name, kind=kind, arn=arn, location=where)

    def _local_policy(self, arn: str) -> PolicyRef | None:
        if arn in self.policy_refs:
            return self.policy_refs[arn]
        entry = self.policy_entries.get(arn)
        ref = None if entry is None else self._managed_policy(entry)
        self.policy_refs[arn] = ref
        return ref

    def _managed_policy(self, entry: _Entry) -> PolicyRef | None:
        arn = entry.item["Arn"]
        name = entry.item.get("PolicyName")
        name = name if isinstance(name, str) else arn.rsplit("/", 1)[-1]
        kind: PolicyKind = "aws-managed" if arn_account(arn) == "aws" else "managed"
        versions = entry.item.get("PolicyVersionList")
        default_id = entry.item.get("DefaultVersionId")
        chosen = None
        for index, version in enumerate(versions if isinstance(versions, list) else ()):
            if isinstance(version, dict) and (
                version.get("IsDefaultVersion") is True
                or (chosen is None and default_id is not None and version.get("VersionId") == default_id)
            ):
                chosen = index
                if version.get("IsDefaultVersion") is True:
                    break
        if chosen is None:
            self.problems.append(
                InputProblem(f"managed policy {name!r} has no default version in the file", entry.locate())
            )
            return None
        return self.document(entry, ("PolicyVersionList", chosen, "Document"), name=name, kind=kind, arn=arn)

    def attached(self, entry: _Entry, unresolved: list[str]) -> tuple[PolicyRef, ...]:
        refs: list[PolicyRef] = []
        items = entry.item.get("AttachedManagedPolicies")
        for index, item in enumerate(items if isinstance(items, list) else ()):
            arn = item.get("PolicyArn") if isinstance(item, dict) else None
            if not isinstance(arn, str):
                self.problems.append(
                    InputProblem(
                        "attached policy without a PolicyArn", entry.locate("AttachedManagedPolicies", index)
                    )
                )
                continue
            self.referenced.add(arn)
            name = item.get("PolicyName")
            refs.append(
                self.managed.resolve(
                    arn,
                    unresolved,
                    name=name if isinstance(name, str) else None,
                    location=entry.locate("AttachedManagedPolicies", index),
                )
            )
        return tuple(refs)

    def inline(self, entry: _Entry, key: str) -> tuple[PolicyRef, ...]:
        refs: list[PolicyRef] = []
        items = entry.item.get(key)
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if not isinstance(item, dict) or "PolicyDocument" not in item:
                self.problems.append(
                    InputProblem(f"{key} entry without a PolicyDocument", entry.locate(key, index))
                )
                continue
            name = item.get("PolicyName")
            name = name if isinstance(name, str) else f"{key}[{index}]"
            refs.append(self.document(entry, (key, index, "PolicyDocument"), name=name, kind="inline"))
        return tuple(refs)

    def boundary(self, entry: _Entry, unresolved: list[str]) -> PolicyRef | None:
        value = entry.item.get("PermissionsBoundary")
        arn = value.get("PermissionsBoundaryArn") if isinstance(value, dict) else None
        if not isinstance(arn, str):
            return None
        self.referenced.add(arn)
        return self.managed.resolve(
            arn, unresolved, location=entry.locate("PermissionsBoundary"), kind="boundary"
        )

    def principal(self, entry: _Entry, kind: PrincipalKind) -> PrincipalRecord | None:
        item = entry.item
        name_key = {"user": "UserName", "group": "GroupName", "role": "RoleName"}[kind]
        name = item.get(name_key)
        if not isinstance(name, str):
            self.problems.append(InputProblem(f"{kind} without a {name_key}, skipped", entry.locate()))
            return None
        unresolved: list[str] = []
        inline_key = {"user": "UserPolicyList", "group": "GroupPolicyList", "role": "RolePolicyList"}[kind]
        trust = None
        max_session = None
        last_used = None
        if kind == "role":
            if "AssumeRolePolicyDocument" in item:
                trust = self.document(entry, ("AssumeRolePolicyDocument",), name="trust policy", kind="trust")
            duration = item.get("MaxSessionDuration")
            max_session = duration if isinstance(duration, int) and not isinstance(duration, bool) else None
            role_last_used = item.get("RoleLastUsed")
            if isinstance(role_last_used, dict):
                last_used = parse_timestamp(role_last_used.get("LastUsedDate"))
        return PrincipalRecord(
            kind=kind,
            name=name,
            arn=item["Arn"],
            inline_policies=self.inline(entry, inline_key),
            managed_policies=self.attached(entry, unresolved),
            groups=_strings(item.get("GroupList")) if kind == "user" else (),
            permissions_boundary=self.boundary(entry, unresolved),
            trust_policy=trust,
            tags=_tags(item.get("Tags")),
            max_session_duration=max_session,
            created=parse_timestamp(item.get("CreateDate")),
            last_used=last_used,
            location=entry.locate(),
            unresolved=tuple(unresolved),
        )

    def standalone(self) -> tuple[PolicyRef, ...]:
        """Customer managed policies attached to nothing: audited on their own."""
        refs: list[PolicyRef] = []
        for arn, entry in self.policy_entries.items():
            if arn_account(arn) == "aws" or arn in self.referenced:
                continue
            if any(
                isinstance(entry.item.get(k), int) and entry.item[k] > 0
                for k in ("AttachmentCount", "PermissionsBoundaryUsageCount")
            ):
                continue  # attached to something outside these pages
            ref = self._local_policy(arn)
            if ref is not None:
                refs.append(ref)
        return tuple(refs)


def inventory_from_pages(pages: Sequence[Page], *, origins: tuple[str, ...]) -> Inventory:
    """Build the inventory of one account from decoded pages (files, or API responses)."""
    reader = _Reader(pages)
    principals: list[PrincipalRecord] = []
    for key, kind in _PRINCIPAL_LISTS:
        for entry in _entries(pages, key, reader.problems):
            record = reader.principal(entry, kind)
            if record is not None:
                principals.append(record)
    inventory = Inventory(
        principals=tuple(principals),
        policies=reader.standalone(),
        problems=tuple(reader.problems),
        origins=origins,
    )
    reader.close()
    return inventory
