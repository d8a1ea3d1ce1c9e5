"""The cases of AWS's documentation on policy evaluation, as tests of :func:`polp.iam.evaluate.evaluate`.

Each test names the page (and, where it helps, the passage) it comes from. Every test checks the
decision *and* that the reasons name the policy and statement that decided it. Pages:

* IAM User Guide, "Policy evaluation logic" / "How AWS enforcement code logic evaluates requests to
  allow or deny access" (``policy-eval-denyallow``) / "Policy evaluation for requests within a single
  account" (the Carlos example) / "The difference between explicit and implicit denies";
* "Cross-account policy evaluation logic" (Carlos, accounts 111111111111 and 222222222222);
* "Permissions boundaries for IAM entities" (ShirleyRodriguez, María and Zhang, resource-based
  policies naming an IAM user, a role or a role session; NotPrincipal with Deny);
* "Policies and permissions in IAM: Session policies", STS ``GetFederationToken``/``AssumeRole``;
* AWS Organizations: "Inheritance for service control policies", "SCP evaluation", "RCP evaluation";
* "AWS JSON policy elements: NotPrincipal / NotAction / NotResource / Principal / Variables / Version";
* KMS Developer Guide "Key policies" (default key policy); VPC "Control access to VPC endpoints
  using endpoint policies"; S3 "Bucket policy examples" (anonymous read).
"""

from __future__ import annotations

from typing import Any

import pytest

from polp.iam.evaluate import Decision, Reason, evaluate
from polp.iam.request import request_from_json

# -- helpers ----------------------------------------------------------------------------------------


def decide(**request: Any) -> Decision:
    return evaluate(request_from_json(request))


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return doc


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def reason(
    decision: Decision, policy_type: str, statement: str | None = None, policy_contains: str | None = None
) -> Reason:
    """The reason of ``decision`` from ``policy_type`` (and ``statement``); fails if there is none."""
    for r in decision.reasons:
        if r.policy_type != policy_type:
            continue
        if statement is not None and r.statement != statement:
            continue
        if policy_contains is not None and policy_contains not in r.policy:
            continue
        return r
    raise AssertionError(f"no {policy_type} reason {statement!r} in {decision.to_json()}")


def assert_allowed(decision: Decision, policy_type: str, statement: str | None = None) -> None:
    assert decision.decision == "Allowed", decision.to_json()
    r = reason(decision, policy_type, statement)
    assert r.effect == "Allow"


def assert_explicit(decision: Decision, policy_type: str, statement: str | None = None) -> None:
    assert decision.decision == "ExplicitlyDenied", decision.to_json()
    r = reason(decision, policy_type, statement)
    assert r.effect == "Deny"


def assert_implicit(decision: Decision, policy_type: str, policy_contains: str | None = None) -> None:
    assert decision.decision == "ImplicitlyDenied", decision.to_json()
    r = reason(decision, policy_type, None, policy_contains)
    assert r.statement is None and r.note


FULL_ACCESS = policy({"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"})
RCP_FULL_ACCESS = policy(
    {"Sid": "RCPFullAWSAccess", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
)

# -- Single account: the Carlos example --------------------------------------------------------------

CARLOS = "arn:aws:iam::123456789012:user/carlossalazar"
CARLOS_IDENTITY = policy(
    {
        "Sid": "AllowS3ListRead",
        "Effect": "Allow",
        "Action": [
            "s3:GetBucketLocation",
            "s3:GetAccountPublicAccessBlock",
            "s3:ListAccessPoints",
            "s3:ListAllMyBuckets",
        ],
        "Resource": "arn:aws:s3:::*",
    },
    {
        "Sid": "AllowS3Self",
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
    {"Sid": "DenyS3Logs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"},
)
CARLOS_BUCKET = policy(
    {
        "Sid": "CarlosOnly",
        "Effect": "Allow",
        "Principal": {"AWS": CARLOS},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::carlossalazar/*", "arn:aws:s3:::carlossalazar"],
    },
)


def test_carlos_saving_to_a_logs_bucket_is_explicitly_denied_by_his_identity_policy() -> None:
    # "AWS first checks for a Deny statement ... It finds one, because the identity-based policy
    # explicitly denies Carlos access to any S3 buckets used for logging."
    d = decide(
        principal=CARLOS,
        action="s3:PutObject",
        resource="arn:aws:s3:::carlossalazar-logs/file.txt",
        identity_policies=[CARLOS_IDENTITY],
        resource_policy=CARLOS_BUCKET,
    )
    assert_explicit(d, "identity", "DenyS3Logs")


def test_carlos_saving_to_his_own_bucket_is_allowed() -> None:
    # "Both the identity-based policy and the resource-based policy allow the request. Therefore,
    # AWS allows the request."
    d = decide(
        principal=CARLOS,
        action="s3:PutObject",
        resource="arn:aws:s3:::carlossalazar/file.txt",
        identity_policies=[CARLOS_IDENTITY],
        resource_policy=CARLOS_BUCKET,
    )
    assert_allowed(d, "resource", "CarlosOnly")
    assert_allowed(d, "identity", "AllowS3Self")


def test_within_one_account_either_the_identity_or_the_resource_policy_suffices() -> None:
    # "If one of the policy types allows the request and the other doesn't, the request is still
    # allowed."
    only_identity = decide(
        principal=CARLOS,
        action="s3:PutObject",
        resource="arn:aws:s3:::carlossalazar/file.txt",
        identity_policies=[CARLOS_IDENTITY],
    )
    assert_allowed(only_identity, "identity", "AllowS3Self")
    only_resource = decide(
        principal=CARLOS,
        action="s3:PutObject",
        resource="arn:aws:s3:::carlossalazar/file.txt",
        resource_policy=CARLOS_BUCKET,
    )
    assert_allowed(only_resource, "resource", "CarlosOnly")
    neither = decide(
        principal=CARLOS,
        action="s3:PutObject",
        resource="arn:aws:s3:::other/file.txt",
        identity_policies=[CARLOS_IDENTITY],
        resource_policy=CARLOS_BUCKET,
    )
    assert_implicit(neither, "identity")


def test_carlos_can_list_all_buckets_through_allow_s3_list_read() -> None:
    d = decide(
        principal=CARLOS,
        action="s3:ListAllMyBuckets",
        resource="arn:aws:s3:::*",
        identity_policies=[CARLOS_IDENTITY],
    )
    assert_allowed(d, "identity", "AllowS3ListRead")


# -- The difference between explicit and implicit denies ------------------------------------------------

GET_LIST = policy(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)
USER = "arn:aws:iam::111122223333:user/exampleuser"


@pytest.mark.parametrize(
    ("action", "outcome", "statement"),
    [
        ("iam:GetUser", "Allowed", "AllowGetList"),
        ("iam:ListRoles", "Allowed", "AllowGetList"),
        ("iam:CreatePolicy", "ImplicitlyDenied", None),
        ("iam:GetOrganizationsAccessReport", "ExplicitlyDenied", "DenyReports"),
    ],
)
def test_explicit_and_implicit_denies(action: str, outcome: str, statement: str | None) -> None:
    # "All other actions in IAM, such as iam:CreatePolicy are implicitly denied. The DenyReports
    # statement explicitly denies ... such as iam:GetOrganizationsAccessReport."
    d = decide(principal=USER, action=action, identity_policies=[GET_LIST])
    assert d.decision == outcome
    if outcome == "Allowed":
        assert_allowed(d, "identity", statement)
    elif outcome == "ExplicitlyDenied":
        assert_explicit(d, "identity", statement)
    else:
        assert_implicit(d, "identity", "identity_policies")


def test_a_deny_cannot_be_overridden_by_another_policy() -> None:
    # "If someone adds another policy to this principal to grant them access to IAM reports, such as
    # iam:GenerateCredentialReport, report-related requests are still denied because of this explicit deny."
    extra = policy(allow("iam:GenerateCredentialReport"))
    d = decide(principal=USER, action="iam:GenerateCredentialReport", identity_policies=[GET_LIST, extra])
    assert_explicit(d, "identity", "DenyReports")


def test_no_policy_at_all_is_an_implicit_deny() -> None:
    # "By default, all requests are implicitly denied"
    d = decide(principal=USER, action="s3:GetObject", resource="arn:aws:s3:::b/k")
    assert_implicit(d, "identity")


def test_the_account_root_user_has_full_access_unless_explicitly_denied() -> None:
    # "By default, all requests are implicitly denied with the exception of the AWS account root user,
    # which has full access." SCPs still apply to member accounts' root users ("The SCP maximum
    # applies to principals in member accounts, including each AWS account root user").
    root = "arn:aws:iam::111122223333:root"
    d = decide(principal=root, action="s3:DeleteBucket", resource="arn:aws:s3:::b")
    assert d.decision == "Allowed"
    assert any(r.policy_type == "root" for r in d.reasons), d.to_json()
    denied = decide(
        principal=root,
        action="s3:DeleteBucket",
        resource="arn:aws:s3:::b",
        scps=[[FULL_ACCESS, policy(deny("s3:DeleteBucket", Sid="NoDelete"))]],
    )
    assert_explicit(denied, "scp", "NoDelete")
    bucket_deny = decide(
        principal=root,
        action="s3:DeleteBucket",
        resource="arn:aws:s3:::b",
        resource_policy=policy(deny("s3:*", Sid="DenyAll", Principal="*")),
    )
    assert_explicit(bucket_deny, "resource", "DenyAll")
    not_in_scp = decide(
        principal=root, action="ec2:RunInstances", scps=[[policy(allow("s3:*", Sid="S3Only"))]]
    )
    assert_implicit(not_in_scp, "scp", "scps[0]")


def test_the_root_user_of_another_account_needs_the_resource_policy() -> None:
    # Cross-account: "the resource-based policy in AccountB must allow the requester in AccountA".
    d = decide(
        principal="arn:aws:iam::444455556666:root",
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        resource_account="111122223333",
    )
    assert_implicit(d, "resource")
    ok = decide(
        principal="arn:aws:iam::444455556666:root",
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        resource_account="111122223333",
        resource_policy=policy(
            allow("s3:GetObject", "arn:aws:s3:::b/*", Sid="Partner", Principal={"AWS": "444455556666"})
        ),
    )
    assert_allowed(ok, "resource", "Partner")


# -- Resource-based policies and implicit denies in other policy types (same account) -----------------

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/examplerole"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/examplerole/examplerolesessionname"
FED_USER = f"arn:aws:sts::{ACCOUNT}:federated-user/exampleuser"
IAM_USER = f"arn:aws:iam::{ACCOUNT}:user/exampleuser"
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
BOUNDARY_EC2_ONLY = policy(allow("ec2:*", Sid="EC2Only"))
SESSION_EC2_ONLY = policy(allow("ec2:Describe*", Sid="SessionEC2"))


def queue_policy(principal: str, sid: str = "GrantQueue") -> dict[str, Any]:
    return policy(allow("sqs:SendMessage", QUEUE, Sid=sid, Principal={"AWS": principal}))


def test_resource_policy_naming_the_role_is_limited_by_the_boundary() -> None:
    # "IAM role – Resource-based policies that grant permissions to an IAM role ARN are limited by an
    # implicit deny in a permissions boundary or session policy."
    d = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(ROLE),
        permission_boundary=BOUNDARY_EC2_ONLY,
    )
    assert_implicit(d, "boundary", "permission_boundary")


def test_resource_policy_naming_the_role_is_limited_by_the_session_policy() -> None:
    d = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(ROLE),
        session_policy=SESSION_EC2_ONLY,
    )
    assert_implicit(d, "session", "session_policy")


def test_resource_policy_naming_the_role_is_not_limited_by_its_identity_policies() -> None:
    # The role ARN is limited only by "a permissions boundary or session policy": no identity policy
    # is needed.
    d = decide(
        principal=SESSION, action="sqs:SendMessage", resource=QUEUE, resource_policy=queue_policy(ROLE)
    )
    assert_allowed(d, "resource", "GrantQueue")
    with_boundary = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(ROLE),
        permission_boundary=policy(allow("sqs:*")),
    )
    assert_allowed(with_boundary, "resource", "GrantQueue")


def test_resource_policy_naming_the_role_session_is_not_limited() -> None:
    # "IAM role session – ... Permissions granted directly to a session are not limited by an implicit
    # deny in an identity-based policy, a permissions boundary, or session policy."
    d = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(SESSION),
        permission_boundary=BOUNDARY_EC2_ONLY,
        session_policy=SESSION_EC2_ONLY,
    )
    assert_allowed(d, "resource", "GrantQueue")


def test_resource_policy_naming_the_iam_user_is_not_limited() -> None:
    # "IAM user – Within the same account, resource-based policies that grant permissions to an IAM
    # user ARN ... are not limited by an implicit deny in an identity-based policy or permissions
    # boundary."
    d = decide(
        principal=IAM_USER,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(IAM_USER),
        permission_boundary=BOUNDARY_EC2_ONLY,
    )
    assert_allowed(d, "resource", "GrantQueue")


def test_resource_policy_naming_the_federated_user_session_is_not_limited() -> None:
    # "IAM federated user sessions – ... resource-based policies that grant permissions to a federated
    # user ARN grant permissions directly to the session ... not limited by an implicit deny in an
    # identity-based policy, a permissions boundary, or session policy."
    d = decide(
        principal=FED_USER,
        action="sqs:SendMessage",
        resource=QUEUE,
        resource_policy=queue_policy(FED_USER),
        permission_boundary=BOUNDARY_EC2_ONLY,
        session_policy=SESSION_EC2_ONLY,
    )
    assert_allowed(d, "resource", "GrantQueue")


def test_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    # Principal element: "If you reference an AWS account as principal, it generally means any
    # principal defined within that account" -- the account's administrators must grant the access
    # through identity-based policies.
    for account_form in (ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"):
        rp = queue_policy(account_form, "DelegateToAccount")
        d = decide(principal=SESSION, action="sqs:SendMessage", resource=QUEUE, resource_policy=rp)
        assert_implicit(d, "identity")
        ok = decide(
            principal=SESSION,
            action="sqs:SendMessage",
            resource=QUEUE,
            resource_policy=rp,
            identity_policies=[policy(allow("sqs:SendMessage", QUEUE, Sid="RoleSend"))],
        )
        assert_allowed(ok, "identity", "RoleSend")
        assert_allowed(ok, "resource", "DelegateToAccount")


def test_resource_policy_naming_someone_else_does_not_help() -> None:
    other = f"arn:aws:iam::{ACCOUNT}:role/otherrole"
    d = decide(
        principal=SESSION, action="sqs:SendMessage", resource=QUEUE, resource_policy=queue_policy(other)
    )
    assert_implicit(d, "identity")


# -- Session policies ---------------------------------------------------------------------------------

ROLE_SQS = policy(allow("sqs:*", Sid="RoleSQS"))


def test_role_session_without_session_policy_uses_the_role_permissions() -> None:
    # denyallow, Session policies: "If there is no session policy, the code checks whether the principal
    # is a role session. If the principal is a role session, then the request is Allowed."
    d = decide(principal=SESSION, action="sqs:SendMessage", resource=QUEUE, identity_policies=[ROLE_SQS])
    assert_allowed(d, "identity", "RoleSQS")


def test_session_permissions_are_the_intersection_with_the_session_policy() -> None:
    # AssumeRole: "The resulting session's permissions are the intersection of the role's
    # identity-based policy and the session policies."
    ok = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        identity_policies=[ROLE_SQS],
        session_policy=policy(allow("sqs:SendMessage", Sid="PassedPolicy")),
    )
    assert_allowed(ok, "identity", "RoleSQS")
    assert_allowed(ok, "session", "PassedPolicy")
    no = decide(
        principal=SESSION,
        action="sqs:DeleteQueue",
        resource=QUEUE,
        identity_policies=[ROLE_SQS],
        session_policy=policy(allow("sqs:SendMessage", Sid="PassedPolicy")),
    )
    assert_implicit(no, "session", "session_policy")
    # "You cannot use session policies to grant more permissions than those allowed by the
    # identity-based policy of the role that is being assumed."
    more = decide(
        principal=SESSION,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[ROLE_SQS],
        session_policy=policy(allow("*")),
    )
    assert_implicit(more, "identity")


def test_federated_user_session_without_session_policy_has_no_permissions() -> None:
    # denyallow: "If there is no session policy, the code checks whether the principal is a role
    # session. ... Otherwise, the request is implicitly denied." GetFederationToken: "if you do not
    # pass any session policies, then the resulting federated user session has no permissions."
    user_policies = policy(allow("sqs:*", Sid="UserSQS"))
    d = decide(
        principal=FED_USER, action="sqs:SendMessage", resource=QUEUE, identity_policies=[user_policies]
    )
    assert_implicit(d, "session", "session_policy")
    ok = decide(
        principal=FED_USER,
        action="sqs:SendMessage",
        resource=QUEUE,
        identity_policies=[user_policies],
        session_policy=policy(allow("sqs:SendMessage", Sid="Federation")),
    )
    assert_allowed(ok, "identity", "UserSQS")
    assert_allowed(ok, "session", "Federation")


def test_an_explicit_deny_in_a_session_policy_denies() -> None:
    d = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=QUEUE,
        identity_policies=[ROLE_SQS],
        session_policy=policy(allow("*"), deny("sqs:SendMessage", Sid="NoSend")),
    )
    assert_explicit(d, "session", "NoSend")


# -- Cross-account: the Carlos example -------------------------------------------------------------------

CARLOS_A = "arn:aws:iam::111111111111:user/carlossalazar"
CARLOS_A_IDENTITY = policy(
    {"Sid": "AllowS3ListRead", "Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
    {
        "Sid": "AllowS3ProductionObjectActions",
        "Effect": "Allow",
        "Action": "s3:*Object*",
        "Resource": "arn:aws:s3:::Production/*",
    },
    {
        "Sid": "DenyS3Logs",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::*log*", "arn:aws:s3:::*log*/*"],
    },
)
PRODUCTION_BUCKET = policy(
    {
        "Sid": "CarlosObjects",
        "Effect": "Allow",
        "Action": ["s3:GetObject*", "s3:PutObject*", "s3:ReplicateObject", "s3:RestoreObject"],
        "Principal": {"AWS": CARLOS_A},
        "Resource": "arn:aws:s3:::Production/*",
    },
)


def test_cross_account_carlos_to_production_logs_is_explicitly_denied() -> None:
    # "When AWS evaluates account 111111111111, it returns a decision of Deny. This is because the
    # DenyS3Logs statement in the identity-based policy explicitly denies access to any log buckets."
    d = decide(
        principal=CARLOS_A,
        action="s3:PutObject",
        resource="arn:aws:s3:::Production-logs/f.txt",
        resource_account="222222222222",
        identity_policies=[CARLOS_A_IDENTITY],
    )
    assert_explicit(d, "identity", "DenyS3Logs")


def test_cross_account_carlos_to_production_is_allowed_by_both_sides() -> None:
    # "Because both accounts allow the request, the final decision is to allow the request."
    d = decide(
        principal=CARLOS_A,
        action="s3:PutObject",
        resource="arn:aws:s3:::Production/f.txt",
        resource_account="222222222222",
        identity_policies=[CARLOS_A_IDENTITY],
        resource_policy=PRODUCTION_BUCKET,
    )
    assert_allowed(d, "identity", "AllowS3ProductionObjectActions")
    assert_allowed(d, "resource", "CarlosObjects")


def test_cross_account_needs_both_evaluations_to_allow() -> None:
    # "The request is allowed only if both evaluations return a decision of Allow."
    no_bucket_policy = decide(
        principal=CARLOS_A,
        action="s3:PutObject",
        resource="arn:aws:s3:::Production/f",
        resource_account="222222222222",
        identity_policies=[CARLOS_A_IDENTITY],
    )
    assert_implicit(no_bucket_policy, "resource", "resource_policy")
    no_identity = decide(
        principal=CARLOS_A,
        action="s3:PutObject",
        resource="arn:aws:s3:::Production/f",
        resource_account="222222222222",
        resource_policy=PRODUCTION_BUCKET,
    )
    assert_implicit(no_identity, "identity")
    # "He can create and edit, but not delete the objects in the bucket."
    delete = decide(
        principal=CARLOS_A,
        action="s3:DeleteObject",
        resource="arn:aws:s3:::Production/f",
        resource_account="222222222222",
        identity_policies=[CARLOS_A_IDENTITY],
        resource_policy=PRODUCTION_BUCKET,
    )
    assert_implicit(delete, "resource", "resource_policy")


def test_cross_account_requests_are_limited_by_the_callers_boundary() -> None:
    # The trusted account's evaluation "checks the identity-based policy and any policies that can
    # limit an identity-based policy", the permissions boundary among them.
    d = decide(
        principal=CARLOS_A,
        action="s3:PutObject",
        resource="arn:aws:s3:::Production/f",
        resource_account="222222222222",
        identity_policies=[CARLOS_A_IDENTITY],
        resource_policy=PRODUCTION_BUCKET,
        permission_boundary=BOUNDARY_EC2_ONLY,
    )
    assert_implicit(d, "boundary", "permission_boundary")


def test_cross_account_resource_account_comes_from_the_arn_when_it_has_one() -> None:
    other_queue = "arn:aws:sqs:us-east-1:999988887777:shared"
    d = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=other_queue,
        identity_policies=[ROLE_SQS],
        resource_policy=policy(allow("sqs:SendMessage", other_queue, Sid="Partner", Principal={"AWS": ROLE})),
    )
    assert_allowed(d, "identity", "RoleSQS")
    assert_allowed(d, "resource", "Partner")
    alone = decide(
        principal=SESSION,
        action="sqs:SendMessage",
        resource=other_queue,
        resource_policy=policy(allow("sqs:SendMessage", other_queue, Principal={"AWS": SESSION})),
    )
    assert_implicit(alone, "identity")


# -- Permissions boundaries ----------------------------------------------------------------------------

SHIRLEY = "arn:aws:iam::123456789012:user/ShirleyRodriguez"
SHIRLEY_BOUNDARY = policy(
    {"Sid": "S3CwEc2", "Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"}
)


def test_shirley_cannot_create_users_outside_her_boundary() -> None:
    # "If you attach this permissions policy to the ShirleyRodriguez user, and Shirley tries to create a
    # user, the operation fails. It fails because the permissions boundary does not allow the
    # iam:CreateUser operation."
    d = decide(
        principal=SHIRLEY,
        action="iam:CreateUser",
        resource="arn:aws:iam::123456789012:user/new",
        permission_boundary=SHIRLEY_BOUNDARY,
        identity_policies=[policy(allow("iam:CreateUser", Sid="CreateUser"))],
    )
    assert_implicit(d, "boundary", "permission_boundary")


def test_a_boundary_does_not_grant_on_its_own() -> None:
    # "it limits the user's permissions but does not provide permissions on its own ... Given these two
    # policies, Shirley does not have permission to perform any operations in AWS."
    d = decide(
        principal=SHIRLEY,
        action="s3:ListAllMyBuckets",
        permission_boundary=SHIRLEY_BOUNDARY,
        identity_policies=[policy(allow("iam:CreateUser"))],
    )
    assert_implicit(d, "identity")
    ok = decide(
        principal=SHIRLEY,
        action="s3:ListAllMyBuckets",
        permission_boundary=SHIRLEY_BOUNDARY,
        identity_policies=[policy(allow("s3:*", Sid="S3Admin"))],
    )
    assert_allowed(ok, "identity", "S3Admin")
    assert_allowed(ok, "boundary", "S3CwEc2")


XCOMPANY_BOUNDARY = policy(
    {
        "Sid": "ServiceBoundaries",
        "Effect": "Allow",
        "Action": ["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"],
        "Resource": "*",
    },
    {
        "Sid": "AllowIAMConsoleForCredentials",
        "Effect": "Allow",
        "Action": ["iam:ListUsers", "iam:GetAccountPasswordPolicy"],
        "Resource": "*",
    },
    {
        "Sid": "AllowManageOwnPasswordAndAccessKeys",
        "Effect": "Allow",
        "Action": [
            "iam:*AccessKey*",
            "iam:ChangePassword",
            "iam:GetUser",
            "iam:*ServiceSpecificCredential*",
            "iam:*SigningCertificate*",
        ],
        "Resource": ["arn:aws:iam::*:user/${aws:username}"],
    },
    {
        "Sid": "DenyS3Logs",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
    },
    {
        "Sid": "DenyEC2Production",
        "Effect": "Deny",
        "Action": "ec2:*",
        "Resource": "arn:aws:ec2:*:*:instance/i-1234567890abcdef0",
    },
)
NEW_USER = "arn:aws:iam::123456789012:user/nikki"
ADMIN = policy({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})


def test_xcompany_boundary_denies_the_logs_bucket_explicitly() -> None:
    # "The DenyS3Logs statement explicitly denies access to the logs bucket."
    d = decide(
        principal=NEW_USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::logs/2024/01.log",
        identity_policies=[ADMIN],
        permission_boundary=XCOMPANY_BOUNDARY,
    )
    assert_explicit(d, "boundary", "DenyS3Logs")
    ec2 = decide(
        principal=NEW_USER,
        action="ec2:TerminateInstances",
        resource="arn:aws:ec2:us-east-1:123456789012:instance/i-1234567890abcdef0",
        identity_policies=[ADMIN],
        permission_boundary=XCOMPANY_BOUNDARY,
    )
    assert_explicit(ec2, "boundary", "DenyEC2Production")


def test_xcompany_boundary_lets_users_manage_only_their_own_keys() -> None:
    # "The AllowManageOwnPasswordAndAccessKeys statement allows the users manage only their own console
    # password and programmatic access keys" -- through ${aws:username}.
    own = decide(
        principal=NEW_USER,
        action="iam:CreateAccessKey",
        resource=NEW_USER,
        identity_policies=[ADMIN],
        permission_boundary=XCOMPANY_BOUNDARY,
    )
    assert_allowed(own, "boundary", "AllowManageOwnPasswordAndAccessKeys")
    other = decide(
        principal=NEW_USER,
        action="iam:CreateAccessKey",
        resource="arn:aws:iam::123456789012:user/someoneelse",
        identity_policies=[ADMIN],
        permission_boundary=XCOMPANY_BOUNDARY,
    )
    assert_implicit(other, "boundary", "permission_boundary")
    manage = decide(
        principal=NEW_USER,
        action="iam:CreateRole",
        resource="arn:aws:iam::123456789012:role/r",
        identity_policies=[ADMIN],
        permission_boundary=XCOMPANY_BOUNDARY,
    )
    assert_implicit(manage, "boundary", "permission_boundary")


ZHANG = "arn:aws:iam::123456789012:user/Zhang"
DELEGATED_USER_BOUNDARY = policy(
    {
        "Sid": "CreateOrChangeOnlyWithBoundary",
        "Effect": "Allow",
        "Action": [
            "iam:CreateUser",
            "iam:DeleteUserPolicy",
            "iam:AttachUserPolicy",
            "iam:DetachUserPolicy",
            "iam:PutUserPermissionsBoundary",
            "iam:PutUserPolicy",
        ],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/XCompanyBoundaries"}
        },
    },
    {
        "Sid": "CloudWatchAndOtherIAMTasks",
        "Effect": "Allow",
        "Action": [
            "cloudwatch:*",
            "iam:GetUser",
            "iam:ListUsers",
            "iam:DeleteUser",
            "iam:UpdateUser",
            "iam:CreateAccessKey",
            "iam:CreateLoginProfile",
            "iam:GetAccountPasswordPolicy",
        ],
        "NotResource": "arn:aws:iam::123456789012:user/Maria",
    },
    {
        "Sid": "NoBoundaryPolicyEdit",
        "Effect": "Deny",
        "Action": [
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:SetDefaultPolicyVersion",
        ],
        "Resource": [
            "arn:aws:iam::123456789012:policy/XCompanyBoundaries",
            "arn:aws:iam::123456789012:policy/DelegatedUserBoundary",
        ],
    },
    {
        "Sid": "NoBoundaryUserDelete",
        "Effect": "Deny",
        "Action": "iam:DeleteUserPermissionsBoundary",
        "Resource": "*",
    },
)
ZHANG_PERMISSIONS = policy({"Sid": "IAM", "Effect": "Allow", "Action": "iam:*", "Resource": "*"})


def zhang(action: str, resource: str, context: dict[str, Any] | None = None) -> Decision:
    return decide(
        principal=ZHANG,
        action=action,
        resource=resource,
        context=context or {},
        identity_policies=[ZHANG_PERMISSIONS],
        permission_boundary=DELEGATED_USER_BOUNDARY,
    )


def test_zhang_creates_users_only_with_the_xcompany_boundary() -> None:
    # "allows Zhang to create IAM users but only if he uses the XCompanyBoundaries policy to set the
    # permissions boundary"
    ok = zhang(
        "iam:CreateUser",
        NEW_USER,
        {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/XCompanyBoundaries"},
    )
    assert_allowed(ok, "boundary", "CreateOrChangeOnlyWithBoundary")
    assert_allowed(ok, "identity", "IAM")
    assert_implicit(zhang("iam:CreateUser", NEW_USER), "boundary")
    other = zhang(
        "iam:CreateUser", NEW_USER, {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/X"}
    )
    assert_implicit(other, "boundary")


def test_zhang_cannot_touch_maria_or_the_boundary_policies() -> None:
    # NotResource "arn:aws:iam::123456789012:user/Maria": "He has permissions to reset passwords and
    # create access keys for any IAM user not listed".
    assert_allowed(zhang("iam:CreateAccessKey", NEW_USER), "boundary", "CloudWatchAndOtherIAMTasks")
    assert_implicit(zhang("iam:CreateAccessKey", "arn:aws:iam::123456789012:user/Maria"), "boundary")
    # "The NoBoundaryPolicyEdit statement denies Zhang access to update the XCompanyBoundaries policy"
    edit = zhang("iam:CreatePolicyVersion", "arn:aws:iam::123456789012:policy/XCompanyBoundaries")
    assert_explicit(edit, "boundary", "NoBoundaryPolicyEdit")
    # "The NoBoundaryUserDelete statement denies Zhang access to delete the permissions boundary"
    assert_explicit(zhang("iam:DeleteUserPermissionsBoundary", NEW_USER), "boundary", "NoBoundaryUserDelete")


def test_boundary_does_not_reduce_a_resource_policy_grant_to_the_user() -> None:
    # "Within an account, an implicit deny in a permissions boundary does not limit the permissions
    # granted by a resource-based policy. ... the effective permissions are everything that is allowed
    # by the resource-based policy *and* the intersection of the permissions boundary and the
    # identity-based policy."
    bucket = policy(
        allow("s3:GetObject", "arn:aws:s3:::reports/*", Sid="ShirleyReads", Principal={"AWS": SHIRLEY})
    )
    d = decide(
        principal=SHIRLEY,
        action="s3:GetObject",
        resource="arn:aws:s3:::reports/q1.csv",
        resource_policy=bucket,
        permission_boundary=policy(allow("ec2:*")),
    )
    assert_allowed(d, "resource", "ShirleyReads")


def test_scp_boundary_and_identity_must_all_allow() -> None:
    # "the request is allowed only if all three policy types allow it"
    args: dict[str, Any] = {
        "principal": SHIRLEY,
        "action": "ec2:RunInstances",
        "identity_policies": [policy(allow("ec2:*", Sid="EC2"))],
        "permission_boundary": SHIRLEY_BOUNDARY,
    }
    assert_allowed(decide(**args, scps=[[FULL_ACCESS]]), "scp", "FullAWSAccess")
    assert_implicit(decide(**args, scps=[[policy(allow("s3:*"))]]), "scp")


def test_notprincipal_deny_always_denies_a_principal_with_a_boundary() -> None:
    # Boundaries / NotPrincipal: "The NotPrincipal element with a Deny effect will always deny any IAM
    # principal that has a permissions boundary policy attached, regardless of the values specified in
    # the NotPrincipal element."
    bucket = policy(
        {
            "Sid": "AllowShirley",
            "Effect": "Allow",
            "Principal": {"AWS": SHIRLEY},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::reports/*",
        },
        {
            "Sid": "DenyOthers",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": [SHIRLEY, "arn:aws:iam::123456789012:root"]},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::reports/*",
        },
    )
    without = decide(
        principal=SHIRLEY,
        action="s3:GetObject",
        resource="arn:aws:s3:::reports/q1.csv",
        resource_policy=bucket,
    )
    assert_allowed(without, "resource", "AllowShirley")
    with_boundary = decide(
        principal=SHIRLEY,
        action="s3:GetObject",
        resource="arn:aws:s3:::reports/q1.csv",
        resource_policy=bucket,
        permission_boundary=SHIRLEY_BOUNDARY,
    )
    assert_explicit(with_boundary, "resource", "DenyOthers")


# -- NotPrincipal ----------------------------------------------------------------------------------------

BOB = "arn:aws:iam::444455556666:user/Bob"
NOT_BOB = policy(
    {
        "Sid": "AllowAccount",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
    },
    {
        "Sid": "DenyAllButBob",
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ["arn:aws:iam::444455556666:user/Bob", "arn:aws:iam::444455556666:root"]},
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::BUCKETNAME", "arn:aws:s3:::BUCKETNAME/*"],
    },
)
S3_ALL = policy(allow("s3:*", Sid="S3All"))


def test_notprincipal_deny_spares_the_listed_user_and_account() -> None:
    # "all principals except the user named Bob in AWS account 444455556666 are explicitly denied access"
    bob = decide(
        principal=BOB,
        action="s3:GetObject",
        resource="arn:aws:s3:::BUCKETNAME/k",
        resource_account="111122223333",
        identity_policies=[S3_ALL],
        resource_policy=NOT_BOB,
    )
    assert_allowed(bob, "resource", "AllowAccount")
    alice = decide(
        principal="arn:aws:iam::444455556666:user/Alice",
        action="s3:GetObject",
        resource="arn:aws:s3:::BUCKETNAME/k",
        resource_account="111122223333",
        identity_policies=[S3_ALL],
        resource_policy=NOT_BOB,
    )
    assert_explicit(alice, "resource", "DenyAllButBob")
    anonymous = decide(
        principal={"type": "Anonymous"},
        action="s3:GetObject",
        resource="arn:aws:s3:::BUCKETNAME/k",
        resource_account="111122223333",
        resource_policy=NOT_BOB,
    )
    assert_explicit(anonymous, "resource", "DenyAllButBob")


def test_notprincipal_deny_without_the_account_denies_the_user_too() -> None:
    # "If the NotPrincipal element contained only Bob's ARN, the effect of the policy might be to
    # explicitly deny access to the AWS account that contains the user Bob."
    only_bob = policy(
        {
            "Sid": "DenyAllButBob",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": BOB},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::BUCKETNAME/*",
        }
    )
    d = decide(
        principal=BOB,
        action="s3:GetObject",
        resource="arn:aws:s3:::BUCKETNAME/k",
        resource_account="111122223333",
        identity_policies=[S3_ALL],
        resource_policy=only_bob,
    )
    assert_explicit(d, "resource", "DenyAllButBob")


AUDIT_SESSION = "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app"
AUDIT_ROLE = "arn:aws:iam::444455556666:role/cross-account-read-only-role"


def audit_bucket(*not_principals: str) -> dict[str, Any]:
    return policy(
        {
            "Sid": "AllowAudit",
            "Effect": "Allow",
            "Principal": {"AWS": AUDIT_ROLE},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
        },
        {
            "Sid": "DenyAllButAudit",
            "Effect": "Deny",
            "NotPrincipal": {"AWS": list(not_principals)},
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::Bucket_AccountAudit", "arn:aws:s3:::Bucket_AccountAudit/*"],
        },
    )


def audit(principal: str, bucket_policy: dict[str, Any]) -> Decision:
    return decide(
        principal=principal,
        action="s3:GetObject",
        resource="arn:aws:s3:::Bucket_AccountAudit/k",
        resource_account="111122223333",
        identity_policies=[S3_ALL],
        resource_policy=bucket_policy,
    )


def test_notprincipal_deny_must_list_the_session_the_role_and_the_account() -> None:
    # "the NotPrincipal element contains the ARN of the assumed-role user (cross-account-audit-app), the
    # role (cross-account-read-only-role), and the AWS account that the role belongs to"
    full = audit_bucket(AUDIT_SESSION, AUDIT_ROLE, "arn:aws:iam::444455556666:root")
    assert_allowed(audit(AUDIT_SESSION, full), "resource", "AllowAudit")
    # "If the NotPrincipal element was missing the ARN of the role, the effect of the policy might be to
    # explicitly deny access to the role. Similarly, if ... missing the ARN of the AWS account"
    for partial in ((AUDIT_SESSION, "arn:aws:iam::444455556666:root"), (AUDIT_SESSION, AUDIT_ROLE)):
        assert_explicit(audit(AUDIT_SESSION, audit_bucket(*partial)), "resource", "DenyAllButAudit")
    # "Principals must always name a specific session": another session of the same role is denied.
    other = "arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/someone-else"
    assert_explicit(audit(other, full), "resource", "DenyAllButAudit")


# -- Organizations: SCPs ---------------------------------------------------------------------------------

DEV = "arn:aws:sts::111122223333:assumed-role/dev/alice"
DEV_ADMIN = policy({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})


def scp_decide(action: str, levels: list[list[dict[str, Any]]], **extra: Any) -> Decision:
    return decide(principal=DEV, action=action, identity_policies=[DEV_ADMIN], scps=levels, **extra)


def test_scps_must_allow_at_every_level_from_root_to_account() -> None:
    # "to allow an AWS service API at the member account level, you must allow that API at every level
    # between the member account and the root of your organization"
    ok = scp_decide("ec2:RunInstances", [[FULL_ACCESS], [FULL_ACCESS], [FULL_ACCESS]])
    assert_allowed(ok, "scp", "FullAWSAccess")
    assert_allowed(ok, "identity", "Admin")
    missing_at_account = scp_decide(
        "ec2:RunInstances", [[FULL_ACCESS], [FULL_ACCESS], [policy(allow("s3:*", Sid="S3Only"))]]
    )
    assert_implicit(missing_at_account, "scp", "scps[2]")
    missing_at_ou = scp_decide("ec2:RunInstances", [[FULL_ACCESS], [], [FULL_ACCESS]])
    assert_implicit(missing_at_ou, "scp", "scps[1]")


def test_scp_inheritance_is_the_intersection_of_the_levels() -> None:
    # The illustration: the root's SCP allows A, B and C; the OU's allows C, D and E: only C is usable.
    root = policy(allow(["s3:*", "sqs:*", "sns:*"], Sid="RootABC"))
    ou = policy(allow(["sns:*", "ec2:*", "lambda:*"], Sid="OuCDE"))
    assert_allowed(scp_decide("sns:Publish", [[root], [ou]]), "scp", "OuCDE")
    assert_implicit(scp_decide("s3:GetObject", [[root], [ou]]), "scp", "scps[1]")
    assert_implicit(scp_decide("ec2:RunInstances", [[root], [ou]]), "scp", "scps[0]")


def test_an_scp_deny_at_any_level_denies() -> None:
    # "If an action is blocked by a Deny statement, then all OUs and accounts affected by that SCP are
    # denied access to that action. An SCP at a lower level can't add a permission after it is blocked"
    deny_regions = policy(
        deny("*", Sid="DenyOutsideEU", Condition={"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}})
    )
    levels = [[FULL_ACCESS, deny_regions], [FULL_ACCESS], [FULL_ACCESS]]
    d = scp_decide("ec2:RunInstances", levels, context={"aws:RequestedRegion": "us-east-1"})
    assert_explicit(d, "scp", "DenyOutsideEU")
    ok = scp_decide("ec2:RunInstances", levels, context={"aws:RequestedRegion": "eu-west-1"})
    assert_allowed(ok, "scp", "FullAWSAccess")
    deny_at_account = scp_decide(
        "ec2:RunInstances", [[FULL_ACCESS], [FULL_ACCESS], [FULL_ACCESS, policy(deny("ec2:*", Sid="NoEC2"))]]
    )
    assert_explicit(deny_at_account, "scp", "NoEC2")


def test_scps_never_grant() -> None:
    # "SCPs can only filter; they never add permissions."
    d = decide(principal=DEV, action="ec2:RunInstances", scps=[[FULL_ACCESS], [FULL_ACCESS]])
    assert_implicit(d, "identity")


def test_scps_do_not_apply_to_service_principals_or_anonymous_callers() -> None:
    # "SCPs apply to principals of the account where the SCPs are attached" -- IAM users and roles.
    bucket = policy(
        allow(
            "s3:PutObject",
            "arn:aws:s3:::logs/*",
            Sid="CloudTrailWrites",
            Principal={"Service": "cloudtrail.amazonaws.com"},
        )
    )
    d = decide(
        principal="cloudtrail.amazonaws.com",
        action="s3:PutObject",
        resource="arn:aws:s3:::logs/x",
        resource_policy=bucket,
        scps=[[policy(allow("ec2:*"))]],
    )
    assert_allowed(d, "resource", "CloudTrailWrites")


# -- Organizations: RCPs ---------------------------------------------------------------------------------

RCP_DENY_EXTERNAL = policy(
    {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1234567"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }
)
EXTERNAL = "arn:aws:iam::999999999999:user/external"


def external_get(
    rcps: list[list[dict[str, Any]]], context: dict[str, Any] | None = None, action: str = "s3:GetObject"
) -> Decision:
    bucket = policy(allow("s3:*", "*", Sid="Partner", Principal={"AWS": EXTERNAL}))
    return decide(
        principal=EXTERNAL,
        action=action,
        resource="arn:aws:s3:::data/k",
        resource_account="111122223333",
        identity_policies=[S3_ALL],
        resource_policy=bucket,
        rcps=rcps,
        context=context or {},
    )


def test_rcp_deny_blocks_external_principals_at_any_level() -> None:
    # RCP evaluation: "For a permission to be denied for a resource in a specific account, any RCP from
    # the root through each OU in the direct path to the account ... can have a Deny statement"
    levels = [[RCP_FULL_ACCESS], [RCP_FULL_ACCESS, RCP_DENY_EXTERNAL], [RCP_FULL_ACCESS]]
    assert_explicit(external_get(levels), "rcp", "EnforceOrgIdentities")
    inside = external_get(levels, {"aws:PrincipalOrgID": "o-1234567"})
    assert_allowed(inside, "rcp", "RCPFullAWSAccess")
    assert_allowed(inside, "resource", "Partner")


def test_rcps_must_allow_at_every_level() -> None:
    # denyallow, RCPs: "If the enforcement code does not find any applicable Allow statements in the RCPs,
    # then the enforcement code returns a final decision of Deny."
    d = external_get([[RCP_FULL_ACCESS], []], {"aws:PrincipalOrgID": "o-1234567"})
    assert_implicit(d, "rcp", "rcps[1]")


def test_rcps_apply_only_to_services_that_support_them() -> None:
    # RCPs apply to the services on the "List of AWS services that support RCPs"; EC2 is not one of them.
    d = decide(
        principal=DEV,
        action="ec2:RunInstances",
        identity_policies=[DEV_ADMIN],
        rcps=[[policy(deny("*", Sid="DenyAll", Principal="*"))]],
    )
    assert_allowed(d, "identity", "Admin")
    s3 = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[DEV_ADMIN],
        rcps=[[policy(deny("*", Sid="DenyAll", Principal="*"))]],
    )
    assert_explicit(s3, "rcp", "DenyAll")


# -- NotAction and NotResource ---------------------------------------------------------------------------


def test_notaction_with_allow_grants_everything_else() -> None:
    # NotAction: "allows users to access all of the actions in every AWS service that can be used,
    # except for actions that begin with the string iam".
    everything_but_iam = policy({"Sid": "NotIAM", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert_allowed(
        decide(
            principal=USER,
            action="s3:GetObject",
            resource="arn:aws:s3:::b/k",
            identity_policies=[everything_but_iam],
        ),
        "identity",
        "NotIAM",
    )
    assert_implicit(
        decide(principal=USER, action="iam:CreateUser", identity_policies=[everything_but_iam]), "identity"
    )


def test_notaction_with_allow_is_limited_to_the_resources_named() -> None:
    # NotAction: '"NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"' allows every S3 action
    # but DeleteBucket; actions of other services cannot match an S3 resource.
    st = policy(
        {"Sid": "S3NoDelete", "Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}
    )
    assert_allowed(
        decide(principal=USER, action="s3:CreateBucket", resource="arn:aws:s3:::b", identity_policies=[st]),
        "identity",
        "S3NoDelete",
    )
    assert_implicit(
        decide(principal=USER, action="s3:DeleteBucket", resource="arn:aws:s3:::b", identity_policies=[st]),
        "identity",
    )
    assert_implicit(
        decide(principal=USER, action="iam:CreateUser", resource=USER, identity_policies=[st]), "identity"
    )


def test_notaction_with_deny_requires_mfa_for_everything_but_iam() -> None:
    # NotAction example: deny all actions except IAM ones unless the user signed in with MFA.
    policy_doc = policy(
        {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Sid": "DenyAllUsersNotUsingMFA",
            "Effect": "Deny",
            "NotAction": "iam:*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    )
    no_mfa = decide(
        principal=USER,
        action="s3:ListAllMyBuckets",
        identity_policies=[policy_doc],
        context={"aws:MultiFactorAuthPresent": False},
    )
    assert_explicit(no_mfa, "identity", "DenyAllUsersNotUsingMFA")
    # BoolIfExists: a request without the key (long-term access keys) is denied too.
    keys = decide(principal=USER, action="s3:ListAllMyBuckets", identity_policies=[policy_doc])
    assert_explicit(keys, "identity", "DenyAllUsersNotUsingMFA")
    with_mfa = decide(
        principal=USER,
        action="s3:ListAllMyBuckets",
        identity_policies=[policy_doc],
        context={"aws:MultiFactorAuthPresent": True},
    )
    assert_allowed(with_mfa, "identity", "Admin")
    iam = decide(principal=USER, action="iam:ListMFADevices", identity_policies=[policy_doc])
    assert_allowed(iam, "identity", "Admin")


PAYROLL = ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"]


def test_notresource_with_allow_grants_all_but_the_listed_resources() -> None:
    # NotResource: allow all S3 actions on every resource except the Payroll folder.
    st = policy({"Sid": "AllButPayroll", "Effect": "Allow", "Action": "s3:*", "NotResource": PAYROLL})
    assert_allowed(
        decide(
            principal=USER,
            action="s3:GetObject",
            resource="arn:aws:s3:::HRBucket/Benefits/x",
            identity_policies=[st],
        ),
        "identity",
        "AllButPayroll",
    )
    assert_implicit(
        decide(
            principal=USER,
            action="s3:GetObject",
            resource="arn:aws:s3:::HRBucket/Payroll/x",
            identity_policies=[st],
        ),
        "identity",
    )


def test_notresource_with_deny_denies_everything_but_the_listed_resources() -> None:
    # NotResource with Deny: "explicitly denies access to all resources except" those listed.
    st = policy(
        allow("s3:*", Sid="S3"),
        {"Sid": "OnlyPayroll", "Effect": "Deny", "Action": "s3:*", "NotResource": PAYROLL},
    )
    assert_allowed(
        decide(
            principal=USER,
            action="s3:GetObject",
            resource="arn:aws:s3:::HRBucket/Payroll/x",
            identity_policies=[st],
        ),
        "identity",
        "S3",
    )
    assert_explicit(
        decide(
            principal=USER,
            action="s3:GetObject",
            resource="arn:aws:s3:::HRBucket/Other/x",
            identity_policies=[st],
        ),
        "identity",
        "OnlyPayroll",
    )


# -- Role trust policies and KMS key policies ---------------------------------------------------------------

TARGET_ROLE = "arn:aws:iam::111122223333:role/deployer"
CALLER = "arn:aws:iam::111122223333:user/alice"
ASSUME = policy(allow("sts:AssumeRole", TARGET_ROLE, Sid="AssumeDeployer"))


def trust(principal: str) -> dict[str, Any]:
    return policy(
        {"Sid": "Trust", "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    )


def test_assume_role_same_account_trusting_the_account_needs_an_identity_policy() -> None:
    # STS AssumeRole: "To allow a user to assume a role in the same account, you can do either of the
    # following: Attach a policy to the user that allows the user to call AssumeRole (as long as the
    # role's trust policy trusts the account). Add the user as a principal directly in the role's trust
    # policy."
    root_trust = trust("arn:aws:iam::111122223333:root")
    d = decide(
        principal=CALLER,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        resource_policy=root_trust,
        identity_policies=[ASSUME],
    )
    assert_allowed(d, "identity", "AssumeDeployer")
    assert_allowed(d, "resource", "Trust")
    assert_implicit(
        decide(principal=CALLER, action="sts:AssumeRole", resource=TARGET_ROLE, resource_policy=root_trust),
        "identity",
    )


def test_assume_role_trusting_the_user_directly_needs_no_identity_policy() -> None:
    d = decide(principal=CALLER, action="sts:AssumeRole", resource=TARGET_ROLE, resource_policy=trust(CALLER))
    assert_allowed(d, "resource", "Trust")


def test_assume_role_always_needs_the_trust_policy() -> None:
    # "IAM role trust policies and KMS key policies are exceptions to this logic, because they must
    # explicitly allow access for principals."
    no_trust = decide(
        principal=CALLER, action="sts:AssumeRole", resource=TARGET_ROLE, identity_policies=[ASSUME]
    )
    assert_implicit(no_trust, "resource", "resource_policy")
    other = decide(
        principal=CALLER,
        action="sts:AssumeRole",
        resource=TARGET_ROLE,
        identity_policies=[ASSUME],
        resource_policy=trust("arn:aws:iam::111122223333:user/bob"),
    )
    assert_implicit(other, "resource", "resource_policy")


def test_assume_role_across_accounts_needs_both_sides() -> None:
    caller = "arn:aws:iam::444455556666:user/alice"
    allowed = policy(allow("sts:AssumeRole", TARGET_ROLE, Sid="AssumeDeployer"))
    for trusted in ("arn:aws:iam::444455556666:root", caller):
        assert_implicit(
            decide(
                principal=caller,
                action="sts:AssumeRole",
                resource=TARGET_ROLE,
                resource_policy=trust(trusted),
            ),
            "identity",
        )
        d = decide(
            principal=caller,
            action="sts:AssumeRole",
            resource=TARGET_ROLE,
            resource_policy=trust(trusted),
            identity_policies=[allowed],
        )
        assert_allowed(d, "resource", "Trust")
        assert_allowed(d, "identity", "AssumeDeployer")


KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DEFAULT_KEY_POLICY = policy(
    {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
)


def test_default_key_policy_delegates_to_iam_policies() -> None:
    # KMS, default key policy: "Allows access to the AWS account and enables IAM policies ... IAM
    # policies by themselves are not sufficient to allow access to a KMS key, ... the key policy must
    # also allow".
    encrypt = policy(allow("kms:Encrypt", KEY, Sid="UseKey"))
    d = decide(
        principal=SESSION,
        action="kms:Encrypt",
        resource=KEY,
        resource_policy=DEFAULT_KEY_POLICY,
        identity_policies=[encrypt],
    )
    assert_allowed(d, "identity", "UseKey")
    assert_allowed(d, "resource", "Enable IAM User Permissions")
    assert_implicit(
        decide(principal=SESSION, action="kms:Encrypt", resource=KEY, resource_policy=DEFAULT_KEY_POLICY),
        "identity",
    )


def test_iam_policies_alone_cannot_use_a_kms_key() -> None:
    # "Unlike other AWS resource policies, an AWS KMS key policy doesn't automatically give permission
    # to the account or any of its identities" -- without the account in the key policy, IAM policies
    # are ignored.
    encrypt = policy(allow("kms:*", Sid="AllKms"))
    d = decide(principal=SESSION, action="kms:Encrypt", resource=KEY, identity_policies=[encrypt])
    assert_implicit(d, "resource", "resource_policy")
    admins_only = policy(
        {
            "Sid": "KeyAdmins",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/KeyAdmin"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    d2 = decide(
        principal=SESSION,
        action="kms:Encrypt",
        resource=KEY,
        identity_policies=[encrypt],
        resource_policy=admins_only,
    )
    assert_implicit(d2, "resource", "resource_policy")
    # The root user too needs the key policy.
    root = decide(
        principal="arn:aws:iam::111122223333:root",
        action="kms:Encrypt",
        resource=KEY,
        resource_policy=admins_only,
    )
    assert_implicit(root, "resource", "resource_policy")


def test_key_policy_naming_the_role_grants_without_iam_policies() -> None:
    key_users = policy(
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
        }
    )
    d = decide(principal=SESSION, action="kms:Decrypt", resource=KEY, resource_policy=key_users)
    assert_allowed(d, "resource", "Allow use of the key")


# -- VPC endpoint policies --------------------------------------------------------------------------------

ENDPOINT_POLICY = policy(
    {
        "Sid": "Access-to-specific-bucket-only",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": ["arn:aws:s3:::my_secure_bucket", "arn:aws:s3:::my_secure_bucket/*"],
    }
)


def test_endpoint_policy_limits_but_does_not_grant() -> None:
    # "An endpoint policy does not override or replace identity-based policies or resource-based
    # policies" -- both it and the other policies must allow.
    ok = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::my_secure_bucket/k",
        identity_policies=[DEV_ADMIN],
        endpoint_policy=ENDPOINT_POLICY,
    )
    assert_allowed(ok, "identity", "Admin")
    other_bucket = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::other/k",
        identity_policies=[DEV_ADMIN],
        endpoint_policy=ENDPOINT_POLICY,
    )
    assert_implicit(other_bucket, "endpoint", "endpoint_policy")
    alone = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::my_secure_bucket/k",
        endpoint_policy=ENDPOINT_POLICY,
    )
    assert_implicit(alone, "identity")


def test_endpoint_policy_deny_denies() -> None:
    ep = policy(
        {"Sid": "AllowAll", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:Delete*", "Resource": "*"},
    )
    d = decide(
        principal=DEV,
        action="s3:DeleteObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[DEV_ADMIN],
        endpoint_policy=ep,
    )
    assert_explicit(d, "endpoint", "NoDeletes")


def test_endpoint_policy_principal_is_matched() -> None:
    ep = policy(
        {
            "Sid": "OnlyDev",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/dev"},
            "Action": "*",
            "Resource": "*",
        }
    )
    ok = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[DEV_ADMIN],
        endpoint_policy=ep,
    )
    assert_allowed(ok, "identity", "Admin")
    other = decide(
        principal=USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[DEV_ADMIN],
        endpoint_policy=ep,
    )
    assert_implicit(other, "endpoint")


# -- Anonymous access ---------------------------------------------------------------------------------------

PUBLIC_READ = policy(
    {
        "Sid": "PublicRead",
        "Effect": "Allow",
        "Principal": "*",
        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
        "Resource": ["arn:aws:s3:::amzn-s3-demo-bucket/*"],
    }
)


@pytest.mark.parametrize("principal_element", ["*", {"AWS": "*"}])
def test_anonymous_users_can_read_a_public_bucket(principal_element: Any) -> None:
    # S3 bucket policy examples, "Granting read-only permission to a public anonymous user"; Principal
    # element: "Principal": "*" and {"AWS": "*"} are equivalent and include anonymous users.
    doc = policy({**PUBLIC_READ["Statement"][0], "Principal": principal_element})
    d = decide(
        principal={"type": "Anonymous"},
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/index.html",
        resource_policy=doc,
    )
    assert_allowed(d, "resource", "PublicRead")
    put = decide(
        principal={"type": "Anonymous"},
        action="s3:PutObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/index.html",
        resource_policy=doc,
    )
    assert_implicit(put, "resource")


def test_anonymous_users_are_never_granted_by_identity_policies() -> None:
    d = decide(
        principal={"type": "Anonymous"},
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[DEV_ADMIN],
    )
    assert_implicit(d, "resource")


def test_public_bucket_policy_grants_same_account_principals_without_identity_policies() -> None:
    d = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/k",
        resource_policy=PUBLIC_READ,
    )
    assert_allowed(d, "resource", "PublicRead")
    # Across accounts the caller's own account must allow too.
    cross = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/k",
        resource_account="999988887777",
        resource_policy=PUBLIC_READ,
    )
    assert_implicit(cross, "identity")


# -- Policy variables and versions --------------------------------------------------------------------------

HOME = {
    "Sid": "OwnHome",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
}


def test_username_variable_restricts_users_to_their_own_folder() -> None:
    # Variables: "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*" -- "each user can access
    # only their own folder".
    doc = policy(HOME)
    bob = "arn:aws:iam::111122223333:user/bob"
    own = decide(
        principal=bob,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/home/bob/a.txt",
        identity_policies=[doc],
    )
    assert_allowed(own, "identity", "OwnHome")
    other = decide(
        principal=bob,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/home/alice/a.txt",
        identity_policies=[doc],
    )
    assert_implicit(other, "identity")


def test_username_variable_does_not_exist_for_roles() -> None:
    # aws:username: "This key is not included in the request context for ... IAM roles": the variable
    # has no value and the resource pattern matches nothing.
    doc = policy(HOME)
    d = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/home/dev/a.txt",
        identity_policies=[doc],
    )
    assert_implicit(d, "identity")


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_older_versions_treat_variables_as_literal_text(version: str | None) -> None:
    # Version element: "If you do not include a Version element, the value defaults to 2008-10-17 ...
    # policy variables ... are treated as literal strings".
    doc = policy(HOME, version=version)
    bob = "arn:aws:iam::111122223333:user/bob"
    own = decide(
        principal=bob,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/home/bob/a.txt",
        identity_policies=[doc],
    )
    assert_implicit(own, "identity")
    literal = decide(
        principal=bob,
        action="s3:GetObject",
        resource="arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/a.txt",
        identity_policies=[doc],
    )
    assert_allowed(literal, "identity", "OwnHome")


def test_principal_tag_variable_in_a_condition() -> None:
    # Variables: tags as variables, "${aws:PrincipalTag/team}".
    doc = policy(
        allow(
            "s3:GetObject",
            "*",
            Sid="SameTeam",
            Condition={"StringEquals": {"s3:ExistingObjectTag/team": "${aws:PrincipalTag/team}"}},
        )
    )
    same = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[doc],
        context={"aws:PrincipalTag/team": "ml", "s3:ExistingObjectTag/team": "ml"},
    )
    assert_allowed(same, "identity", "SameTeam")
    other = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        identity_policies=[doc],
        context={"aws:PrincipalTag/team": "ml", "s3:ExistingObjectTag/team": "web"},
    )
    assert_implicit(other, "identity")


# -- Request context derived from the principal ------------------------------------------------------


def test_principal_arn_condition_names_the_role_of_a_session() -> None:
    # aws:PrincipalArn: for a role session "the ARN of the role", not of the session. NotPrincipal's
    # recommended replacement: ArnNotEquals on aws:PrincipalArn.
    bucket = policy(
        allow("s3:*", "arn:aws:s3:::b/*", Sid="Account", Principal={"AWS": "111122223333"}),
        deny(
            "s3:*",
            "arn:aws:s3:::b/*",
            Sid="OnlyDevRole",
            Principal="*",
            Condition={"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/dev"}},
        ),
    )
    ok = decide(
        principal=DEV,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        resource_policy=bucket,
        identity_policies=[DEV_ADMIN],
    )
    assert_allowed(ok, "identity", "Admin")
    other = decide(
        principal=USER,
        action="s3:GetObject",
        resource="arn:aws:s3:::b/k",
        resource_policy=bucket,
        identity_policies=[DEV_ADMIN],
    )
    assert_explicit(other, "resource", "OnlyDevRole")


def test_aws_managed_policies_are_read_with_identity_policies_alone() -> None:
    # AWS managed policies live in the pseudo-account "aws"; reading one is not a cross-account
    # request needing a resource policy (there is none).
    from polp.iam.parse import parse_policy_data
    from polp.iam.principals import RequestPrincipal
    from polp.iam.request import Request

    policy = parse_policy_data(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iam:GetPolicyVersion", "Resource": "arn:aws:iam::aws:policy/*"}
            ],
        }
    )
    caller = RequestPrincipal.parse("arn:aws:iam::111122223333:role/auditor")
    managed = Request(
        caller, "iam:GetPolicyVersion", "arn:aws:iam::aws:policy/ReadOnlyAccess", identity_policies=(policy,)
    )
    assert evaluate(managed).allowed
    other = Request(
        caller,
        "iam:GetPolicyVersion",
        "arn:aws:iam::444455556666:policy/theirs",
        identity_policies=(
            parse_policy_data(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iam:GetPolicyVersion", "Resource": "*"}],
                }
            ),
        ),
    )
    assert not evaluate(other).allowed
