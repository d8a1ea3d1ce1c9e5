"""The shortcuts of the grant rules against the straightforward per-set computations.

The rules work out what they can once per policy and skip, in a bounded set, the actions its boundary
does not name. On random accounts (shared managed policies, Deny statements, boundaries, a policy
attached twice) every answer must be the one asking each policy set about every action gives.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from rule_kit import allow, deny, doc, load_corpus, managed, role, user

from polp.audit.engine import build_subjects
from polp.checks.interface import Subject
from polp.checks.rules import data_access, destruction, fragmentation, resource_exposure
from polp.checks.rules import wildcard_resource as wild002
from polp.checks.rules import wildcard_service as wild001
from polp.checks.rules._asking import granted, grants_of, is_effective_admin, mentioned, statement_key
from polp.checks.rules._scoping import Scope, grant_scope
from polp.iam.catalog import get_catalog
from polp.iam.effective import Grant, PolicySet, SourcedPolicy
from polp.iam.model import Statement
from polp.inventory import Inventory, PrincipalRecord

_ACTIONS = [
    "*",
    "s3:*",
    "kms:*",
    "iam:*",
    "ec2:*",
    "sagemaker:*",
    "s3:Get*",
    "s3:GetObject",
    "s3:PutObject",
    "s3:PutBucketPolicy",
    "s3:DeleteBucket",
    "dynamodb:*",
    "dynamodb:GetItem",
    "rds:DeleteDBSnapshot",
    "ecr:PutImage",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateEndpoint",
    "lambda:UpdateFunctionCode",
    "secretsmanager:GetSecretValue",
    "sqs:SendMessage",
    "kms:Decrypt",
    "*:Get*",
]
_RESOURCES = [
    "*",
    "*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::ml-*",
    "arn:aws:rds:*:*:snapshot:prod-*",
    "arn:aws:dynamodb:*:*:table/*",
    "arn:aws:kms:*:111122223333:key/abc",
]


def _identity_allows(permissions: PolicySet) -> Iterator[tuple[SourcedPolicy, Statement]]:
    """Every identity-policy Allow statement of the set, policy by policy (the references' walk)."""
    for sourced in permissions.policies:
        for statement in sourced.policy.statements:
            if wild001.is_identity_allow(statement):
                yield sourced, statement


def _statement(rng: random.Random, allow_only: bool = False) -> dict[str, Any]:
    actions = rng.sample(_ACTIONS, rng.randint(1, 3))
    resources = rng.sample(_RESOURCES, rng.randint(1, 2))
    make = allow if allow_only or rng.random() < 0.85 else deny
    found = make(actions, resources)
    if rng.random() < 0.1:
        found["Condition"] = {"StringEquals": {"aws:ResourceTag/team": "a"}}
    if rng.random() < 0.05 and make is allow:
        del found["Action"]
        found["NotAction"] = rng.choice(["iam:*", "s3:*"])
    return found


def _inventory(seed: int) -> Inventory:
    rng = random.Random(seed)
    shared = [managed(doc(*(_statement(rng) for _ in range(rng.randint(1, 3)))), f"m{i}") for i in range(6)]
    principals: list[PrincipalRecord] = []
    for i in range(30):
        inline = [doc(*(_statement(rng) for _ in range(rng.randint(1, 3)))) for _ in range(rng.randint(0, 2))]
        attached = rng.sample(shared, rng.randint(0, 3))
        if rng.random() < 0.1 and attached:
            attached.append(attached[0])  # the same reference twice: not separable
        boundary = (
            doc(*(_statement(rng, allow_only=True) for _ in range(rng.randint(1, 2))))
            if rng.random() < 0.3
            else None
        )
        make = role if i % 3 else user
        principals.append(make(f"p{i}", *inline, *attached, boundary=boundary))
    return Inventory(principals=tuple(principals), policies=tuple(shared))


def _sets(subjects: list[Subject]) -> list[PolicySet]:
    return list({id(s.permissions): s.permissions for s in subjects}.values())


@pytest.fixture(scope="module", params=[*range(12), "corpus"])
def policy_sets(request: pytest.FixtureRequest) -> list[PolicySet]:
    inventory = load_corpus() if request.param == "corpus" else _inventory(request.param)
    return _sets(build_subjects(inventory))


def _wildcards_reference(permissions: PolicySet) -> list[wild001.Wildcard]:
    found: list[wild001.Wildcard] = []
    catalog = get_catalog()
    for sourced, statement in _identity_allows(permissions):
        assert statement.action is not None
        patterns = tuple(p for p in statement.action if wild001.covered_services(p))
        if not patterns:
            continue
        every = any(wild001.names_every_service(p) for p in patterns)
        if every and is_effective_admin(permissions):
            continue
        key = wild001.key_of(sourced, statement)
        services: list[str] = []
        grants: list[Grant] = []
        for service in dict.fromkeys(s for p in patterns for s in wild001.covered_services(p)):
            grant = next(
                (
                    g
                    for action in catalog.expand(f"{service}:*")
                    for g in grants_of(permissions, action)
                    if statement_key(g) == key and grant_scope(g) > Scope.NONE
                ),
                None,
            )
            if grant is not None:
                services.append(service)
                grants.append(grant)
        if grants:
            kept = tuple(p for p in patterns if set(wild001.covered_services(p)) & set(services))
            found.append(wild001.Wildcard(kept, tuple(services), every, tuple(grants)))
    return found


def test_service_wildcards_are_the_per_set_answer(policy_sets: list[PolicySet]) -> None:
    for permissions in policy_sets:
        assert wild001._wildcards(permissions) == _wildcards_reference(permissions)


def _writes_reference(permissions: PolicySet) -> list[list[Grant]]:
    if is_effective_admin(permissions):
        return []
    groups: list[list[Grant]] = []
    for sourced, statement in _identity_allows(permissions):
        assert statement.action is not None
        if statement.resource is None or "*" not in statement.resource:
            continue
        if any(wild001.names_every_service(p) for p in statement.action):
            continue
        key = wild001.key_of(sourced, statement)
        found = [
            g
            for a in wild002._actions(statement)
            for g in grants_of(permissions, a)
            if statement_key(g) == key and "*" in g.resources
        ]
        if found:
            groups.append(found)
    return groups


def test_writes_on_any_resource_are_the_per_set_answer(policy_sets: list[PolicySet]) -> None:
    for permissions in policy_sets:
        assert wild002._statement_grants(permissions) == _writes_reference(permissions)


@pytest.mark.parametrize(
    "wanted",
    [
        tuple(data_access.ACTIONS),
        resource_exposure.exposing_actions(),
        tuple(destruction.ACTIONS),
        tuple(a for power in fragmentation.POWERS for a in power.actions),
    ],
)
def test_bounded_sets_are_asked_only_what_the_boundary_names(
    policy_sets: list[PolicySet], wanted: tuple[str, ...]
) -> None:
    for permissions in policy_sets:
        # The same set without the shortcut (PolicySet.boundary_actions): every action composed.
        plain = PolicySet(permissions.policies, permissions.boundary, permissions.scps)
        plain._bounded = None
        assert granted(permissions, wanted) == granted(plain, wanted)


def test_a_boundary_names_every_action_its_set_grants(policy_sets: list[PolicySet]) -> None:
    services = {"s3", "kms", "dynamodb", "rds", "ecr", "sagemaker", "lambda", "secretsmanager", "sqs"}
    for permissions in policy_sets:
        names = permissions.boundary_actions()
        if names is None:
            continue
        assert names >= {a.lower() for a in PolicySet(permissions.boundary).candidate_actions()}
        for action in permissions.candidate_actions():
            if action.partition(":")[0] in services and permissions.grants(action):
                assert action.lower() in names, action


def test_pipeline_powers_are_asked_about_one_power_at_a_time(policy_sets: list[PolicySet]) -> None:
    # The one question splits cleanly only while no action belongs to two powers.
    assert len(set(fragmentation._ACTIONS)) == len(fragmentation._ACTIONS)
    for permissions in policy_sets:
        expected = [
            (power, grants)
            for power in fragmentation.POWERS
            if (grants := tuple(granted(permissions, power.actions)))
        ]
        assert fragmentation._held(permissions) == (
            [] if len(expected) < 2 or is_effective_admin(permissions) else expected
        )


def test_actions_the_rules_ask_about_are_canonical() -> None:
    catalog = get_catalog()
    for action in (
        *data_access.ACTIONS,
        *destruction.ACTIONS,
        *resource_exposure.exposing_actions(),
        *(a for power in fragmentation.POWERS for a in power.actions),
    ):
        info = catalog.action(action)
        assert info is not None and info.full_name == action


def test_mentioned_keeps_every_granted_action(policy_sets: list[PolicySet]) -> None:
    """The rules skip the actions ``mentioned`` leaves out: none of them may be granted."""
    from polp.checks.rules import admin_effective, admin_self_grant, credentials_exposure
    from polp.checks.rules._escalation import _METHOD_ACTIONS

    lists = [
        _METHOD_ACTIONS,
        admin_self_grant._ROUTE_ACTIONS,
        admin_effective.EVERY_SERVICE,
        admin_effective.IAM_CONTROL,
        credentials_exposure.USER_CREDENTIALS,
        *(family.names for family in credentials_exposure.SESSION_FAMILIES),
    ]
    for permissions in policy_sets:
        for wanted in lists:
            kept = set(mentioned(permissions, wanted))
            assert all(a in kept for a in wanted if grants_of(permissions, a))


def test_mentioned_refuses_names_the_catalog_writes_otherwise() -> None:
    permissions = next(p for p in _sets(build_subjects(_inventory(0))) if p.policies)
    with pytest.raises(ValueError, match="iam:CreateAccessKey"):
        mentioned(permissions, ("iam:createaccesskey",))


def test_covered_services_is_every_action_of_the_service() -> None:
    catalog = get_catalog()
    patterns = {"*", "*:*", "s3:*", "S3:*", "kms:*", "iam:*Policy*", "*:Get*", "s?:*", "k*:*", "ec2:?*"}
    inventory = load_corpus()
    for ref in (
        *inventory.policies,
        *(r for p in inventory.principals for r in inventory.identity_policies(p)),
    ):
        if ref.policy is not None:
            for statement in ref.policy.statements:
                patterns.update(statement.action or ())
    for pattern in sorted(patterns):
        names = frozenset(catalog.expand(pattern))
        expected = tuple(
            s
            for s in wild001.SENSITIVE_SERVICES
            if names and all(a in names for a in catalog.expand(f"{s}:*"))
        )
        assert wild001.covered_services(pattern) == expected, pattern


def test_exposing_actions_read_from_the_raw_catalog() -> None:
    catalog = get_catalog()
    for service in catalog.services()[::7]:
        assert catalog.action_levels(service) == tuple(
            (a.full_name, a.access_level, a.supports_resource_level) for a in catalog.actions_of(service)
        )
    expected = {
        a.full_name
        for service in catalog.services()
        for a in catalog.actions_of(service)
        if resource_exposure._exposing(
            a.full_name, a.access_level, a.supports_resource_level, a.service, a.name
        )
    }
    expected.update(resource_exposure.EXTRA_EXPOSING)
    assert resource_exposure.exposing_actions() == tuple(sorted(expected))


@pytest.mark.parametrize(
    ("version", "element", "patterns"),
    [
        ("2012-10-17", "Resource", ["arn:aws:iam::111122223333:role/deploy-*"]),
        ("2012-10-17", "Resource", ["*"]),
        ("2012-10-17", "NotResource", ["arn:aws:iam::111122223333:role/train-?"]),
        ("2012-10-17", "Resource", ["arn:aws:iam::*:role/*-prod", "arn:aws:iam::444455556666:role/*"]),
        ("2012-10-17", "Resource", ["arn:aws:iam::111122223333:role/${aws:username}"]),
        ("2008-10-17", "Resource", ["arn:aws:iam::111122223333:role/${x}"]),
        ("2012-10-17", None, []),
    ],
)
def test_deny_masks_are_the_per_member_matches(
    version: str, element: str | None, patterns: list[str]
) -> None:
    """allowed_among marks the members a Deny statement names with pattern masks: the same members
    matches_resource names one by one (and no mask where a variable makes it depend on the request)."""
    from polp.checks.rules._grants import Pool, _resource_mask
    from polp.iam.context import RequestContext
    from polp.iam.evaluate import compile_policy
    from polp.iam.parse import parse_policy_data

    names = ["deploy-a", "deploy-prod", "train-1", "train-10", "${x}", "alice", "ml-prod"]
    records = [role(name, account=account) for name in names for account in ("111122223333", "444455556666")]
    subjects = build_subjects(Inventory(principals=tuple(records)))
    pool = Pool([s for s in subjects if s.record.kind == "role"])
    statement: dict[str, Any] = {"Effect": "Deny", "Action": "iam:PassRole"}
    if element is not None:
        statement[element] = patterns
    policy = parse_policy_data({"Version": version, "Statement": [statement]})
    (compiled,) = compile_policy(policy).for_action("iam:PassRole")
    mask = _resource_mask(pool, compiled)
    if any("${" in p for p in patterns):
        assert mask is None  # allowed_among asks matches_resource member by member instead
        return
    context = RequestContext({})
    expected = sum(1 << i for i, arn in enumerate(pool.arns) if compiled.matches_resource(arn, context))
    assert expected  # each case names some member
    assert mask == expected


def test_selected_members_are_the_set_bits() -> None:
    from polp.checks.rules._grants import _selected

    rng = random.Random(7)
    items = [f"arn:aws:iam::111122223333:role/r{i}" for i in range(300)]
    for _ in range(200):
        mask = rng.getrandbits(rng.choice([0, 1, 8, 64, 300, 400]))
        expected = [item for i, item in enumerate(items) if mask >> i & 1]
        assert list(_selected(items, mask)) == expected
