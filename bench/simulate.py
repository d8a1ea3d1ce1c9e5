#!/usr/bin/env python3
"""Benchmark the evaluator: decisions per second on one core, on a realistic synthetic account.

Usage: ``python bench/simulate.py [--requests N] [--repeat R] [--profile]`` from the project root, with
polp's venv active (or ``PYTHONPATH=src``). Prints figures; it is not a test.

The account is generated deterministically (seeded): about 100 customer-managed policies of 3 to 15
statements (ARNs with wildcards, ``NotAction``, ``NotResource``, conditions on ``aws:SourceIp``,
``aws:PrincipalTag``, ``aws:ResourceTag``, ``aws:RequestedRegion`` and MFA, a few ``Deny``
statements), roles and users with 2 to 6 of them attached, a permissions boundary on half the roles,
three levels of SCPs (root, OU, account), and a few resource-based policies (bucket policies, KMS key
policies, role trust policies). Requests mix principals, actions, resources and contexts so that both
allowed and denied decisions come out.

Figures:

* ``evaluate``: policies parsed once, :class:`~polp.iam.request.Request` objects built once, then
  ``evaluate`` timed over the whole batch (best of ``--repeat``). The first pass is timed separately
  (``cold``): it fills the compiled-policy caches.
* ``polp simulate --batch``: the command line's path, for information: the requests as a JSON Lines
  file with their policy documents inline, each line decoded, each distinct document parsed once
  per run, every decision written.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import orjson

from polp.cli.simulate_io import run_batch
from polp.iam.context import RequestContext
from polp.iam.evaluate import evaluate
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_text
from polp.iam.principals import RequestPrincipal
from polp.iam.request import Request

ACCOUNT = "111122223333"
PARTNER = "444455556666"
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"]
TEAMS = ["ml", "data", "web", "platform", "security"]
BUCKETS = [f"{team}-{kind}" for team in TEAMS for kind in ("datasets", "models", "logs", "artifacts")]
TABLES = [f"{team}-{name}" for team in TEAMS for name in ("features", "jobs")]
FUNCTIONS = [f"{team}-{name}" for team in TEAMS for name in ("ingest", "score", "notify")]
ENDPOINTS = [f"{team}-endpoint-{i}" for team in TEAMS for i in range(2)]
KEYS = [f"1234abcd-0000-0000-0000-00000000000{i}" for i in range(4)]

# Actions and the resources they act on: (action, resource kind).
ACTIONS: list[tuple[str, str]] = [
    ("s3:GetObject", "object"),
    ("s3:PutObject", "object"),
    ("s3:DeleteObject", "object"),
    ("s3:ListBucket", "bucket"),
    ("s3:GetBucketPolicy", "bucket"),
    ("s3:PutBucketPolicy", "bucket"),
    ("dynamodb:GetItem", "table"),
    ("dynamodb:PutItem", "table"),
    ("dynamodb:Query", "table"),
    ("dynamodb:DeleteTable", "table"),
    ("lambda:InvokeFunction", "function"),
    ("lambda:UpdateFunctionCode", "function"),
    ("sagemaker:InvokeEndpoint", "endpoint"),
    ("sagemaker:UpdateEndpoint", "endpoint"),
    ("sagemaker:CreateTrainingJob", "training-job"),
    ("ec2:RunInstances", "instance"),
    ("ec2:TerminateInstances", "instance"),
    ("ec2:DescribeInstances", "*"),
    ("ecr:GetAuthorizationToken", "*"),
    ("ecr:BatchGetImage", "repository"),
    ("kms:Decrypt", "key"),
    ("kms:Encrypt", "key"),
    ("iam:PassRole", "role"),
    ("iam:CreateUser", "user"),
    ("iam:GetRole", "role"),
    ("sts:AssumeRole", "role"),
    ("logs:PutLogEvents", "log-group"),
    ("sqs:SendMessage", "queue"),
    ("cloudwatch:PutMetricData", "*"),
    ("organizations:LeaveOrganization", "*"),
]


def resource_arn(rng: random.Random, kind: str, team: str | None = None) -> str:
    team = team or rng.choice(TEAMS)
    region = rng.choice(REGIONS)
    if kind == "object":
        bucket = rng.choice([b for b in BUCKETS if b.startswith(team)] if rng.random() < 0.7 else BUCKETS)
        return (
            f"arn:aws:s3:::{bucket}/{rng.choice(['raw', 'clean', 'out'])}/part-{rng.randrange(100)}.parquet"
        )
    if kind == "bucket":
        return f"arn:aws:s3:::{rng.choice(BUCKETS)}"
    if kind == "table":
        return f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{rng.choice(TABLES)}"
    if kind == "function":
        return f"arn:aws:lambda:{region}:{ACCOUNT}:function:{rng.choice(FUNCTIONS)}"
    if kind == "endpoint":
        return f"arn:aws:sagemaker:{region}:{ACCOUNT}:endpoint/{rng.choice(ENDPOINTS)}"
    if kind == "training-job":
        return f"arn:aws:sagemaker:{region}:{ACCOUNT}:training-job/{team}-job-{rng.randrange(50)}"
    if kind == "instance":
        return f"arn:aws:ec2:{region}:{ACCOUNT}:instance/i-{rng.randrange(16**8):08x}"
    if kind == "repository":
        return f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{team}/{rng.choice(['train', 'serve'])}"
    if kind == "key":
        return f"arn:aws:kms:{region}:{ACCOUNT}:key/{rng.choice(KEYS)}"
    if kind == "role":
        return f"arn:aws:iam::{ACCOUNT}:role/{team}-{rng.choice(['deployer', 'trainer', 'reader'])}"
    if kind == "user":
        return f"arn:aws:iam::{ACCOUNT}:user/{team}-{rng.randrange(20)}"
    if kind == "log-group":
        return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/{team}/{rng.randrange(5)}:log-stream:s"
    if kind == "queue":
        return f"arn:aws:sqs:{region}:{ACCOUNT}:{team}-queue"
    return "*"


def resource_pattern(rng: random.Random, kind: str, team: str) -> str:
    """A Resource pattern of a policy statement for ``kind``: exact, wildcarded or ``*``."""
    roll = rng.random()
    if kind == "*" or roll < 0.12:
        return "*"
    if kind in ("object", "bucket"):
        bucket = f"{team}-{rng.choice(['datasets', 'models', 'logs', 'artifacts', '*'])}"
        return f"arn:aws:s3:::{bucket}/*" if kind == "object" else f"arn:aws:s3:::{bucket}"
    region = "*" if roll < 0.5 else rng.choice(REGIONS)
    account = "*" if roll < 0.3 else ACCOUNT
    names = {
        "table": f"arn:aws:dynamodb:{region}:{account}:table/{team}-*",
        "function": f"arn:aws:lambda:{region}:{account}:function:{team}-*",
        "endpoint": f"arn:aws:sagemaker:{region}:{account}:endpoint/{team}-*",
        "training-job": f"arn:aws:sagemaker:{region}:{account}:training-job/{team}-*",
        "instance": f"arn:aws:ec2:{region}:{account}:instance/*",
        "repository": f"arn:aws:ecr:{region}:{account}:repository/{team}/*",
        "key": f"arn:aws:kms:{region}:{account}:key/*",
        "role": f"arn:aws:iam::{ACCOUNT}:role/{team}-*",
        "user": f"arn:aws:iam::{ACCOUNT}:user/{team}-*",
        "log-group": f"arn:aws:logs:{region}:{account}:log-group:/aws/{team}/*",
        "queue": f"arn:aws:sqs:{region}:{account}:{team}-*",
    }
    return names[kind]


CONDITIONS: list[dict[str, Any]] = [
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}},
    {"StringEquals": {"aws:PrincipalTag/team": "${aws:ResourceTag/team}"}},
    {"StringEquals": {"aws:ResourceTag/env": ["dev", "staging"]}},
    {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"StringLike": {"aws:PrincipalTag/cost-center": "cc-*"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env", "owner"]}},
]
DENY_STATEMENTS: list[dict[str, Any]] = [
    {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::*-logs", "arn:aws:s3:::*-logs/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    },
    {
        "Effect": "Deny",
        "Action": ["s3:DeleteObject", "s3:PutBucketPolicy"],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    },
    {"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"},
    {
        "Effect": "Deny",
        "NotAction": ["iam:Get*", "iam:List*", "sts:*"],
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}},
    },
]


def statement(rng: random.Random, team: str, index: int) -> dict[str, Any]:
    if rng.random() < 0.07:
        return dict(rng.choice(DENY_STATEMENTS), Sid=f"Deny{index}")
    action, kind = rng.choice(ACTIONS)
    service = action.split(":")[0]
    out: dict[str, Any] = {"Sid": f"S{index}", "Effect": "Allow"}
    roll = rng.random()
    if roll < 0.06:
        out["NotAction"] = [f"{service}:Delete*", "iam:*"]
    elif roll < 0.3:
        out["Action"] = [f"{service}:{rng.choice(['Get*', 'List*', 'Describe*', 'Put*', '*'])}", action]
    else:
        out["Action"] = sorted({action, rng.choice(ACTIONS)[0] if rng.random() < 0.5 else action})
    if rng.random() < 0.05:
        out["NotResource"] = [resource_pattern(rng, kind, team)]
    else:
        out["Resource"] = sorted({resource_pattern(rng, kind, team) for _ in range(rng.randint(1, 3))})
    if rng.random() < 0.35:
        condition: dict[str, Any] = {}
        for _ in range(rng.randint(1, 2)):
            condition.update(rng.choice(CONDITIONS))
        out["Condition"] = condition
    return out


def document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def build_account(rng: random.Random) -> dict[str, Any]:
    policies = []
    for i in range(100):
        team = TEAMS[i % len(TEAMS)]
        policies.append(document([statement(rng, team, j) for j in range(rng.randint(3, 15))]))
    boundaries = [
        document(
            [
                {
                    "Sid": "Services",
                    "Effect": "Allow",
                    "Action": [
                        "s3:*",
                        "dynamodb:*",
                        "lambda:*",
                        "sagemaker:*",
                        "ecr:*",
                        "logs:*",
                        "kms:*",
                        "sqs:*",
                        "cloudwatch:*",
                        "ec2:Describe*",
                        "sts:AssumeRole",
                        "iam:PassRole",
                        "iam:GetRole",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "NoIAMWrite",
                    "Effect": "Deny",
                    "Action": ["iam:Create*", "iam:Put*", "iam:Attach*"],
                    "Resource": "*",
                },
            ]
        ),
        document(
            [
                {
                    "Sid": "TeamData",
                    "Effect": "Allow",
                    "NotAction": ["iam:*", "organizations:*"],
                    "Resource": "*",
                    "Condition": {
                        "StringEqualsIfExists": {
                            "aws:RequestedRegion": ["eu-west-1", "eu-central-1", "us-east-1"]
                        }
                    },
                }
            ]
        ),
    ]
    full = {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}
    scps = [
        [
            document([full]),
            document(
                [
                    {
                        "Sid": "DenyLeave",
                        "Effect": "Deny",
                        "Action": "organizations:LeaveOrganization",
                        "Resource": "*",
                    },
                    {
                        "Sid": "RegionLock",
                        "Effect": "Deny",
                        "NotAction": ["iam:*", "sts:*", "organizations:*", "cloudwatch:*"],
                        "Resource": "*",
                        "Condition": {
                            "StringNotEquals": {
                                "aws:RequestedRegion": ["us-east-1", "eu-west-1", "eu-central-1"]
                            }
                        },
                    },
                ]
            ),
        ],
        [
            document([full]),
            document(
                [
                    {
                        "Sid": "ProtectRoles",
                        "Effect": "Deny",
                        "Action": ["iam:CreateUser", "iam:DeleteRole*"],
                        "Resource": "*",
                        "Condition": {
                            "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/platform-*"}
                        },
                    }
                ]
            ),
        ],
        [
            document(
                [
                    {
                        "Sid": "AllowList",
                        "Effect": "Allow",
                        "Action": [
                            "s3:*",
                            "dynamodb:*",
                            "lambda:*",
                            "sagemaker:*",
                            "ec2:*",
                            "ecr:*",
                            "kms:*",
                            "iam:*",
                            "sts:*",
                            "logs:*",
                            "sqs:*",
                            "cloudwatch:*",
                        ],
                        "Resource": "*",
                    }
                ]
            )
        ],
    ]
    principals = []
    for i in range(40):
        team = TEAMS[i % len(TEAMS)]
        attached = rng.sample(range(len(policies)), rng.randint(2, 6))
        principals.append(
            {
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{team}-role-{i}/session-{i}",
                "role": f"arn:aws:iam::{ACCOUNT}:role/{team}-role-{i}",
                "team": team,
                "policies": attached,
                "boundary": rng.randrange(len(boundaries)) if i % 2 == 0 else None,
            }
        )
    for i in range(20):
        team = TEAMS[i % len(TEAMS)]
        principals.append(
            {
                "arn": f"arn:aws:iam::{ACCOUNT}:user/{team}-{i}",
                "role": None,
                "team": team,
                "policies": rng.sample(range(len(policies)), rng.randint(2, 5)),
                "boundary": None,
            }
        )
    bucket_policies = {
        bucket: document(
            [
                {
                    "Sid": "TLS",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
                {
                    "Sid": "TeamRoles",
                    "Effect": "Allow",
                    "Principal": {
                        "AWS": [
                            p["role"] for p in principals if p["role"] and p["team"] == bucket.split("-")[0]
                        ]
                    },
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                },
                {
                    "Sid": "Partner",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/out/*",
                },
            ]
        )
        for bucket in BUCKETS
        if rng.random() < 0.5
    }
    key_policy = document(
        [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    )
    trust = document(
        [
            {
                "Sid": "Trust",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ]
    )
    return {
        "policies": policies,
        "boundaries": boundaries,
        "scps": scps,
        "principals": principals,
        "bucket_policies": bucket_policies,
        "key_policy": key_policy,
        "trust": trust,
    }


def build_requests(rng: random.Random, account: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Requests as JSON objects (``polp simulate``'s format), with the documents inline."""
    requests = []
    for _ in range(count):
        p = rng.choice(account["principals"])
        action, kind = rng.choice(ACTIONS)
        resource = resource_arn(rng, kind, p["team"] if rng.random() < 0.6 else None)
        context: dict[str, Any] = {
            "aws:SourceIp": rng.choice(["203.0.113.7", "198.51.100.20", "192.0.2.1", "10.1.2.3"]),
            "aws:RequestedRegion": [*resource.split(":"), "", "", ""][3] or rng.choice(REGIONS),
            "aws:SecureTransport": rng.random() < 0.95,
            "aws:PrincipalTag/team": p["team"],
            "aws:ResourceTag/team": rng.choice(TEAMS),
            "aws:ResourceTag/env": rng.choice(["dev", "staging", "prod"]),
        }
        if rng.random() < 0.5:
            context["aws:MultiFactorAuthPresent"] = rng.random() < 0.7
            context["aws:MultiFactorAuthAge"] = rng.randrange(7200)
        if rng.random() < 0.3:
            context["aws:PrincipalTag/cost-center"] = f"cc-{rng.randrange(100)}"
        request: dict[str, Any] = {
            "principal": p["arn"],
            "action": action,
            "resource": resource,
            "context": context,
            "identity_policies": [account["policies"][i] for i in p["policies"]],
            "scps": account["scps"],
        }
        if p["boundary"] is not None:
            request["permission_boundary"] = account["boundaries"][p["boundary"]]
        if kind in ("object", "bucket"):
            bucket = resource.split(":::", 1)[1].split("/", 1)[0]
            if bucket in account["bucket_policies"]:
                request["resource_policy"] = account["bucket_policies"][bucket]
            request["resource_account"] = ACCOUNT
        elif kind == "key":
            request["resource_policy"] = account["key_policy"]
        elif action == "sts:AssumeRole":
            request["resource_policy"] = account["trust"]
        requests.append(request)
    return requests


def parse_once(account: dict[str, Any], requests: list[dict[str, Any]], share: bool = True) -> list[Request]:
    """Parse every distinct document once (as text, the way files are read) and build Request objects.

    With ``share``, the requests of one principal share its tuple of policies and all share the tuple
    of SCP levels, as a caller that builds requests from an inventory does; without, every request
    gets tuples of its own (the policies are the same objects either way).
    """
    parsed: dict[int, Policy] = {}
    tuples: dict[tuple[int, ...], tuple[Any, ...]] = {}

    def policy(doc: dict[str, Any]) -> Policy:
        found = parsed.get(id(doc))
        if found is None:
            found = parsed[id(doc)] = parse_policy_text(json.dumps(doc), f"doc{len(parsed)}.json")
        return found

    def policies(docs: list[dict[str, Any]]) -> tuple[Policy, ...]:
        built = tuple(policy(d) for d in docs)
        return tuples.setdefault(tuple(map(id, docs)), built) if share else built

    def levels(docs: list[list[dict[str, Any]]]) -> tuple[tuple[Policy, ...], ...]:
        built = tuple(policies(level) for level in docs)
        return tuples.setdefault((id(docs),), built) if share else built

    return [
        Request(
            principal=RequestPrincipal.parse(r["principal"]),
            action=r["action"],
            resource=r["resource"],
            resource_account=r.get("resource_account"),
            context=RequestContext(r["context"]),
            identity_policies=policies(r["identity_policies"]),
            resource_policy=policy(r["resource_policy"]) if "resource_policy" in r else None,
            permission_boundary=policy(r["permission_boundary"]) if "permission_boundary" in r else None,
            scps=levels(r["scps"]),
        )
        for r in requests
    ]


def timed(fn: Any) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call of ``fn``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def best_of(repeat: int, fn: Any) -> tuple[float, float]:
    runs = [timed(fn) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the warm evaluate loop")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    account = build_account(rng)
    raw = build_requests(rng, account, args.requests)
    statements = sum(len(d["Statement"]) for d in account["policies"])
    print(
        f"account: {len(account['policies'])} policies ({statements} statements), "
        f"{len(account['principals'])} principals, {len(account['boundaries'])} boundaries, "
        f"{len(account['scps'])} SCP levels, {len(account['bucket_policies'])} bucket policies"
    )

    t_parse = time.perf_counter()
    requests = parse_once(account, raw)
    t_parse = time.perf_counter() - t_parse
    fresh = parse_once(account, raw, share=False)
    print(f"parse once + build {len(requests)} Request objects: {t_parse * 1000:.0f} ms")

    decisions: list[str] = []
    cold, _ = timed(lambda: decisions.extend(evaluate(r).decision for r in requests))
    counts = Counter(decisions)
    print("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    assert [evaluate(r).decision for r in fresh] == decisions

    def run() -> None:
        for r in requests:
            evaluate(r)

    def run_fresh() -> None:
        for r in fresh:
            evaluate(r)

    n = len(requests)
    print(f"evaluate, cold (first pass, fills the caches): {n / cold:,.0f} decisions/s")
    for name, fn in (("shared policy tuples", run), ("a tuple per request", run_fresh)):
        wall, cpu = best_of(args.repeat, fn)
        print(
            f"evaluate, warm, {name} (best of {args.repeat}): {n / cpu:,.0f} decisions/s of CPU "
            f"({cpu / n * 1e6:.2f} µs), {n / wall:,.0f} decisions/s of wall time"
        )

    # The command line's path: a JSON Lines file read, each line decoded, its documents parsed
    # (each distinct document once per run), decided and written.
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "requests.jsonl"
        batch.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in raw))
        written = str(Path(tmp) / "decisions.jsonl")
        wall, cpu = best_of(max(1, args.repeat // 3), lambda: run_batch(str(batch), written))
    print(
        f"polp simulate --batch ({n} requests as JSON Lines, read, decided and written): "
        f"{n / cpu:,.0f} decisions/s of CPU"
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            run()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(18)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
