"""Reading an account directly from AWS (``polp audit --aws``), with boto3 (``pip install 'polp[aws]'``).

``iam:GetAccountAuthorizationDetails`` (all pages) feeds the account details reader, and the credential
report (``iam:GenerateCredentialReport``, then ``iam:GetCredentialReport``) adds the users' keys and
passwords. Refreshing the managed policy snapshot from AWS also lists the AWS managed policies.

The read-only policy polp needs, shipped as ``polp/data/polp-readonly-policy.json``::

    {"Version": "2012-10-17",
     "Statement": [
       {"Sid": "ReadAccountAuthorization", "Effect": "Allow",
        "Action": ["iam:GetAccountAuthorizationDetails", "iam:GenerateCredentialReport",
                   "iam:GetCredentialReport", "iam:ListPolicies"],
        "Resource": "*"},
       {"Sid": "ReadAwsManagedPolicyVersions", "Effect": "Allow",
        "Action": "iam:GetPolicyVersion",
        "Resource": "arn:aws:iam::aws:policy/*"}]}

The first four actions support no resource type, so ``"*"`` is the only possible resource; only
``iam:GetPolicyVersion`` can be scoped, to AWS managed policies (``arn:aws-cn:...`` or
``arn:aws-us-gov:...`` in those partitions). ``GenerateCredentialReport`` is a write in effect (it
starts a report) but is classified as Read by AWS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from polp.errors import InputError, Location
from polp.iam.source import DocumentSource
from polp.inventory import Inventory
from polp.sources.account_details import LISTS, inventory_from_pages
from polp.sources.credential_report import parse_credential_report
from polp.sources.merge import merge_inventories

T = TypeVar("T")
DETAILS_ORIGIN = "aws:iam:GetAccountAuthorizationDetails"
REPORT_ORIGIN = "aws:iam:GetCredentialReport"


def iam_client(session: Any = None) -> Any:
    """An IAM client from ``session`` (a ``boto3.Session``) or the default credentials."""
    try:
        import boto3
    except ImportError:
        raise InputError("reading from AWS needs boto3: pip install 'polp[aws]'", Location("aws")) from None
    return aws_call(lambda: (session or boto3.Session()).client("iam"), "creating an IAM client")


def aws_call(function: Callable[[], T], action: str) -> T:
    """Run one AWS call; any AWS or credentials error becomes an :class:`InputError` naming it."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise InputError("reading from AWS needs boto3: pip install 'polp[aws]'", Location("aws")) from None
    try:
        return function()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise InputError(
            f"{action}: {error.get('Code', 'error')}: {error.get('Message', exc)}", Location("aws")
        ) from None
    except BotoCoreError as exc:
        raise InputError(f"{action}: {exc}", Location("aws")) from None


def read_authorization_details(client: Any) -> Inventory:
    pages = aws_call(
        lambda: list(client.get_paginator("get_account_authorization_details").paginate()),
        "iam:GetAccountAuthorizationDetails",
    )
    merged: dict[str, list[Any]] = {key: [] for key in LISTS}
    for page in pages:
        for key in LISTS:
            items = page.get(key)
            if isinstance(items, list):
                merged[key].extend(items)
    return inventory_from_pages([(merged, DocumentSource(name=DETAILS_ORIGIN))], origins=(DETAILS_ORIGIN,))


def read_credential_report(client: Any, *, timeout: float = 120.0, poll: float = 2.0) -> Inventory:
    """Generate the report if needed, wait for it (up to ``timeout`` seconds) and parse it."""
    deadline = time.monotonic() + timeout
    while True:
        state = aws_call(client.generate_credential_report, "iam:GenerateCredentialReport").get("State")
        if state == "COMPLETE":
            break
        if time.monotonic() > deadline:
            raise InputError(f"the credential report was not ready after {timeout:.0f} s", Location("aws"))
        time.sleep(poll)
    answer = aws_call(client.get_credential_report, "iam:GetCredentialReport")
    content = answer.get("Content", b"")
    try:
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else str(content)
    except UnicodeDecodeError:
        raise InputError("the credential report is not UTF-8 CSV", Location(REPORT_ORIGIN)) from None
    return parse_credential_report(text, REPORT_ORIGIN)


def read_live_account(session: Any = None, *, credential_report: bool = True) -> Inventory:
    """Everything polp audits in the account the credentials belong to."""
    client = iam_client(session)
    inventories = [read_authorization_details(client)]
    if credential_report:
        inventories.append(read_credential_report(client))
    return merge_inventories(inventories)
