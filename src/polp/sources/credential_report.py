"""The IAM credential report (``aws iam get-credential-report``): per user, the password and the two
access key slots, with creation, rotation and last-use dates.

Accepted as the decoded CSV, or as the API's JSON answer whose ``Content`` is the base64 CSV. Each row
becomes a user :class:`PrincipalRecord` holding only credentials; :func:`polp.sources.load_inventory`
merges it by ARN with the same user from other inputs. The report has no key ids: a key is named by
its slot, ``access_key_1`` or ``access_key_2``. The ``<root_account>`` row is kept (root access keys
are a finding of their own), as a user named ``<root_account>``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Mapping
from datetime import datetime

from polp.errors import InputError, Location
from polp.iam.source import loads_strict
from polp.inventory import AccessKey, InputProblem, Inventory, PrincipalRecord
from polp.sources.interface import head_text, read_input_text
from polp.sources.timestamps import parse_timestamp

REQUIRED_COLUMNS = ("user", "arn")
_HEADER = re.compile(r"user\s*,\s*arn\s*,")
_USER_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:(user/.+|root)\Z")


class CredentialReportSource:
    name = "credential-report"

    def detect(self, path: str, head: bytes) -> bool:
        text = head_text(head)
        if _HEADER.match(text):
            return True
        return text.startswith("{") and '"Content"' in text and '"ReportFormat"' in text

    def read(self, path: str) -> Inventory:
        text = read_input_text(path)
        if text.lstrip().startswith("{"):
            text = _decode_api_answer(text, path)
        return parse_credential_report(text, path)


def _decode_api_answer(text: str, path: str) -> str:
    data, source = loads_strict(text, path)
    content = data.get("Content") if isinstance(data, dict) else None
    if not isinstance(content, str):
        raise InputError("credential report JSON without a base64 Content", Location(path, 1, 1))
    try:
        raw = base64.b64decode(content, validate=True)
        return raw.decode("utf-8-sig")
    except (binascii.Error, ValueError):
        raise InputError(
            "credential report Content is not base64 of UTF-8 CSV", source.locate(("Content",))
        ) from None


def _flag(value: str | None) -> bool | None:
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _keys(row: Mapping[str, str | None]) -> tuple[AccessKey, ...]:
    keys: list[AccessKey] = []
    for slot in (1, 2):
        prefix = f"access_key_{slot}"
        active = _flag(row.get(f"{prefix}_active"))
        created = parse_timestamp(row.get(f"{prefix}_last_rotated"))
        if active is None or (not active and created is None):
            continue  # the slot is empty
        keys.append(
            AccessKey(
                key_id=prefix,
                active=active,
                created=created,
                last_used=parse_timestamp(row.get(f"{prefix}_last_used_date")),
            )
        )
    return tuple(keys)


def parse_credential_report(text: str, name: str) -> Inventory:
    """Parse the CSV text of a credential report; bad rows are problems, a bad header is an error."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    principals: list[PrincipalRecord] = []
    problems: list[InputProblem] = []
    try:
        header = reader.fieldnames or []
        if any(column not in header for column in REQUIRED_COLUMNS):
            raise InputError(
                "not a credential report (the CSV header lacks user and arn)", Location(name, 1, 1)
            )
        for row in reader:
            line = reader.line_num
            if None in row or any(value is None for value in row.values()):
                problems.append(
                    InputProblem(
                        f"row does not have the {len(header)} columns of the header, skipped",
                        Location(name, line),
                    )
                )
                continue
            user, arn = row.get("user") or "", row.get("arn") or ""
            if not user or not _USER_ARN.match(arn):
                problems.append(
                    InputProblem(
                        f"row without a user name and user ARN, skipped: {arn[:100]!r}", Location(name, line)
                    )
                )
                continue
            keys = _keys(row)
            principals.append(
                PrincipalRecord(
                    kind="user",
                    name=user,
                    arn=arn,
                    access_keys=keys,
                    password_enabled=_flag(row.get("password_enabled")),
                    created=parse_timestamp(row.get("user_creation_time")),
                    last_used=_latest(
                        parse_timestamp(row.get("password_last_used")), *(key.last_used for key in keys)
                    ),
                    location=Location(name, line),
                )
            )
    except csv.Error as exc:
        raise InputError(
            f"not a valid CSV credential report: {exc}", Location(name, reader.line_num)
        ) from None
    return Inventory(principals=tuple(principals), problems=tuple(problems), origins=(name,))
