"""``load_inventory``: detection by content, directory walks, merging, and hostile inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polp.errors import InputError
from polp.inventory import Inventory
from polp.sources import SOURCES, detect_source, load_inventory
from polp.sources.merge import merge_inventories

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("relative", "kind"),
    [
        ("terraform/ml-platform/ci.tf", "terraform"),
        ("plan/ml-platform.plan.json", "terraform-plan"),
        ("cloudformation/ml-pipeline.yaml", "cloudformation"),
        ("cloudformation/batch-inference.json", "cloudformation"),
        ("credential-report.csv", "credential-report"),
        ("policies/sagemaker-training.json", "policy-file"),
    ],
)
def test_detection_by_content(relative: str, kind: str, tmp_path: Path) -> None:
    source = FIXTURES / relative
    renamed = tmp_path / "input.txt"  # the extension plays no part
    shutil.copy(source, renamed)
    found = detect_source(str(renamed), renamed.read_bytes()[:65536])
    assert found is not None and found.name == kind


def test_account_details_detected(corpora: Path) -> None:
    path = corpora / "account-authorization-details" / "cloudsplaining-example.json"
    found = detect_source(str(path), path.read_bytes()[:65536])
    assert found is not None and found.name == "account-details"


def test_every_source_has_a_distinct_name() -> None:
    names = [s.name for s in SOURCES]
    assert len(set(names)) == len(names) == 6


def test_walk_reads_known_files_and_skips_others(tmp_path: Path, corpora: Path) -> None:
    shutil.copytree(FIXTURES / "terraform" / "ml-platform", tmp_path / "infra")
    shutil.copy(FIXTURES / "cloudformation" / "ml-pipeline.yaml", tmp_path / "stack.yaml")
    shutil.copy(FIXTURES / "credential-report.csv", tmp_path / "report.csv")
    shutil.copy(
        corpora / "account-authorization-details" / "cloudsplaining-example.json", tmp_path / "acct.json"
    )
    (tmp_path / "README.md").write_text('# Infra\n\n```hcl\nresource "aws_iam_role" "x" {\n}\n```\n')
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "empty.json").write_text("")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "policy.json").write_text('{"Statement": []}')
    (tmp_path / "broken-policy.json").write_text('{"Version": "2012-10-17", "Statement": [')
    seen: list[tuple[str, str]] = []
    inventory = load_inventory(
        [str(tmp_path)], progress=lambda path, kind: seen.append((Path(path).name, kind))
    )
    kinds = dict(seen)
    assert kinds["stack.yaml"] == "cloudformation" and kinds["report.csv"] == "credential-report"
    assert kinds["acct.json"] == "account-details" and kinds["infra"] == "terraform"
    assert "README.md" not in kinds and "package.json" not in kinds and "logo.png" not in kinds
    assert "policy.json" not in kinds  # hidden directories are not walked
    names = {p.name for p in inventory.principals}
    assert {"acme-ml-github-deployer", "dev-sagemaker-training", "privesc-sre-user"} <= names
    (problem,) = [p for p in inventory.problems if p.location.file == str(tmp_path / "broken-policy.json")]
    assert "JSON" in problem.message
    # the credential report's user merged into the account details' user
    sre = [p for p in inventory.principals if p.name == "privesc-sre-user"]
    assert len(sre) == 1 and sre[0].access_keys and sre[0].groups


def test_missing_path_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_inventory([str(tmp_path / "nope.json")])
    unknown = tmp_path / "notes.txt"
    unknown.write_text("just some notes\n")
    with pytest.raises(InputError, match="not an input polp reads") as raised:
        load_inventory([str(unknown)])
    assert raised.value.location is not None and raised.value.location.file == str(unknown)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"   \n\t\n", "empty file"),
        (b'{"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::1:user/a"', "not valid JSON"),
        (b"\x00\x01\x02\xff\xfe binary", "not an input polp reads"),
        (b"AWSTemplateFormatVersion: '2010-09-09'\nResources: !Foo\n", "YAML"),
        (b'resource "aws_iam_role" "x" {\n  name = \n', "HCL"),
        (b'{"Version": "2012-10-17", "Statement": [\xff]}', "UTF-8"),
        (b'user,arn,user_creation_time\nroot,"unterminated\n', None),
    ],
)
def test_broken_named_files_are_input_errors(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "input"
    path.write_bytes(content)
    try:
        load_inventory([str(path)])
    except InputError as exc:
        assert message is None or message in exc.message
        assert exc.location is not None and exc.location.file == str(path)
    else:
        assert message is None


def test_merge_combines_same_arn(corpora: Path) -> None:
    details = load_inventory([str(corpora / "account-authorization-details" / "cloudsplaining-example.json")])
    report = load_inventory([str(FIXTURES / "credential-report.csv")])
    merged = merge_inventories([details, report])
    # <root_account>, ml-ci-bot and never-logged-in are not in the account details
    assert len(merged.principals) == len(details.principals) + 3
    assert merged.origins == details.origins + report.origins
    assert isinstance(merged, Inventory)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.binary(max_size=2048),
        st.sampled_from(
            [
                b'{"UserDetailList": ',
                b"AWSTemplateFormatVersion: x\nResources:\n",
                b"user,arn,\n",
                b'resource "aws_iam_role" "r" {\n',
                b'{"format_version": "1", "planned_values": ',
                b'{"Statement": ',
                b'{"Content": "", "ReportFormat": "text/csv"}',
            ]
        ).flatmap(lambda prefix: st.binary(max_size=512).map(lambda tail: prefix + tail)),
    )
)
def test_random_bytes_give_input_error_or_inventory(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz"
    path.write_bytes(data)
    try:
        result = load_inventory([str(path)])
    except InputError as exc:
        assert exc.location is not None
    else:
        assert isinstance(result, Inventory)
