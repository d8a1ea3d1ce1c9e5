"""A snapshot of the AWS managed policies, so that ``arn:aws:iam::aws:policy/...`` resolves offline.

The snapshot is ``polp/data/aws_managed_policies.json.gz``::

    {"updated": "2026-08-22", "source": "...",
     "policies": {"<name>": {"arn": "...", "path": "/", "version": "v3", "document": {...}}}}

Lookups go by policy *name*: AWS managed policy names are unique, and a configuration that writes the
wrong path (``policy/AWSConfigRole`` for ``policy/service-role/AWSConfigRole``) still means that policy.
``scripts/build_managed_snapshot.py`` builds the file from a directory of documents; ``refresh_snapshot``
updates it from an account details file (which lists the AWS managed policies in use, with their
current default version) or from AWS itself.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache, partial
from importlib import resources
from pathlib import Path
from typing import Any

from polp.errors import InputError, Location, PolicyParseError
from polp.iam.parse import parse_policy_data
from polp.iam.source import DocumentSource, loads_strict
from polp.inventory import PolicyRef

SNAPSHOT_FILE = "aws_managed_policies.json.gz"

#: Two policies too large for the public dataset the snapshot is built from, and too important to miss.
BUILTIN_POLICIES: dict[str, dict[str, Any]] = {
    "AdministratorAccess": {
        "arn": "arn:aws:iam::aws:policy/AdministratorAccess",
        "path": "/",
        "version": "v1",
        "document": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    },
    "PowerUserAccess": {
        "arn": "arn:aws:iam::aws:policy/PowerUserAccess",
        "path": "/",
        "version": "v12",
        "document": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                {
                    "Effect": "Allow",
                    "Action": [
                        "account:GetAccountInformation",
                        "account:GetGovCloudAccountInformation",
                        "account:GetPrimaryEmail",
                        "account:ListRegions",
                        "iam:CreateServiceLinkedRole",
                        "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles",
                        "organizations:DescribeEffectivePolicy",
                        "organizations:DescribeOrganization",
                    ],
                    "Resource": "*",
                },
            ],
        },
    },
}

_override: str | None = None


def set_snapshot_path(path: str | None) -> None:
    """Use the snapshot at ``path`` (a refreshed one) instead of the bundled one; ``None`` restores it."""
    global _override
    _override = path
    _snapshot.cache_clear()
    _parsed.cache_clear()


def _decode(data: bytes, name: str) -> dict[str, Any]:
    try:
        text = gzip.decompress(data).decode("utf-8")
        value, _ = loads_strict(text, name)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"managed policy snapshot is corrupt: {exc}", Location(name)) from None
    if not isinstance(value, dict) or not isinstance(value.get("policies"), dict):
        raise InputError("managed policy snapshot has no policies", Location(name))
    return value


@cache
def _snapshot() -> dict[str, Any]:
    if _override is not None:
        try:
            data = Path(_override).read_bytes()
        except OSError as exc:
            raise InputError(
                f"cannot read managed policy snapshot: {exc.strerror or exc}", Location(_override)
            ) from None
        return _decode(data, _override)
    resource = resources.files("polp").joinpath("data", SNAPSHOT_FILE)
    try:
        data = resource.read_bytes()
    except OSError:
        return {"updated": "none", "policies": dict(BUILTIN_POLICIES)}
    return _decode(data, str(resource))


def snapshot_date() -> str:
    """When the snapshot in use was last updated (``YYYY-MM-DD``)."""
    return str(_snapshot().get("updated", "unknown"))


def snapshot_size() -> int:
    """How many policies the snapshot in use holds."""
    return len(_snapshot()["policies"])


def snapshot_names() -> frozenset[str]:
    return frozenset(_snapshot()["policies"])


@cache
def _parsed(name: str) -> PolicyRef | None:
    entry = _snapshot()["policies"].get(name)
    if not isinstance(entry, dict):
        return None
    arn = entry.get("arn") if isinstance(entry.get("arn"), str) else f"arn:aws:iam::aws:policy/{name}"
    source = DocumentSource(name=arn)
    try:
        policy = parse_policy_data(entry.get("document"), source)
    except (PolicyParseError, RecursionError):
        return PolicyRef(name, "aws-managed", None, arn, symbolic=True)
    return PolicyRef(name, "aws-managed", policy, arn)


def lookup_managed_policy(arn: str) -> PolicyRef | None:
    """The AWS managed policy an ARN names (matched by name), or ``None`` if the snapshot lacks it.

    The returned reference carries the ARN as given. A snapshot entry whose document does not parse
    gives a symbolic reference.
    """
    if not isinstance(arn, str) or ":iam::aws:policy/" not in arn:
        return None
    ref = _parsed(arn.rsplit("/", 1)[-1])
    if ref is None:
        return None
    return PolicyRef(ref.name, ref.kind, ref.policy, arn, ref.location, ref.symbolic)


def lookup_managed_policy_by_name(name: str) -> PolicyRef | None:
    return _parsed(name)


def snapshot_document(name: str) -> object | None:
    """The raw document of an AWS managed policy, as stored in the snapshot."""
    entry = _snapshot()["policies"].get(name)
    return entry.get("document") if isinstance(entry, dict) else None


# --- building and refreshing -------------------------------------------------------------------------


def path_of_arn(arn: str) -> str:
    """``/service-role/`` for ``arn:aws:iam::aws:policy/service-role/X``; ``/`` for a plain one."""
    tail = arn.split(":policy", 1)[-1]
    return tail.rsplit("/", 1)[0] + "/" if tail.count("/") > 1 else "/"


def _document(value: object) -> object:
    """A policy version's document: an object, or (CLI and raw API) a URL-encoded JSON string."""
    if isinstance(value, str):
        decoded, _ = loads_strict(urllib.parse.unquote(value))
        return decoded
    return value


def entries_from_account_details(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The AWS managed policies listed (with their default version) in account details ``Policies``."""
    entries: dict[str, dict[str, Any]] = {}
    policies = data.get("Policies")
    for item in policies if isinstance(policies, list) else ():
        if not isinstance(item, dict):
            continue
        arn, name = item.get("Arn"), item.get("PolicyName")
        if not isinstance(arn, str) or not isinstance(name, str) or ":iam::aws:policy/" not in arn:
            continue
        versions = item.get("PolicyVersionList")
        for version in versions if isinstance(versions, list) else ():
            if isinstance(version, dict) and version.get("IsDefaultVersion") is True:
                try:
                    document = _document(version.get("Document"))
                except InputError:
                    break
                entries[name] = {
                    "arn": arn,
                    "path": path_of_arn(arn),
                    "version": version.get("VersionId"),
                    "document": document,
                }
                break
    return entries


def entries_from_directory(directory: str, metadata: str | None = None) -> dict[str, dict[str, Any]]:
    """One ``<PolicyName>.json`` document per file; ARNs and versions from an optional metadata file
    listing ``{"policies": [{"name", "arn", "version"}]}`` (iam-dataset's format)."""
    known: dict[str, Mapping[str, Any]] = {}
    if metadata is not None:
        meta, _ = loads_strict(Path(metadata).read_text(encoding="utf-8"), metadata)
        for item in meta.get("policies", []) if isinstance(meta, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                known[item["name"]] = item
    entries: dict[str, dict[str, Any]] = {}
    for file in sorted(Path(directory).glob("*.json")):
        name = file.name[: -len(".json")]
        document, _ = loads_strict(file.read_text(encoding="utf-8"), str(file))
        info = known.get(name, {})
        arn = info.get("arn") if isinstance(info.get("arn"), str) else None
        entries[name] = {
            "arn": arn or f"arn:aws:iam::aws:policy/{name}",
            "path": path_of_arn(arn) if arn else "/",
            "version": info.get("version"),
            "document": document,
        }
        if arn is None:
            entries[name]["arn_guessed"] = True
    return entries


def build_snapshot(
    entries: Mapping[str, Mapping[str, Any]],
    *,
    updated: str,
    source: str,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    policies: dict[str, Any] = dict(BUILTIN_POLICIES)
    if base is not None:
        policies.update(base)
    policies.update(entries)
    return {"updated": updated, "source": source, "policies": dict(sorted(policies.items()))}


def write_snapshot(snapshot: Mapping[str, Any], out: str) -> None:
    """Write atomically, compressed, byte-for-byte reproducible (no gzip timestamp)."""
    payload = json.dumps(snapshot, sort_keys=True, separators=(",", ":")).encode("utf-8")
    compressed = gzip.compress(payload, compresslevel=9, mtime=0)
    directory = os.path.dirname(os.path.abspath(out))
    try:
        handle, tmp = tempfile.mkstemp(prefix=".snapshot-", dir=directory)
        with os.fdopen(handle, "wb") as stream:
            stream.write(compressed)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        raise InputError(
            f"cannot write managed policy snapshot: {exc.strerror or exc}", Location(out)
        ) from None


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def fetch_aws_managed_policies(session: Any = None) -> dict[str, dict[str, Any]]:
    """Every AWS managed policy's default version, from IAM (``iam:ListPolicies``,
    ``iam:GetPolicyVersion``). Needs boto3 (``pip install polp[aws]``) and credentials."""
    from polp.sources.live_aws import aws_call, iam_client

    client = iam_client(session)
    entries: dict[str, dict[str, Any]] = {}
    pages = aws_call(
        lambda: list(client.get_paginator("list_policies").paginate(Scope="AWS")), "iam:ListPolicies"
    )
    for page in pages:
        for item in page.get("Policies", []):
            arn, name, version = item.get("Arn"), item.get("PolicyName"), item.get("DefaultVersionId")
            if not isinstance(arn, str) or not isinstance(name, str) or not isinstance(version, str):
                continue
            answer = aws_call(
                partial(client.get_policy_version, PolicyArn=arn, VersionId=version), "iam:GetPolicyVersion"
            )
            document = _document(answer.get("PolicyVersion", {}).get("Document"))
            entries[name] = {
                "arn": arn,
                "path": item.get("Path") or path_of_arn(arn),
                "version": version,
                "document": document,
            }
    return entries


def refresh_snapshot(from_account_file: str | None, out: str, *, session: Any = None) -> int:
    """Update the snapshot in use with newer documents and write it to ``out``.

    With ``from_account_file``, the AWS managed policies listed in that account details file are taken
    (only those the account uses; the rest of the snapshot is kept); without it, every AWS managed
    policy is fetched from AWS. Returns how many policies were taken from the source.
    """
    entries: dict[str, dict[str, Any]]
    if from_account_file is not None:
        from polp.sources.interface import read_input_text

        data, _ = loads_strict(read_input_text(from_account_file), from_account_file)
        if not isinstance(data, dict) or not isinstance(data.get("Policies"), list):
            raise InputError("not an account details file with Policies", Location(from_account_file))
        entries = entries_from_account_details(data)
        origin = f"account details file {os.path.basename(from_account_file)}"
    else:
        entries = fetch_aws_managed_policies(session)
        origin = "AWS IAM ListPolicies/GetPolicyVersion"
    snapshot = build_snapshot(entries, updated=_today(), source=origin, base=_snapshot()["policies"])
    write_snapshot(snapshot, out)
    return len(entries)
