"""The AWS managed policy snapshot: lookups, the built-in extras, refreshing and the build script."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from polp.errors import InputError
from polp.sources import managed_snapshot as snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def bundled_snapshot() -> Iterator[None]:
    snapshot.set_snapshot_path(None)
    yield
    snapshot.set_snapshot_path(None)


def test_bundled_snapshot_is_dated_and_complete() -> None:
    assert snapshot.snapshot_date() == "2026-08-22"
    names = snapshot.snapshot_names()
    assert len(names) == snapshot.snapshot_size() > 1600
    assert {"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "ViewOnlyAccess"} <= names


def test_lookup_by_arn_and_paths() -> None:
    admin = snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess")
    assert admin is not None and admin.kind == "aws-managed" and admin.policy is not None
    assert admin.policy.statements[0].action == ("*",) and admin.policy.statements[0].resource == ("*",)
    power = snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/PowerUserAccess")
    assert power is not None and power.policy is not None
    assert power.policy.statements[0].not_action == ("iam:*", "organizations:*", "account:*")
    assert "iam:CreateServiceLinkedRole" in (power.policy.statements[1].action or ())
    view = snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess")
    assert view is not None and view.arn == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    # a wrong path still names the policy
    config_role = snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/AWSConfigRole")
    assert config_role is not None and config_role.policy is not None
    assert snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
    assert snapshot.lookup_managed_policy("arn:aws:iam::111122223333:policy/ReadOnlyAccess") is None


def test_snapshot_paths_match_the_example_account(corpora: Path) -> None:
    details = json.loads(
        (corpora / "account-authorization-details" / "cloudsplaining-example.json").read_text()
    )
    stored = json.loads(gzip.decompress((ROOT / "src/polp/data/aws_managed_policies.json.gz").read_bytes()))
    for policy in details["Policies"]:
        if ":iam::aws:policy/" in policy["Arn"]:
            assert stored["policies"][policy["PolicyName"]]["arn"] == policy["Arn"]


def test_refresh_from_account_details(corpora: Path, tmp_path: Path) -> None:
    details = corpora / "account-authorization-details" / "cloudsplaining-example.json"
    out = tmp_path / "snapshot.json.gz"
    taken = snapshot.refresh_snapshot(str(details), str(out))
    assert taken == 38  # the AWS managed policies the example account lists
    snapshot.set_snapshot_path(str(out))
    assert len(snapshot.snapshot_names()) >= 1643
    power = snapshot.lookup_managed_policy("arn:aws:iam::aws:policy/PowerUserAccess")
    assert power is not None and power.policy is not None
    # the example account's older PowerUserAccess (v4, 2019) replaced the bundled one
    assert power.policy.statements[1].action == (
        "iam:CreateServiceLinkedRole",
        "iam:DeleteServiceLinkedRole",
        "iam:ListRoles",
        "organizations:DescribeOrganization",
        "account:ListRegions",
    )


def test_refresh_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"Statement": []}')
    with pytest.raises(InputError, match="Policies"):
        snapshot.refresh_snapshot(str(path), str(tmp_path / "out.gz"))


def test_corrupt_override_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"not gzip")
    snapshot.set_snapshot_path(str(path))
    with pytest.raises(InputError, match="corrupt"):
        snapshot.snapshot_date()


def test_build_script_from_directory(tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    documents.mkdir()
    (documents / "MyPolicy.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:ListAllMyBuckets", "Resource": "*"}]}'
    )
    metadata = tmp_path / "SOURCE.json"
    metadata.write_text(
        json.dumps(
            {
                "commit_date": "2026-01-02 03:04:05 +0000",
                "policies": [
                    {
                        "name": "MyPolicy",
                        "arn": "arn:aws:iam::aws:policy/service-role/MyPolicy",
                        "version": "v3",
                    }
                ],
            }
        )
    )
    out = tmp_path / "out.json.gz"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_managed_snapshot.py"),
            "--from-dir",
            str(documents),
            "--metadata",
            str(metadata),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src")},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = json.loads(gzip.decompress(out.read_bytes()))
    assert built["updated"] == "2026-01-02"
    assert built["policies"]["MyPolicy"]["path"] == "/service-role/"
    assert set(built["policies"]) == {"MyPolicy", "AdministratorAccess", "PowerUserAccess"}
