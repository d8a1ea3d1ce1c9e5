"""Builders of CloudTrail records for the usage tests."""

from __future__ import annotations

from typing import Any


def event(**fields: Any) -> dict[str, Any]:
    """A minimal valid CloudTrail record, overridden by ``fields``."""
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "principalId": "AIDAEXAMPLE",
        },
        "eventTime": "2024-05-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": "us-east-1",
        "requestParameters": None,
        "eventType": "AwsApiCall",
        "eventCategory": "Management",
        "recipientAccountId": "111122223333",
    }
    record.update(fields)
    return record


def role_identity(
    role: str = "trainer", session: str = "job-1", account: str = "111122223333", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": f"arn:aws:iam::{account}:role/ml/{role}",
                "accountId": account,
                "userName": role,
            },
            "webIdFederationData": extra.pop("web", {}),
            "attributes": {"creationDate": "2024-05-01T09:00:00Z", "mfaAuthenticated": "false"},
        },
        **extra,
    }
