"""ARN parsing and matching."""

from __future__ import annotations

import pytest

from polp.iam.arn import (
    Arn,
    account_of,
    arn_matches,
    arn_template_to_glob,
    is_arn,
    parse_arn,
    pattern_may_match_template,
    service_of,
    split_components,
)


def test_parse_arn() -> None:
    arn = parse_arn("arn:aws:iam::123456789012:role/path/Deploy")
    assert arn == Arn("aws", "iam", "", "123456789012", "role/path/Deploy")
    assert str(arn) == "arn:aws:iam::123456789012:role/path/Deploy"


def test_resource_keeps_its_colons() -> None:
    arn = parse_arn("arn:aws:s3:::bucket/key:with:colons")
    assert arn is not None
    assert arn.resource == "bucket/key:with:colons"
    assert arn.region == "" and arn.account == ""
    assert parse_arn("arn:aws:logs:us-east-1:1:log-group:/x:*") == Arn(
        "aws", "logs", "us-east-1", "1", "log-group:/x:*"
    )


@pytest.mark.parametrize(
    "text",
    ["", "*", "arn:aws:s3", "arn:aws:s3::bucket", "not:an:arn:at:all:x", "ARN:aws:s3:::b", "s3:GetObject"],
)
def test_not_an_arn(text: str) -> None:
    assert parse_arn(text) is None
    assert not is_arn(text)


def test_account_and_service() -> None:
    assert account_of("arn:aws:iam::123456789012:role/x") == "123456789012"
    assert account_of("arn:aws:s3:::bucket") is None
    assert account_of("nonsense") is None
    assert service_of("arn:aws-cn:ec2:cn-north-1:1:instance/i-1") == "ec2"
    assert service_of("nonsense") is None


def test_colons_inside_policy_variables_do_not_split() -> None:
    assert split_components("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}") == (
        "arn", "aws", "iam", "", "${aws:PrincipalAccount}", "user/${aws:username}",
    )
    assert split_components("a:b:c") is None


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", "arn:aws:s3:::bucket", True),
        ("*", "not an arn", True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket", True),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket2", False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c:d", True),  # * in the resource spans colons
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:s3:::bucket?", "arn:aws:s3:::bucket1", True),
        ("arn:aws:s3:::bucket?", "arn:aws:s3:::bucket12", False),
        ("arn:aws:s3:::bucket?", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", False),  # case-sensitive
        ("arn:AWS:s3:::bucket", "arn:aws:s3:::bucket", False),
        ("arn:aws:ec2:*:123:instance/*", "arn:aws:ec2:us-east-1:123:instance/i-1", True),
        ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:123:volume/v-1", False),
        ("arn:*:ec2:us-?ast-1:123:*", "arn:aws:ec2:us-east-1:123:instance/i-1", True),
        # The region's * must not swallow the account: component-wise this is account
        # "log-group" against "123". As a whole-string glob it would match.
        ("arn:aws:logs:*:log-group:x", "arn:aws:logs:us-east-1:123:log-group:x", False),
        ("arn:aws:logs:*:123:log-group:x", "arn:aws:logs:us-east-1:123:log-group:x", True),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::123:role/a/b", True),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::123:user/a", False),
        # Not an ARN on one side: a whole-string glob.
        ("arn:aws:s3*", "arn:aws:s3:::bucket/x", True),
        ("arn:aws:s3:::*", "bucket", False),
        ("bucket*", "bucket-1", True),
        ("arn:aws:ec2:*1:instance/*", "arn:aws:ec2:us-east-1:1:instance/i", True),
    ],
)
def test_arn_matches(pattern: str, arn: str, expected: bool) -> None:
    assert arn_matches(pattern, arn) is expected


def test_arn_template_to_glob() -> None:
    assert (
        arn_template_to_glob("arn:${Partition}:s3:${Region}:${Account}:access-grants/default/grant/${Token}")
        == "arn:*:s3:*:*:access-grants/default/grant/*"
    )
    assert arn_template_to_glob("arn:${Partition}:dms:${Region}:${Account}:cert:*") == "arn:*:dms:*:*:cert:*"


BUCKET = "arn:${Partition}:s3:::${BucketName}"
OBJECT = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
ROLE = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"
USER = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
INSTANCE = "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"


@pytest.mark.parametrize(
    ("pattern", "template", "expected"),
    [
        ("*", BUCKET, True),
        ("arn:aws:s3:::*", BUCKET, True),
        ("arn:aws:s3:::*", OBJECT, True),
        ("arn:aws:s3:::my-bucket", BUCKET, True),
        ("arn:aws:s3:::my-bucket", OBJECT, False),
        ("arn:aws:s3:::my-bucket/*", OBJECT, True),
        # Bucket names have no "/": objects are not buckets.
        ("arn:aws:s3:::my-bucket/*", BUCKET, False),
        ("arn:aws:s3:::*/*", BUCKET, False),
        ("arn:aws:s3:::my-bucket*", BUCKET, True),
        ("arn:aws:s3:::my-bucket*", OBJECT, True),
        ("arn:aws-cn:s3:::b", BUCKET, True),
        ("arn:aws:s3:us-east-1::b", BUCKET, False),  # S3 bucket ARNs have an empty region
        ("arn:aws:iam::123456789012:role/deploy/*", ROLE, True),
        ("arn:aws:iam::123456789012:role/deploy/*", USER, False),
        ("arn:aws:iam::*:user/${aws:username}", USER, True),
        ("arn:aws:ec2:*:*:instance/*", INSTANCE, True),
        ("arn:aws:ec2:eu-west-1:123:instance/i-1", INSTANCE, True),
        ("arn:aws:ec2:eu-west-1:123:volume/*", INSTANCE, False),
        ("arn:aws:s3:::b", INSTANCE, False),
        # Not an ARN pattern: whole-string intersection, which over-approximates (the template's
        # partition star may take colons here), as "may match" allows.
        ("arn:aws:*", INSTANCE, True),
        ("arn:aws:s3*", INSTANCE, True),
        ("bucket*", INSTANCE, False),
    ],
)
def test_pattern_may_match_template(pattern: str, template: str, expected: bool) -> None:
    assert pattern_may_match_template(pattern, template) is expected
