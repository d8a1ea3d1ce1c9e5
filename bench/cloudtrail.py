#!/usr/bin/env python3
"""Benchmark the streaming CloudTrail path of ``polp usage`` on about a million realistic records.

Usage: ``python bench/cloudtrail.py [--records N] [--per-file N] [--workers N] [--mix M] [--regenerate]``
from the project root, with polp's venv active (``PYTHONPATH=src`` if polp is not installed).

1. Generates the records once into ``bench/.work/cloudtrail[-uniform]/AWSLogs/...`` (gitignored), as
   CloudTrail delivers them: gzipped ``{"Records": [...]}`` files of 500 records, one tree per account,
   region and day, every record with the fields and sizes CloudTrail gives (about 1.5 kB of JSON).
   The calls are an ML platform's: training and inference roles reading data sets from S3 (data
   events), SageMaker jobs passing execution roles, CI users pushing images, EKS pods with web
   identity, KMS, STS, Secrets Manager, CloudWatch, a few percent denied or throttled.
2. Measures, in the same run, the floor: Python's zlib decompressing every file on one core.
3. Runs the streaming path end to end in a fresh process (discover, read, parse, aggregate on every
   core, map to actions and resources, load the DuckDB store, query it) and measures records per
   second and peak memory (the main process and the largest worker, from ``getrusage``).
4. Prints the figures and the ratio of the end-to-end rate to the zlib floor.

What the cost depends on is how many distinct groups (caller, call, resource, day) the records make,
so the mix is a choice, stated here:

* ``sessions`` (the default): each caller does what its job is, on the resources of the day, as
  CloudTrail shows it on a real platform. Role sessions and access keys last (three sessions per role
  and day); the training role reads the parts of the two versions of the training set in use that
  day (400 parts each, so a part is read again by later epochs and jobs), writes checkpoints; the
  feature pipeline and batch scoring write new objects (keys of their own, about 8% of all records);
  training jobs (twelve a day) are created once and then polled with ``DescribeTrainingJob`` as the
  SDK does; each job instance opens a log stream of its own. About 40% of the records are S3 data
  events, and they make about 0.4 distinct (caller, object, day) groups per event; management events
  repeat, as they do. About 14% of all records are the only one of their group.
* ``uniform``: the version-2 mix, every choice drawn independently for every record (caller, call,
  job name among 5,000, object among 32,000 over every caller and day), so that nearly every S3 event
  and most SageMaker and log calls are a group of their own: 47% of the records are the only one of
  their group, 486,000 usage rows for a million records. Real logs are rarely like this (a job is
  polled many times, a caller keeps to its own data), so it is a worst case, kept to measure one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work" / "cloudtrail"
MIXES = ("sessions", "uniform")
ACCOUNTS = ("111122223333", "444455556666")
REGIONS = ("us-east-1", "eu-west-1")
DAYS = 30

_ROLES = ("sagemaker-training", "sagemaker-inference", "feature-pipeline", "model-deployer", "batch-scoring")
_USERS = ("ci-image-builder", "data-scientist-ana", "data-scientist-bo", "terraform-apply")
_BUCKETS = ("ml-datasets", "ml-models", "ml-artifacts", "feature-store-offline")
_AGENTS = (
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.11.8 "
    "md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.69",
    "aws-sdk-java/2.25.6 Linux/5.10.210 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 "
    "vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/standard",
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2 prompt/off command/s3.cp",
)


def _uniform_identity(rng: random.Random, account: str) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.62:
        role = rng.choice(_ROLES)
        session = (
            f"SageMaker-{rng.randrange(10**6):06d}"
            if rng.random() < 0.5
            else f"botocore-session-{rng.randrange(10**9)}"
        )
        web = (
            {
                "federatedProvider": f"arn:aws:iam::{account}:oidc-provider/oidc.eks.amazonaws.com/id/1",
                "attributes": {},
            }
            if role == "batch-scoring"
            else {}
        )
        return {
            "type": "AssumedRole",
            "principalId": f"AROA{account[:6]}EXAMPLE:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
            "accountId": account,
            "accessKeyId": f"ASIA{rng.randrange(10**12):012d}",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": f"AROA{account[:6]}EXAMPLE",
                    "arn": f"arn:aws:iam::{account}:role/ml/{role}",
                    "accountId": account,
                    "userName": role,
                },
                "webIdFederationData": web,
                "attributes": {"creationDate": "2024-05-01T00:00:00Z", "mfaAuthenticated": "false"},
            },
        }
    if roll < 0.9:
        user = rng.choice(_USERS)
        return {
            "type": "IAMUser",
            "principalId": f"AIDA{account[:8]}USER",
            "arn": f"arn:aws:iam::{account}:user/{user}",
            "accountId": account,
            "accessKeyId": f"AKIA{rng.randrange(10**12):012d}",
            "userName": user,
        }
    if roll < 0.95:
        return {
            "type": "AWSService",
            "invokedBy": rng.choice(("sagemaker.amazonaws.com", "ecs-tasks.amazonaws.com")),
        }
    sub = f"system:serviceaccount:ml:{rng.choice(('scorer', 'trainer'))}"
    return {
        "type": "WebIdentityUser",
        "principalId": f"arn:aws:iam::{account}:oidc-provider/oidc.eks:sts.amazonaws.com:{sub}",
        "userName": sub,
        "identityProvider": f"arn:aws:iam::{account}:oidc-provider/oidc.eks",
    }


Call = tuple[str, str, dict[str, Any] | None, list[Any] | None, str]


def _uniform_call(rng: random.Random, account: str, region: str) -> Call:
    """(eventSource, eventName, requestParameters, resources, category) of one call, every choice
    independent of the caller and of every other call (the ``uniform`` mix)."""
    roll = rng.random()
    bucket = rng.choice(_BUCKETS)
    if roll < 0.45:
        key = f"churn/v{rng.randrange(4)}/train/part-{rng.randrange(2000):05d}.parquet"
        name = rng.choice(("GetObject", "GetObject", "GetObject", "HeadObject", "PutObject", "ListObjectsV2"))
        params: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com"}
        resources = [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "accountId": account}]
        if name != "ListObjectsV2":
            params["key"] = key
            resources.insert(0, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
        else:
            params.update({"list-type": "2", "prefix": "churn/", "delimiter": "/"})
        return "s3.amazonaws.com", name, params, resources, "Data"
    if roll < 0.55:
        key_id = "0e5d0ab6-097e-49d8-99ef-747ce3e5f8f4"
        return (
            "kms.amazonaws.com",
            rng.choice(("Decrypt", "GenerateDataKey")),
            {
                "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{bucket}"},
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            },
            [
                {
                    "accountId": account,
                    "type": "AWS::KMS::Key",
                    "ARN": f"arn:aws:kms:{region}:{account}:key/{key_id}",
                }
            ],
            "Management",
        )
    if roll < 0.63:
        job = f"churn-train-{rng.randrange(5000)}"
        name = rng.choice(
            ("CreateTrainingJob", "DescribeTrainingJob", "DescribeTrainingJob", "ListTrainingJobs")
        )
        params = {"trainingJobName": job}
        if name == "CreateTrainingJob":
            params.update(
                {
                    "roleArn": f"arn:aws:iam::{account}:role/ml/sagemaker-execution",
                    "algorithmSpecification": {
                        "trainingImage": f"{account}.dkr.ecr.{region}.amazonaws.com/churn:1",
                        "trainingInputMode": "File",
                    },
                    "resourceConfig": {
                        "instanceType": "ml.m5.xlarge",
                        "instanceCount": 1,
                        "volumeSizeInGB": 50,
                    },
                    "outputDataConfig": {"s3OutputPath": f"s3://ml-models/churn/{job}"},
                }
            )
        elif name == "ListTrainingJobs":
            params = {"maxResults": 100}
        return "sagemaker.amazonaws.com", name, params, None, "Management"
    if roll < 0.70:
        return (
            "ecr.amazonaws.com",
            rng.choice(("GetAuthorizationToken", "BatchGetImage", "BatchCheckLayerAvailability")),
            {"repositoryName": "churn", "registryId": account},
            None,
            "Management",
        )
    if roll < 0.76:
        return (
            "sts.amazonaws.com",
            rng.choice(("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")),
            {
                "roleArn": f"arn:aws:iam::{account}:role/ml/{rng.choice(_ROLES)}",
                "roleSessionName": "s",
                "durationSeconds": 3600,
            },
            None,
            "Management",
        )
    if roll < 0.82:
        return (
            "logs.amazonaws.com",
            rng.choice(("CreateLogStream", "DescribeLogStreams")),
            {
                "logGroupName": "/aws/sagemaker/TrainingJobs",
                "logStreamName": f"job-{rng.randrange(5000)}/algo-1",
            },
            None,
            "Management",
        )
    if roll < 0.87:
        return (
            "ssm.amazonaws.com",
            "GetParameter",
            {"name": f"/ml/{rng.choice(('feature-flags', 'api-token'))}", "withDecryption": True},
            None,
            "Management",
        )
    if roll < 0.91:
        return (
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            {"secretId": f"arn:aws:secretsmanager:{region}:{account}:secret:ml/db-AbCdEf"},
            None,
            "Management",
        )
    if roll < 0.95:
        return "monitoring.amazonaws.com", "DescribeAlarms", {"alarmNamePrefix": "churn"}, None, "Management"
    if roll < 0.98:
        return (
            "lambda.amazonaws.com",
            rng.choice(("Invoke", "GetFunction20150331v2")),
            {"functionName": f"arn:aws:lambda:{region}:{account}:function:score"},
            None,
            "Data",
        )
    return (
        "ec2.amazonaws.com",
        rng.choice(("DescribeInstances", "DescribeSubnets", "DescribeSecurityGroups")),
        {"filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": "ml"}]}}]}},
        None,
        "Management",
    )


# --- the ``sessions`` mix: who calls what, on which resources, as an ML platform does -------------

_KMS_KEY = "0e5d0ab6-097e-49d8-99ef-747ce3e5f8f4"
#: (kind, name, weight): the callers, with the share of the calls each makes.
_CALLERS: tuple[tuple[str, str, float], ...] = (
    ("role", "sagemaker-training", 0.30),
    ("role", "sagemaker-inference", 0.10),
    ("role", "feature-pipeline", 0.10),
    ("role", "model-deployer", 0.05),
    ("role", "batch-scoring", 0.07),
    ("user", "ci-image-builder", 0.08),
    ("user", "data-scientist-ana", 0.07),
    ("user", "data-scientist-bo", 0.06),
    ("user", "terraform-apply", 0.04),
    ("service", "", 0.05),
    ("web", "", 0.03),
)
#: Parts of one version of the training set; two versions are read on any day.
_PARTS = 400


class _Slice:
    """What one account and region does on one day: the sessions of its roles, the training jobs
    that run and the versions of the data set they read. Seeded by the slice alone, so that every
    file of the slice agrees whichever process writes it."""

    def __init__(self, account: str, region: str, day: str) -> None:
        rng = random.Random(f"{account}/{region}/{day}")
        self.account, self.region, self.day = account, region, day
        stamp = day.replace("-", "")
        self.jobs = [f"churn-train-{stamp}-{n:02d}" for n in range(12)]
        number = int(day[8:])
        self.versions = (number % 4, (number + 1) % 4)
        self.sessions = {
            role: [
                f"SageMaker-{rng.randrange(10**6):06d}"
                if role.startswith("sagemaker")
                else f"botocore-session-{rng.randrange(10**9)}"
                for _ in range(3)
            ]
            for _, role, _ in _CALLERS
            if role in _ROLES
        }
        self.keys = {
            session: f"ASIA{rng.randrange(10**12):012d}"
            for sessions in self.sessions.values()
            for session in sessions
        }

    def identity(self, rng: random.Random, kind: str, name: str) -> dict[str, Any]:
        account = self.account
        if kind == "role":
            session = rng.choice(self.sessions[name])
            web = (
                {
                    "federatedProvider": f"arn:aws:iam::{account}:oidc-provider/oidc.eks.amazonaws.com/id/1",
                    "attributes": {},
                }
                if name == "batch-scoring"
                else {}
            )
            return {
                "type": "AssumedRole",
                "principalId": f"AROA{account[:6]}EXAMPLE:{session}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
                "accountId": account,
                "accessKeyId": self.keys[session],
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": f"AROA{account[:6]}EXAMPLE",
                        "arn": f"arn:aws:iam::{account}:role/ml/{name}",
                        "accountId": account,
                        "userName": name,
                    },
                    "webIdFederationData": web,
                    "attributes": {"creationDate": f"{self.day}T00:00:00Z", "mfaAuthenticated": "false"},
                },
            }
        if kind == "user":
            return {
                "type": "IAMUser",
                "principalId": f"AIDA{account[:8]}USER",
                "arn": f"arn:aws:iam::{account}:user/{name}",
                "accountId": account,
                "accessKeyId": f"AKIA{zlib.crc32(f'{account}/{name}'.encode()):012d}",
                "userName": name,
            }
        if kind == "service":
            return {
                "type": "AWSService",
                "invokedBy": rng.choice(("sagemaker.amazonaws.com", "ecs-tasks.amazonaws.com")),
            }
        sub = f"system:serviceaccount:ml:{rng.choice(('scorer', 'trainer'))}"
        return {
            "type": "WebIdentityUser",
            "principalId": f"arn:aws:iam::{account}:oidc-provider/oidc.eks:sts.amazonaws.com:{sub}",
            "userName": sub,
            "identityProvider": f"arn:aws:iam::{account}:oidc-provider/oidc.eks",
        }

    # calls

    def s3(self, name: str, bucket: str, key: str | None) -> Call:
        params: dict[str, Any] = {"bucketName": bucket, "Host": f"{bucket}.s3.{self.region}.amazonaws.com"}
        resources = [{"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}", "accountId": self.account}]
        if key is None:
            params.update({"list-type": "2", "prefix": "churn/", "delimiter": "/"})
        else:
            params["key"] = key
            resources.insert(0, {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"})
        return "s3.amazonaws.com", name, params, resources, "Data"

    def read_dataset(self, rng: random.Random) -> Call:
        """A part of a version of the training set in use today: read again by each epoch and job."""
        key = f"churn/v{rng.choice(self.versions)}/train/part-{rng.randrange(_PARTS):05d}.parquet"
        return self.s3(rng.choice(("GetObject", "GetObject", "GetObject", "HeadObject")), "ml-datasets", key)

    def write_new(self, rng: random.Random, bucket: str, prefix: str) -> Call:
        """An object written once: a checkpoint, a feature partition, scores (a key of its own)."""
        return self.s3("PutObject", bucket, f"{prefix}/{uuid.UUID(int=rng.getrandbits(128))}.parquet")

    def kms(self, rng: random.Random, bucket: str) -> Call:
        return (
            "kms.amazonaws.com",
            rng.choice(("Decrypt", "Decrypt", "GenerateDataKey")),
            {
                "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{bucket}"},
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            },
            [
                {
                    "accountId": self.account,
                    "type": "AWS::KMS::Key",
                    "ARN": f"arn:aws:kms:{self.region}:{self.account}:key/{_KMS_KEY}",
                }
            ],
            "Management",
        )

    def sagemaker(self, rng: random.Random) -> Call:
        """Training jobs are created once and then polled until they end (what the SDK's wait does)."""
        job = rng.choice(self.jobs)
        name = rng.choices(("CreateTrainingJob", "DescribeTrainingJob", "ListTrainingJobs"), (1, 12, 2))[0]
        params: dict[str, Any] = {"trainingJobName": job}
        if name == "CreateTrainingJob":
            params.update(
                {
                    "roleArn": f"arn:aws:iam::{self.account}:role/ml/sagemaker-execution",
                    "algorithmSpecification": {
                        "trainingImage": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/churn:1",
                        "trainingInputMode": "File",
                    },
                    "resourceConfig": {
                        "instanceType": "ml.m5.xlarge",
                        "instanceCount": 1,
                        "volumeSizeInGB": 50,
                    },
                    "outputDataConfig": {"s3OutputPath": f"s3://ml-models/churn/{job}"},
                }
            )
        elif name == "ListTrainingJobs":
            params = {"maxResults": 100}
        return "sagemaker.amazonaws.com", name, params, None, "Management"

    def logs(self, rng: random.Random) -> Call:
        job = rng.choice(self.jobs)
        if rng.random() < 0.3:  # each instance of a job opens a stream named after the job and a time
            params = {
                "logGroupName": "/aws/sagemaker/TrainingJobs",
                "logStreamName": f"{job}/algo-1-{rng.randrange(10**10)}",
            }
            return "logs.amazonaws.com", "CreateLogStream", params, None, "Management"
        params = {"logGroupName": "/aws/sagemaker/TrainingJobs", "logStreamNamePrefix": job}
        return "logs.amazonaws.com", "DescribeLogStreams", params, None, "Management"

    def ecr(self, rng: random.Random) -> Call:
        name = rng.choice(("GetAuthorizationToken", "BatchGetImage", "BatchCheckLayerAvailability"))
        return (
            "ecr.amazonaws.com",
            name,
            {"repositoryName": "churn", "registryId": self.account},
            None,
            "Management",
        )

    def sts(self, rng: random.Random, name: str) -> Call:
        params = {
            "roleArn": f"arn:aws:iam::{self.account}:role/ml/{rng.choice(_ROLES)}",
            "roleSessionName": "s",
            "durationSeconds": 3600,
        }
        return "sts.amazonaws.com", name, params, None, "Management"

    def ssm(self, rng: random.Random) -> Call:
        params = {"name": f"/ml/{rng.choice(('feature-flags', 'api-token'))}", "withDecryption": True}
        return "ssm.amazonaws.com", "GetParameter", params, None, "Management"

    def secret(self) -> Call:
        secret = f"arn:aws:secretsmanager:{self.region}:{self.account}:secret:ml/db-AbCdEf"
        return "secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": secret}, None, "Management"

    def alarms(self) -> Call:
        return "monitoring.amazonaws.com", "DescribeAlarms", {"alarmNamePrefix": "churn"}, None, "Management"

    def function(self, rng: random.Random) -> Call:
        params = {"functionName": f"arn:aws:lambda:{self.region}:{self.account}:function:score"}
        return "lambda.amazonaws.com", rng.choice(("Invoke", "GetFunction20150331v2")), params, None, "Data"

    def ec2(self, rng: random.Random) -> Call:
        params = {"filterSet": {"items": [{"name": "tag:team", "valueSet": {"items": [{"value": "ml"}]}}]}}
        name = rng.choice(("DescribeInstances", "DescribeSubnets", "DescribeSecurityGroups"))
        return "ec2.amazonaws.com", name, params, None, "Management"

    def call(self, rng: random.Random, kind: str, name: str) -> Call:
        """What ``name`` calls, each caller with its own mix."""
        roll = rng.random()
        if name == "sagemaker-training":
            if roll < 0.55:
                return self.read_dataset(rng)
            if roll < 0.62:
                return self.write_new(rng, "ml-artifacts", f"checkpoints/{rng.choice(self.jobs)}")
            if roll < 0.77:
                return self.kms(rng, "ml-datasets")
            if roll < 0.85:
                return self.ecr(rng)
            if roll < 0.90:
                return self.logs(rng)
            return self.ssm(rng) if roll < 0.95 else self.secret()
        if name == "sagemaker-inference":
            if roll < 0.35:
                key = f"churn/{rng.choice(self.jobs[:3])}/output/model.tar.gz"
                return self.s3("GetObject", "ml-models", key)
            if roll < 0.60:
                return self.kms(rng, "ml-models")
            if roll < 0.70:
                return self.ecr(rng)
            return self.ssm(rng) if roll < 0.85 else self.secret()
        if name == "feature-pipeline":
            if roll < 0.35:
                return self.write_new(rng, "feature-store-offline", f"churn/dt={self.day}")
            if roll < 0.55:
                return self.s3(
                    "GetObject", "ml-datasets", f"raw/dt={self.day}/part-{rng.randrange(100):03d}.json"
                )
            if roll < 0.65:
                return self.s3("ListObjectsV2", "ml-datasets", None)
            if roll < 0.85:
                return self.kms(rng, "feature-store-offline")
            return self.function(rng)
        if name == "model-deployer":
            if roll < 0.50:
                return self.sagemaker(rng)
            if roll < 0.60:
                return self.s3("PutObject", "ml-models", f"churn/{rng.choice(self.jobs)}/output/model.tar.gz")
            if roll < 0.70:
                return self.sts(rng, "AssumeRole")
            if roll < 0.80:
                return self.alarms()
            return self.function(rng) if roll < 0.90 else self.ssm(rng)
        if name == "batch-scoring":
            if roll < 0.40:
                return self.read_dataset(rng)
            if roll < 0.60:
                return self.write_new(rng, "ml-artifacts", f"scores/dt={self.day}")
            if roll < 0.80:
                return self.kms(rng, "ml-artifacts")
            return self.sts(rng, "AssumeRoleWithWebIdentity") if roll < 0.90 else self.secret()
        if name == "ci-image-builder":
            if roll < 0.60:
                return self.ecr(rng)
            if roll < 0.80:
                return self.sts(rng, "GetCallerIdentity")
            if roll < 0.90:
                return self.write_new(rng, "ml-artifacts", "ci/builds")
            return self.ssm(rng)
        if name.startswith("data-scientist"):
            if roll < 0.30:
                return self.sagemaker(rng)
            if roll < 0.55:
                return self.read_dataset(rng)
            if roll < 0.70:
                return self.logs(rng)
            if roll < 0.80:
                return self.alarms()
            if roll < 0.85:
                return self.ec2(rng)
            return self.kms(rng, "ml-datasets") if roll < 0.95 else self.secret()
        if name == "terraform-apply":
            if roll < 0.30:
                return self.ec2(rng)
            if roll < 0.45:
                return self.ssm(rng)
            if roll < 0.55:
                return self.secret()
            if roll < 0.70:
                return self.alarms()
            if roll < 0.80:
                return self.function(rng)
            return (
                self.sts(rng, "GetCallerIdentity")
                if roll < 0.90
                else self.s3("ListObjectsV2", "ml-models", None)
            )
        if kind == "service":
            if roll < 0.50:
                return self.sts(rng, "AssumeRole")
            return self.kms(rng, "ml-models") if roll < 0.80 else self.read_dataset(rng)
        return self.sts(rng, "AssumeRoleWithWebIdentity")


_WEIGHTS = [weight for _, _, weight in _CALLERS]


def _sessions_record(rng: random.Random, slice_: _Slice) -> dict[str, Any]:
    kind, name, _ = rng.choices(_CALLERS, _WEIGHTS)[0]
    identity = slice_.identity(rng, kind, name)
    return _record(rng, slice_.account, slice_.region, slice_.day, identity, slice_.call(rng, kind, name))


def _record(
    rng: random.Random, account: str, region: str, day: str, identity: dict[str, Any], call: Call
) -> dict[str, Any]:
    source, name, params, resources, category = call
    error = rng.random()
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity,
        "eventTime": f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": identity.get("invokedBy")
        or f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": rng.choice(_AGENTS),
        "requestParameters": params,
        "responseElements": None
        if category == "Data"
        else {"requestId": str(uuid.UUID(int=rng.getrandbits(128)))},
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": name.startswith(("Get", "Describe", "List", "Head")),
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": account,
        "eventCategory": category,
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }
    if resources:
        record["resources"] = resources
    if category == "Data" and source == "s3.amazonaws.com":
        record["additionalEventData"] = {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0,
            "bytesTransferredOut": rng.randrange(10**7),
            "x-amz-id-2": uuid.UUID(int=rng.getrandbits(128)).hex * 2,
        }
    if error < 0.02:
        record["errorCode"], record["errorMessage"] = "AccessDenied", "Access Denied"
    elif error < 0.03:
        record["errorCode"], record["errorMessage"] = "ThrottlingException", "Rate exceeded"
    return record


def _uniform_record(rng: random.Random, account: str, region: str, day: str) -> dict[str, Any]:
    call = _uniform_call(rng, account, region)
    return _record(rng, account, region, day, _uniform_identity(rng, account), call)


def _work(mix: str) -> Path:
    return WORK if mix == "sessions" else WORK.with_name(f"cloudtrail-{mix}")


def _write_files(task: tuple[int, int, int, str]) -> int:
    """Write ``count`` files of ``per_file`` records for slot ``index`` (runs in a worker)."""
    index, count, per_file, mix = task
    logs = _work(mix) / "AWSLogs"
    rng = random.Random(index)
    written = 0
    for n in range(count):
        account, region = ACCOUNTS[(index + n) % 2], REGIONS[(index // 2 + n) % 2]
        day = f"2024-05-{1 + (index * 7 + n) % DAYS:02d}"
        folder = logs / account / "CloudTrail" / region / day[:4] / day[5:7] / day[8:]
        folder.mkdir(parents=True, exist_ok=True)
        if mix == "uniform":
            records = [_uniform_record(rng, account, region, day) for _ in range(per_file)]
        else:
            slice_ = _Slice(account, region, day)
            records = [_sessions_record(rng, slice_) for _ in range(per_file)]
        stamp = f"{day.replace('-', '')}T{n % 24:02d}{index % 60:02d}Z"
        name = f"{account}_CloudTrail_{region}_{stamp}_{index:04d}{n:04d}.json.gz"
        (folder / name).write_bytes(gzip.compress(orjson.dumps({"Records": records}), compresslevel=6))
        written += len(records)
    return written


def generate(total: int, per_file: int, workers: int, regenerate: bool, mix: str) -> list[str]:
    work = _work(mix)
    logs, manifest = work / "AWSLogs", work / "manifest.json"
    wanted = {"records": total, "per_file": per_file, "version": 2 if mix == "uniform" else 3, "mix": mix}
    if not regenerate and manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return sorted(str(p) for p in logs.rglob("*.json.gz"))
    shutil.rmtree(work, ignore_errors=True)
    files = max(1, total // per_file)
    slots = workers * 8
    tasks = [(i, files // slots + (1 if i < files % slots else 0), per_file, mix) for i in range(slots)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        made = sum(pool.map(_write_files, [t for t in tasks if t[1]]))
    manifest.write_text(json.dumps(wanted))
    print(f"generated {made:,} records in {files:,} files in {time.perf_counter() - started:.0f} s")
    return sorted(str(p) for p in logs.rglob("*.json.gz"))


def zlib_floor(paths: list[str]) -> tuple[float, int, int]:
    """Seconds for Python's zlib to decompress every file on one core, and the bytes in and out."""
    started = time.perf_counter()
    compressed = inflated = 0
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        compressed += len(data)
        inflated += len(zlib.decompress(data, 47))
    return time.perf_counter() - started, compressed, inflated


_MEASURE = r"""
import json, os, resource, sys, time
started = time.perf_counter()
from polp.usage.ingest import ingest
from polp.usage.store import UsageStore
store_path = sys.argv[3]
if os.path.exists(store_path):
    os.unlink(store_path)
with UsageStore(store_path) as store:
    summary = ingest([sys.argv[1]], store, workers=int(sys.argv[2]), progress=False)
    rows = store.connection.execute("SELECT count(*) FROM usage").fetchone()[0]
    principals = len(store.principals())
elapsed = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "records": summary.records, "files": summary.files_read,
                  "skipped": summary.skips.file_count + summary.skips.record_count, "rows": rows,
                  "principals": principals, "rss_main_kib": own.ru_maxrss,
                  "rss_worker_kib": children.ru_maxrss, "cpu_main_s": own.ru_utime + own.ru_stime,
                  "cpu_workers_s": children.ru_utime + children.ru_stime}))
"""


def measure(workers: int, mix: str) -> dict[str, Any]:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    )
    work = _work(mix)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(work / "AWSLogs"), str(workers), str(work / "usage.duckdb")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--mix", choices=MIXES, default="sessions", help="see the module's docstring")
    args = parser.parse_args()
    paths = generate(args.records, args.per_file, args.workers, args.regenerate, args.mix)
    load_before = os.getloadavg()[0]
    floor_cpu = time.process_time()
    seconds, compressed, inflated = zlib_floor(paths)
    floor_cpu = time.process_time() - floor_cpu
    result = measure(args.workers, args.mix)
    records = result["records"]
    floor_rate, rate = records / seconds, records / result["seconds"]
    cpu = result["cpu_main_s"] + result["cpu_workers_s"]
    main_mib, worker_mib = result["rss_main_kib"] / 1024, result["rss_worker_kib"] / 1024
    print(
        f"input: {records:,} records in {len(paths):,} files, {compressed / 2**20:,.0f} MiB gzipped, "
        f"{inflated / 2**20:,.0f} MiB of JSON ({inflated / max(records, 1):,.0f} bytes per record)"
    )
    print(
        f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(
        f"zlib floor (Python zlib, 1 core): {floor_rate:,.0f} records/s "
        f"({seconds:.1f} s wall, {floor_cpu:.1f} s CPU)"
    )
    print(
        f"polp streaming path, end to end with {args.workers} workers: {rate:,.0f} records/s "
        f"({result['seconds']:.1f} s wall; {cpu:.1f} s CPU of which {result['cpu_main_s']:.1f} s "
        f"in the main process, "
        f"{records / cpu:,.0f} records per CPU-second); "
        f"{result['rows']:,} usage rows, {result['principals']} principals, {result['skipped']} skipped"
    )
    print(
        f"peak memory: main {main_mib:,.0f} MiB, largest worker {worker_mib:,.0f} MiB, "
        f"at most {main_mib + worker_mib * args.workers:,.0f} MiB together"
    )
    print(
        f"ratio to the zlib floor: {rate / floor_rate:.2f} "
        "(target: 150,000 records/s end to end, under 500 MB)"
    )


if __name__ == "__main__":
    main()
