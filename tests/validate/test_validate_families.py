"""Each family of checks: a document that draws the finding, and a close one that does not."""

from __future__ import annotations

from collections.abc import Mapping

from validate_helpers import allow, codes, findings, only, policy

from polp.validate.finding import Severity

# --- structure ---------------------------------------------------------------------------------------


def test_missing_version_is_an_error_for_identity_policies() -> None:
    found = only(policy(allow("s3:ListAllMyBuckets"), version=None), "missing-version", "identity")
    assert [f.severity for f in found] == [Severity.ERROR]
    assert "2012-10-17" in found[0].message


def test_missing_version_is_a_warning_for_resource_policies() -> None:
    doc = policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::bucket/*",
        },
        version=None,
    )
    assert [f.severity for f in only(doc, "missing-version", "resource")] == [Severity.WARNING]


def test_old_version_and_current_version() -> None:
    assert "old-version" in codes(policy(allow("s3:ListAllMyBuckets"), version="2008-10-17"))
    assert not codes(policy(allow("s3:ListAllMyBuckets")))


def test_missing_and_empty_action_and_resource() -> None:
    assert "missing-action" in codes(policy({"Effect": "Allow", "Resource": "*"}))
    assert "missing-action" in codes(policy(allow([])))
    assert "missing-resource" in codes(policy({"Effect": "Allow", "Action": "s3:ListAllMyBuckets"}))
    assert "missing-resource" in codes(policy(allow("s3:ListAllMyBuckets", [])))
    assert not codes(policy(allow("s3:ListAllMyBuckets", "*")))


def test_principal_in_identity_policy_is_unsupported() -> None:
    doc = policy(allow("s3:GetObject", "arn:aws:s3:::b/*", Principal={"AWS": "111122223333"}))
    assert "unsupported-element" in codes(doc, "identity")
    assert "unsupported-element" in codes(doc, "scp")
    assert "unsupported-element" not in codes(doc, "resource")


def test_resource_policy_needs_a_principal() -> None:
    assert "missing-principal" in codes(policy(allow("s3:GetObject", "arn:aws:s3:::b/*")), "resource")


def test_duplicate_sids() -> None:
    doc = policy(allow("s3:ListAllMyBuckets", Sid="A"), allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="A"))
    assert [f.severity for f in only(doc, "duplicate-sid")] == [Severity.ERROR]
    distinct = policy(
        allow("s3:ListAllMyBuckets", Sid="A"), allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="B")
    )
    assert "duplicate-sid" not in codes(distinct)


def test_empty_sids_are_a_suggestion_and_not_duplicates() -> None:
    doc = policy(allow("s3:ListAllMyBuckets", Sid=""), allow("s3:GetObject", "arn:aws:s3:::b/*", Sid=""))
    assert codes(doc) == {"empty-sid"}


def test_sid_characters() -> None:
    assert "invalid-sid" in codes(policy(allow("s3:ListAllMyBuckets", Sid="Allow-List")))
    assert "invalid-sid" not in codes(policy(allow("s3:ListAllMyBuckets", Sid="AllowList1")))


# --- actions -----------------------------------------------------------------------------------------


def test_action_without_vendor_or_with_two_colons_is_an_error() -> None:
    assert "invalid-action" in codes(policy(allow("invalid")))
    assert "invalid-action" in codes(policy(allow("s3:List:Bucket")))
    assert "invalid-action" in codes(policy(allow("a a:ListBucket")))
    assert "invalid-action" not in codes(policy(allow("s3:ListBucket", "arn:aws:s3:::b")))


def test_unknown_service_and_action_are_warnings_with_suggestions() -> None:
    unknown = only(policy(allow("s3:ListBuckets", "arn:aws:s3:::b")), "unknown-action")
    assert unknown[0].severity is Severity.WARNING
    assert "s3:ListBucket" in unknown[0].message
    service = only(policy(allow("codedploy:*")), "unknown-service")
    assert service[0].severity is Severity.WARNING and "codedeploy" in service[0].message
    assert not codes(policy(allow("codedeploy:*")))


def test_wildcard_pattern_matching_nothing() -> None:
    assert "unknown-action" in codes(policy(allow("s3:Frobnicate*")))
    assert "unknown-action" not in codes(policy(allow("s3:Get*")))


def test_wildcard_in_service_name() -> None:
    assert "wildcard-in-service" in codes(policy(allow("code*:List*")))
    assert "wildcard-in-service" not in codes(policy(allow("*:List*")))


def test_redundant_actions() -> None:
    found = only(policy(allow(["iam:Get*", "iam:List*", "iam:GetCredentialReport"])), "redundant-action")
    assert len(found) == 1 and "iam:GetCredentialReport" in found[0].message
    assert found[0].location.path == "Statement[0].Action[2]"
    assert "redundant-action" in codes(policy(allow(["s3:GetObject", "s3:getobject"], "arn:aws:s3:::b/*")))
    assert "redundant-action" in codes(policy(allow(["s3:*", "s3:Get*"])))
    # AWS's example: iam:*CredentialReport is not redundant with iam:Get*.
    assert "redundant-action" not in codes(policy(allow(["iam:Get*", "iam:*CredentialReport"])))


# --- resources ---------------------------------------------------------------------------------------


def test_invalid_arns_are_errors() -> None:
    for resource in (
        "invalid resource",
        "",
        "arn:aws",
        "arn:error:s3:::b",
        "arn:aws:s3::b",
        "arn:aws::::b",
        "arn:aws:iam:us-east-1::user/x",
        "arn:aws:s3:us-east-1::b",
        "arn:aws:iam:::bucket",
    ):
        assert "invalid-arn" in codes(policy(allow("s3:ListBucket", resource))), resource


def test_valid_arns_are_not_errors() -> None:
    for resource in (
        "arn:aws:s3:::b",
        "arn:aws:iam::*:root",
        "arn:aws-cn:s3:::b",
        "arn:*:s3:::b",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/ap",
        "arn:aws:iam::111122223333:user/x",
    ):
        assert "invalid-arn" not in codes(policy(allow("s3:*", resource))), resource


def test_three_field_arn_is_incomplete_not_invalid() -> None:
    assert codes(policy(allow("s3:ListBucket", "arn:aws:fdsasf"))) == {"incomplete-arn"}


def test_unknown_arn_service_and_implausible_fields() -> None:
    assert "unknown-arn-service" in codes(policy(allow("*", "arn:aws:s33:::b")))
    assert "implausible-arn-field" in codes(
        policy(allow("ec2:*", "arn:aws:ec2:region:111122223333:instance/*"))
    )
    assert "implausible-arn-field" in codes(
        policy(allow("ec2:*", "arn:aws:ec2:us-east-1:account-id:instance/*"))
    )
    assert not codes(policy(allow("ec2:*", "arn:aws:ec2:us-east-1:111122223333:instance/*")))


def test_resource_mismatch_only_when_no_action_can_use_it() -> None:
    found = only(policy(allow("s3:ListBucket", "arn:aws:iam:::user/x")), "resource-mismatch")
    assert found and found[0].severity is Severity.WARNING
    # s3:ListBucket cannot act on objects, but s3:GetObject can: no finding.
    assert "resource-mismatch" not in codes(
        policy(allow(["s3:ListBucket", "s3:GetObject"], "arn:aws:s3:::b/*"))
    )
    assert "resource-mismatch" in codes(policy(allow("s3:ListBucket", "arn:aws:s3:::b/*")))


def test_star_only_action_with_star_resource_is_fine() -> None:
    assert not codes(policy(allow("s3:ListAllMyBuckets", "*")))
    assert "resource-mismatch" in codes(policy(allow("s3:ListAllMyBuckets", "arn:aws:s3:::b")))


def test_unknown_actions_suspend_the_mismatch_check() -> None:
    assert "resource-mismatch" not in codes(policy(allow("fsx:ListBucket", "arn:aws:s3:::b")))


def test_redundant_resources() -> None:
    doc = policy(
        allow(
            "iam:PassRole",
            ["arn:aws:iam::111122223333:role/jane-admin", "arn:aws:iam::111122223333:role/jane*"],
        )
    )
    found = only(doc, "redundant-resource")
    assert len(found) == 1 and "jane-admin" in found[0].message
    assert "redundant-resource" in codes(policy(allow("s3:ListBucket", ["arn:aws:s3:::b", "*"])))
    assert "redundant-resource" not in codes(
        policy(allow("s3:GetObject", ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]))
    )


def test_not_resource_star_matches_nothing() -> None:
    doc = policy({"Effect": "Allow", "NotAction": "s3:ListBucket", "NotResource": "*"})
    assert "matches-nothing" in codes(doc)
    assert "matches-nothing" not in codes(
        policy({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"})
    )


# --- condition keys ----------------------------------------------------------------------------------


def test_unknown_global_key_is_an_error() -> None:
    doc = policy(allow("s3:ListAllMyBuckets", Condition={"StringEquals": {"aws:SourceVcpe": "vpce-1"}}))
    found = only(doc, "unknown-condition-key")
    assert found[0].severity is Severity.ERROR and "aws:SourceVpce" in found[0].message
    good = policy(allow("s3:ListAllMyBuckets", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}))
    assert not codes(good)


def test_tag_key_without_tag_name() -> None:
    doc = policy(allow("ec2:StartInstances", Condition={"StringEquals": {"aws:ResourceTag": "x"}}))
    assert "needs a tag key" in only(doc, "unknown-condition-key")[0].message


def test_unknown_key_of_a_known_service_is_a_warning() -> None:
    doc = policy(
        allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringEquals": {"s3:Frobnicate": "x"}})
    )
    assert [f.severity for f in only(doc, "unknown-condition-key")] == [Severity.WARNING]


def test_key_of_unknown_service_or_without_prefix() -> None:
    assert "unknown-key-service" in codes(
        policy(allow("s3:ListAllMyBuckets", Condition={"StringEquals": {"foo:bar": "x"}}))
    )
    assert "unknown-key-service" in codes(
        policy(allow("s3:ListAllMyBuckets", Condition={"StringEquals": {"a": "x"}}))
    )


def test_unsupported_key_only_when_no_action_supports_it() -> None:
    cond = {"StringEquals": {"s3:prefix": "home/"}}
    found = only(
        policy(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition=cond)), "unsupported-condition-key"
    )
    assert found and "never holds" in found[0].message
    both = policy(
        allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], Condition=cond)
    )
    assert "unsupported-condition-key" not in codes(both)


def test_global_keys_are_always_supported() -> None:
    doc = policy(
        allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"Bool": {"aws:SecureTransport": "true"}})
    )
    assert not codes(doc)


def test_unsupported_key_with_negated_operator_restricts_nothing() -> None:
    doc = policy(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={"StringNotEquals": {"s3:prefix": "x"}}))
    assert "restricts nothing" in only(doc, "unsupported-condition-key")[0].message


def test_same_key_in_different_case() -> None:
    doc = policy(
        allow("s3:ListAllMyBuckets", Condition={"StringEquals": {"aws:SourceVpc": "a", "aws:sourcevpc": "b"}})
    )
    assert "duplicate-condition-key" in codes(doc)


# --- condition values --------------------------------------------------------------------------------


def _cond(operator: str, key: str, value: object) -> dict[str, object]:
    return policy(allow("s3:ListAllMyBuckets", Condition={operator: {key: value}}))


def test_dates_iam_rejects_are_errors() -> None:
    for value in ("sdfdsf", "234-13", "2016-12-13t2:00:00.593194+1", "9223372036854775808"):
        found = only(_cond("DateGreaterThan", "aws:CurrentTime", value), "invalid-condition-value")
        assert found and found[0].severity is Severity.ERROR, value


def test_dates_iam_accepts_are_not_errors() -> None:
    for value in ("2019-07-01T13:20:15Z", "2016-12-13T21:20:37.593194+00:00", "-292275054", "1690000000"):
        assert not codes(_cond("DateGreaterThan", "aws:CurrentTime", value)), value
    # Lax forms IAM accepts but that may not mean what they seem: a warning, not an error.
    for value in ("01T", "2016-12-13t2:00:00.593194+23"):
        assert codes(_cond("DateGreaterThan", "aws:CurrentTime", value)) == {"condition-value-type"}, value


def test_value_types() -> None:
    assert "condition-value-type" in codes(_cond("NumericLessThan", "aws:MultiFactorAuthAge", "one hour"))
    assert "condition-value-type" in codes(_cond("IpAddress", "aws:SourceIp", "not-an-ip"))
    assert "condition-value-type" in codes(_cond("Bool", "aws:SecureTransport", "yes"))
    assert "condition-value-type" in codes(_cond("ArnLike", "aws:SourceArn", "not-an-arn"))
    assert not codes(_cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600"))
    assert not codes(_cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"))
    assert not codes(_cond("Bool", "aws:SecureTransport", True))


def test_operator_of_another_type_than_the_key() -> None:
    assert "operator-type-mismatch" in codes(_cond("StringEquals", "aws:CurrentTime", "2024-01-01"))
    assert "operator-type-mismatch" not in codes(
        _cond("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x")
    )


def test_wildcard_without_like() -> None:
    assert "wildcard-without-like" in codes(_cond("StringEquals", "aws:PrincipalTag/job", "admin-*"))
    assert "wildcard-without-like" not in codes(_cond("StringLike", "aws:PrincipalTag/job", "admin-*"))
    assert "wildcard-without-like" not in codes(_cond("StringEquals", "aws:PrincipalTag/job", "a${*}"))


def test_variable_in_numeric_condition() -> None:
    assert "variable-in-non-string-condition" in codes(
        _cond("NumericLessThan", "aws:MultiFactorAuthAge", "${aws:username}")
    )


def test_forallvalues_on_single_valued_key() -> None:
    found = only(_cond("ForAllValues:StringEquals", "aws:SourceVpc", "vpc-1"), "forallvalues-single-valued")
    assert found[0].severity is Severity.SECURITY_WARNING
    assert not codes(_cond("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b"]))


def test_multivalued_key_without_qualifier() -> None:
    assert "missing-set-qualifier" in codes(_cond("StringEquals", "aws:TagKeys", "a"))
    assert "missing-set-qualifier" not in codes(_cond("ForAnyValue:StringEquals", "aws:TagKeys", "a"))


def test_null_with_qualifier_and_bool_both_ways() -> None:
    assert "null-with-qualifier" in codes(_cond("ForAnyValue:Null", "aws:TagKeys", "true"))
    assert "multiple-bool-values" in codes(_cond("Bool", "aws:SecureTransport", ["true", "false"]))
    assert not codes(_cond("Null", "aws:TagKeys", "true"))


def test_empty_conditions() -> None:
    assert "empty-condition" in codes(policy(allow("s3:ListAllMyBuckets", Condition={})))
    assert "empty-condition" in codes(_cond("StringEquals", "aws:SourceVpc", []))
    assert "Null" in only(_cond("ForAllValues:StringEquals", "aws:TagKeys", []), "empty-condition")[0].message


def test_private_source_ip() -> None:
    found = only(_cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"), "private-source-ip")
    assert found[0].severity is Severity.WARNING and "aws:VpcSourceIp" in found[0].message
    mixed = only(_cond("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "198.51.100.0/24"]), "private-source-ip")
    assert mixed[0].severity is Severity.SUGGESTION
    assert not codes(_cond("IpAddress", "aws:VpcSourceIp", "10.0.0.0/8"))


def test_ip_host_bits() -> None:
    found = only(_cond("IpAddress", "aws:SourceIp", "198.51.100.7/24"), "ip-host-bits")
    assert found and "198.51.100.0/24" in found[0].message
    assert not codes(_cond("IpAddress", "aws:SourceIp", "198.51.100.0/24"))


# --- principals --------------------------------------------------------------------------------------


def _resource_statement(**extra: object) -> dict[str, object]:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", **extra}


def test_allow_with_not_principal() -> None:
    doc = policy(_resource_statement(NotPrincipal={"AWS": "arn:aws:iam::111122223333:user/bob"}))
    assert [f.severity for f in only(doc, "allow-with-not-principal", "resource")] == [
        Severity.SECURITY_WARNING
    ]
    deny = policy(
        {**_resource_statement(NotPrincipal={"AWS": "arn:aws:iam::111122223333:user/bob"}), "Effect": "Deny"}
    )
    assert "allow-with-not-principal" not in codes(deny, "resource")


def test_principal_values() -> None:
    def kinds(principal: object) -> set[str]:
        return codes(policy(_resource_statement(Principal=principal)), "resource")

    assert "wildcard-in-principal" in kinds({"AWS": "arn:aws:iam::111122223333:role/*"})
    assert "invalid-principal" in kinds({"AWS": "arn:aws:iam::111122223333:group/admins"})
    assert "invalid-principal" in kinds({"AWS": "bob"})
    assert "principal-unique-id" in kinds({"AWS": "AROAEXAMPLEEXAMPLE1234"})
    assert "empty-principal" in kinds({"AWS": []})
    assert not kinds(
        {"AWS": ["111122223333", "arn:aws:iam::111122223333:role/x"], "Service": "lambda.amazonaws.com"}
    )
    assert not kinds("*")


# --- privileges --------------------------------------------------------------------------------------


def test_passrole_on_every_role() -> None:
    found = only(policy(allow("iam:PassRole", "*")), "passrole-wildcard-resource")
    assert found[0].severity is Severity.SECURITY_WARNING
    assert "passrole-wildcard-resource" in codes(policy(allow("iam:*", "arn:aws:iam::111122223333:role/*")))
    assert "passrole-wildcard-resource" in codes(
        policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})
    )


def test_passrole_narrowed_is_fine() -> None:
    assert not codes(policy(allow("iam:PassRole", "arn:aws:iam::111122223333:role/sagemaker-exec")))
    cond = {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert "passrole-wildcard-resource" not in codes(policy(allow("iam:PassRole", "*", Condition=cond)))
    assert "passrole-wildcard-resource" not in codes(
        policy({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    )


# --- redundancy --------------------------------------------------------------------------------------


def test_redundant_statement() -> None:
    doc = policy(allow("s3:ListBucket", "arn:aws:s3:::b", Sid="A"), allow("s3:ListBucket", "arn:aws:s3:::b"))
    assert codes(doc) == {"redundant-statement"}
    assert not codes(
        policy(allow("s3:ListBucket", "arn:aws:s3:::b"), allow("s3:ListBucket", "arn:aws:s3:::c"))
    )


# --- trust policies ----------------------------------------------------------------------------------

_GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def _oidc(condition: Mapping[str, object] | None) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Federated": _GITHUB},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return policy(statement)


def test_oidc_without_audience_or_subject() -> None:
    assert {"oidc-missing-audience", "oidc-missing-subject"} <= codes(_oidc(None), "trust")
    only_aud = _oidc({"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})
    assert codes(only_aud, "trust") == {"oidc-missing-subject"}


def test_oidc_wildcard_repository() -> None:
    condition = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/*"},
    }
    found = only(_oidc(condition), "oidc-wildcard-repository", "trust")
    assert found[0].severity is Severity.SECURITY_WARNING


def test_oidc_pinned_repository_is_fine() -> None:
    condition = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/*"},
    }
    assert not codes(_oidc(condition), "trust")


def test_trust_policy_actions_and_resource() -> None:
    statement = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "s3:GetObject"}
    assert "trust-action" in codes(policy(statement), "trust")
    with_resource = {
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Resource": "*",
    }
    assert "unsupported-element" in codes(policy(with_resource), "trust")
    fine = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    assert not codes(policy(fine), "trust")


# --- organizations -----------------------------------------------------------------------------------

_RCP_DENY = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-123"}},
}


def test_rcp_rules() -> None:
    assert not codes(policy(_RCP_DENY), "rcp")
    assert "rcp-allow" in codes(policy({**_RCP_DENY, "Effect": "Allow"}), "rcp")
    full = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    assert "rcp-allow" not in codes(policy(full), "rcp")
    assert "rcp-principal" in codes(policy({**_RCP_DENY, "Principal": {"AWS": "111122223333"}}), "rcp")
    assert "rcp-unsupported-service" in codes(policy({**_RCP_DENY, "Action": "ec2:RunInstances"}), "rcp")
    not_principal = {k: v for k, v in _RCP_DENY.items() if k != "Principal"}
    assert "unsupported-element" in codes(
        policy({**not_principal, "NotPrincipal": {"AWS": "111122223333"}}), "rcp"
    )
    not_action = {k: v for k, v in _RCP_DENY.items() if k != "Action"}
    assert "unsupported-element" in codes(policy({**not_action, "NotAction": "s3:GetObject"}), "rcp")


def test_scp_allows_conditions_in_allow_statements_since_2025() -> None:
    doc = policy(
        allow("s3:*", "arn:aws:s3:::b/*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    )
    assert not codes(doc, "scp")


# --- quotas ------------------------------------------------------------------------------------------


def _big(n: int) -> dict[str, object]:
    return policy(allow([f"s3:GetObject{i:05d}" for i in range(n)]))


def test_size_quota_per_type() -> None:
    small = policy(allow("s3:ListAllMyBuckets"))
    assert "policy-too-large" not in codes(small, "scp")
    size = [f for f in findings(_big(400), "scp") if f.code == "policy-too-large"]
    assert size and size[0].severity is Severity.ERROR
    identity = [f for f in findings(_big(400), "identity") if f.code == "policy-too-large"]
    assert identity and identity[0].severity is Severity.WARNING


def test_scp_counts_white_space() -> None:
    import json

    doc = _big(180)  # about 4,300 characters compact, over 5,120 pretty-printed
    pretty = json.dumps(doc, indent=8)
    compact = json.dumps(doc, separators=(",", ":"))
    assert len(pretty) > 5120 > len(compact)
    warned = [f for f in findings(pretty, "scp") if f.code == "policy-too-large"]
    assert warned and warned[0].severity is Severity.WARNING and "minified" in warned[0].message
    assert "policy-too-large" not in {f.code for f in findings(compact, "scp")}
