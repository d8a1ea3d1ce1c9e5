"""Terraform's JSON syntax (``.tf.json``): read by the same reader as ``.tf`` files, alone or mixed with
them, with lines from the JSON text; what ``polp plan -f terraform-json`` writes audits and verifies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polp.cli import main
from polp.errors import InputError
from polp.inventory import Inventory, PolicyRef, PrincipalRecord
from polp.sources import detect_source, load_inventory
from polp.sources.terraform import TerraformSource, read_terraform_dirs, read_terraform_file
from polp.sources.terraform_config import load_module, tf_files_in
from polp.sources.terraform_json import literal, template

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
HCL = FIXTURES / "terraform" / "ml-platform"
JSON = FIXTURES / "terraform-json" / "ml-platform"
EXAMPLES = ROOT / "examples"


def _policy(ref: PolicyRef | None) -> Any:
    if ref is None:
        return None
    statements = ref.policy.statements if ref.policy is not None else None
    return (ref.name, ref.kind, ref.arn, ref.symbolic, statements)


def _principal(p: PrincipalRecord) -> Any:
    return (
        (p.kind, p.name, p.arn, p.groups, p.tags, p.access_keys, p.password_enabled),
        (p.max_session_duration, p.unresolved),
        (_policy(p.trust_policy), _policy(p.permissions_boundary)),
        tuple(_policy(r) for r in p.inline_policies),
        tuple(_policy(r) for r in p.managed_policies),
    )


def _shape(inventory: Inventory) -> tuple[list[Any], list[Any], int]:
    """Everything but the locations (file names and lines differ between the two syntaxes)."""
    principals = sorted((_principal(p) for p in inventory.principals), key=lambda s: s[0][:2])
    policies = sorted((_policy(r) for r in inventory.policies), key=lambda s: s[0])
    statements = sum(
        len(r.policy.statements)
        for p in inventory.principals
        for r in (*p.inline_policies, *p.managed_policies, p.trust_policy, p.permissions_boundary)
        if r is not None and r.policy is not None
    )
    return principals, policies, statements


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


@pytest.fixture(scope="module")
def hcl() -> Inventory:
    return read_terraform_dirs([str(HCL)])


@pytest.fixture(scope="module")
def tf_json() -> Inventory:
    return read_terraform_dirs([str(JSON)])


# --- the same configuration in both syntaxes -----------------------------------------------------------


def test_json_fixture_gives_the_inventory_of_the_hcl_one(hcl: Inventory, tf_json: Inventory) -> None:
    assert not tf_json.problems and not hcl.problems
    principals, policies, statements = _shape(tf_json)
    assert [p[0][:2] for p in principals] == [
        ("group", "data-scientists"),
        ("role", "${var.legacy_role_name}"),
        ("role", "acme-ml-github-deployer"),
        ("role", "acme-ml-sagemaker-trainer"),
        ("user", "alice"),
        ("user", "ml-ci-bot"),
    ]  # break-glass: count = 0 from the variable's default
    assert statements >= 15
    assert (principals, policies, statements) == _shape(hcl)


def test_json_fixture_resolves_templates_modules_and_policy_documents(tf_json: Inventory) -> None:
    deployer = next(p for p in tf_json.principals if p.name == "acme-ml-github-deployer")
    assert deployer.arn.endswith(":role/ci/acme-ml-github-deployer")
    assert deployer.trust_policy is not None and deployer.trust_policy.policy is not None
    (trust,) = deployer.trust_policy.policy.statements
    conditions = {(c.operator, c.key): c.values for c in trust.condition}
    assert conditions[("StringLike", "token.actions.githubusercontent.com:sub")] == (
        "repo:acme/fraud-model:ref:refs/heads/main",
    )
    deploy = next(r for r in deployer.managed_policies if r.name == "acme-ml-deploy")
    assert deploy.policy is not None
    by_sid = {s.sid: s for s in deploy.policy.statements}
    assert by_sid["PassTrainingRole"].resource is not None
    assert by_sid["PassTrainingRole"].resource[0].endswith(":role/acme-ml-sagemaker-trainer")
    trainer = next(p for p in tf_json.principals if p.name == "acme-ml-sagemaker-trainer")
    assert trainer.max_session_duration == 4 * 3600
    assert [r.name for r in trainer.inline_policies] == ["data-access", "cloudwatch-logs"]


def test_locations_are_the_lines_of_the_json_keys(tf_json: Inventory) -> None:
    deployer = next(p for p in tf_json.principals if p.name == "acme-ml-github-deployer")
    assert deployer.location is not None
    assert deployer.location.file == str(JSON / "ci.tf.json")
    assert deployer.location.line == _line_of(JSON / "ci.tf.json", '"deployer": {')
    assert deployer.location.path == "aws_iam_role.deployer"
    alice = next(p for p in tf_json.principals if p.name == "alice")  # the array forms of users.tf.json
    assert alice.location is not None and alice.location.line == _line_of(
        JSON / "users.tf.json", '"alice": ['
    )
    module = load_module(str(JSON), tf_files_in(str(JSON)), strict=True)
    _, where = module.locals["account_id"]
    assert (where.file, where.line) == (str(JSON / "locals.tf.json"), 8)


def test_mixed_directory_is_one_configuration(tmp_path: Path, hcl: Inventory) -> None:
    mixed = tmp_path / "ml-platform"
    shutil.copytree(HCL, mixed)
    for relative in ("ci", "users", "modules/training-role/main"):
        (mixed / f"{relative}.tf").unlink()
        shutil.copy(JSON / f"{relative}.tf.json", mixed / f"{relative}.tf.json")
    assert sorted(str(p.relative_to(mixed)) for p in mixed.rglob("*.tf")) == [
        "locals.tf",
        "main.tf",
        "modules/training-role/outputs.tf",
        "modules/training-role/variables.tf",
        "variables.tf",
    ]
    inventory = read_terraform_dirs([str(mixed)])
    assert not inventory.problems
    assert _shape(inventory) == _shape(hcl)
    walked = load_inventory([str(tmp_path)])  # the walk finds it, and reads the module only once
    assert _shape(walked)[0] == _shape(hcl)[0]


def test_directory_of_only_json_files_is_walked(tmp_path: Path, hcl: Inventory) -> None:
    shutil.copytree(JSON, tmp_path / "infra")
    seen: list[tuple[str, str]] = []
    inventory = load_inventory(
        [str(tmp_path)], progress=lambda path, kind: seen.append((Path(path).name, kind))
    )
    assert ("infra", "terraform") in seen
    assert not any(name.endswith(".tf.json") for name, _ in seen)  # read with their directory only
    assert _shape(inventory)[0] == _shape(hcl)[0]


def test_single_json_file_named_on_the_command_line() -> None:
    inventory = load_inventory([str(JSON / "ci.tf.json")])  # alone: locals of other files are unknown
    assert "${local.prefix}-github-deployer" in {p.name for p in inventory.principals}
    assert _shape(inventory) == _shape(load_inventory([str(HCL / "ci.tf")]))


# --- detection -----------------------------------------------------------------------------------------


def test_detection_by_content(tmp_path: Path) -> None:
    renamed = tmp_path / "input.txt"
    shutil.copy(JSON / "users.tf.json", renamed)
    found = detect_source(str(renamed), renamed.read_bytes()[:65536])
    assert found is not None and found.name == "terraform"
    head = (JSON / "ci.tf.json").read_bytes()[:300]  # a detector sees the head only
    assert TerraformSource().detect("ci.tf.json", head)
    # a local that quotes a policy does not make the configuration a policy file
    quoting = b'{"locals": {"doc": {"Version": "2012-10-17", "Statement": []}}}'
    assert getattr(detect_source("x.tf.json", quoting), "name", None) == "terraform"
    for other in (
        b'{"Version": "2012-10-17", "Statement": []}',
        b'{"format_version": "1.2", "terraform_version": "1.9.0", "planned_values": {}}',
        b'{"resource": {}, "name": "not terraform"}',
        b'{"//": "only a comment"}',
        b"[]",
    ):
        assert not TerraformSource().detect("x.json", other)
    policy = FIXTURES / "policies" / "sagemaker-training.json"
    assert getattr(detect_source(str(policy), policy.read_bytes()), "name", None) == "policy-file"


# --- the JSON mapping ----------------------------------------------------------------------------------


def test_strings_become_hcl_templates() -> None:
    assert template('say "hi"\n') == '"say \\"hi\\"\\n"'
    assert template('${x["k"]}') == '"${x["k"]}"'
    assert template('a-${format("%s-${y}", "}")}!') == '"a-${format("%s-${y}", "}")}!"'
    assert template("$${aws:username}") == '"$${aws:username}"'
    assert template("${unterminated") == '"${unterminated"'
    assert literal('${x} "%{y}"') == '"$${x} \\"%%{y}\\""'


def test_json_mapping_rules(tmp_path: Path) -> None:
    """Arrays at every level, comments, literal variable defaults, tfvars.json, the provider's
    ``assume_role`` as one object, ``dynamic`` blocks, ``$${`` escapes and meta-arguments."""
    root = tmp_path / "infra"
    _write(
        root / "main.tf.json",
        {
            "//": "generated",
            "provider": {
                "aws": [
                    {"region": "eu-west-1", "assume_role": {"role_arn": "arn:aws:iam::123456789012:role/tf"}},
                    {"alias": "us", "region": "us-east-1"},
                ]
            },
            "variable": {
                "team": {"type": "string", "default": "ml-${literally}", "description": "${not evaluated}"},
                "bucket": {"type": "string"},
            },
            "locals": [{"prefix": "${var.team}-x"}, {"bucket_arn": "arn:aws:s3:::${var.bucket}"}],
            "data": {
                "aws_iam_policy_document": {
                    "read": {
                        "//": "one statement, and one more from a dynamic block",
                        "statement": {
                            "actions": ["s3:GetObject"],
                            "resources": ["${local.bucket_arn}/home/$${aws:username}/*"],
                        },
                        "dynamic": {
                            "statement": {
                                "for_each": "${var.extra}",
                                "content": {"actions": ["s3:PutObject"], "resources": ["*"]},
                            }
                        },
                    }
                }
            },
            "resource": {
                "aws_iam_user": {
                    "u": {
                        "name": "${local.prefix}",
                        "provider": "aws.us",
                        "depends_on": ["aws_iam_policy.read"],
                        "lifecycle": {"ignore_changes": ["tags"]},
                        "tags": {"cost-center": "4711", "//": "an object attribute keeps its keys"},
                    }
                },
                "aws_iam_policy": {
                    "read": {"name": "read", "policy": "${data.aws_iam_policy_document.read.json}"}
                },
                "aws_iam_user_policy_attachment": {
                    "u": {"user": "${aws_iam_user.u.name}", "policy_arn": "${aws_iam_policy.read.arn}"}
                },
            },
        },
    )
    _write(root / "terraform.tfvars.json", {"bucket": "acme-data"})
    inventory = read_terraform_dirs([str(root)])
    assert not inventory.problems
    (user,) = inventory.principals
    assert user.name == "ml-${literally}-x"
    assert dict(user.tags) == {"cost-center": "4711", "//": "an object attribute keeps its keys"}
    (read,) = user.managed_policies
    assert read.arn == "arn:aws:iam::123456789012:policy/read"
    assert read.policy is not None
    assert [(s.action, s.resource) for s in read.policy.statements] == [
        (("s3:GetObject",), ("arn:aws:s3:::acme-data/home/${aws:username}/*",)),
        (("s3:PutObject",), ("*",)),
    ]


# --- broken and hostile input --------------------------------------------------------------------------

BROKEN = (
    '{\n  "resource": {\n    "aws_iam_role": {\n      "x": {\n        "name": "a",\n      }\n    }\n  }\n}\n'
)


def test_broken_json_named_on_the_command_line_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "main.tf.json"
    broken.write_text(BROKEN)
    with pytest.raises(SystemExit) as exited:
        main(["audit", str(broken)])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "Traceback" not in err
    assert f"{broken}:6:" in err and "not valid JSON" in err


def test_broken_json_in_a_directory_is_a_problem(tmp_path: Path) -> None:
    shutil.copytree(JSON, tmp_path / "infra")
    (tmp_path / "infra" / "users.tf.json").write_text(BROKEN)
    inventory = load_inventory([str(tmp_path)])
    (problem,) = inventory.problems
    assert problem.location.file == str(tmp_path / "infra" / "users.tf.json") and problem.location.line == 6
    assert "acme-ml-github-deployer" in {p.name for p in inventory.principals}


@pytest.mark.parametrize(
    ("document", "line", "message"),
    [
        ('{\n  "resource": {\n    "aws_iam_role": {\n      "x": [1]\n    }\n  }\n}\n', 4, "block body"),
        ('{\n  "resource": {\n    "aws_iam_role": "x"\n  }\n}\n', 3, "keyed by block label"),
        ('{\n  "locals": [\n    "x"\n  ]\n}\n', 3, "locals"),
        ('{\n  "resource": {},\n  "resources": {}\n}\n', 3, "unknown block type"),
        ('{"resource": {"aws_iam_role": {"x": {"name": "a"}, "x": {}}}}', 1, "duplicate key"),
    ],
)
def test_malformed_configuration_names_file_and_line(
    tmp_path: Path, document: str, line: int, message: str
) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text(document)
    with pytest.raises(InputError) as raised:
        read_terraform_file(str(path))
    assert raised.value.location is not None
    assert (raised.value.location.file, raised.value.location.line) == (str(path), line)
    assert message in raised.value.message


@pytest.mark.parametrize("depth", [200, 900, 100_000])
def test_deep_nesting_is_an_input_error_or_read(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "main.tf.json"
    path.write_text(
        '{"locals": {"a": ' + "[" * depth + "]" * depth + '}, "resource": {"aws_iam_user": '
        '{"u": {"name": "${local.a}"}}}}'
    )
    try:
        inventory = read_terraform_file(str(path))
    except InputError as exc:
        assert "nested too deeply" in exc.message
    else:
        assert len(inventory.principals) == 1


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.text(max_size=6)
    | st.sampled_from(
        ["${", "}", '"', "$${x}", "%{ if", "${var.x}", "${local.a}-${", '${jsonencode({a = "}"})}', "aws.us"]
    )
)
_KEYS = st.sampled_from(
    [
        *("statement", "principals", "condition", "dynamic", "content", "inline_policy", "assume_role"),
        *("//", "name", "policy", "provider", "depends_on", "count", "default", "source", "value", "tags"),
    ]
) | st.text(max_size=4)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_DOCUMENTS = st.fixed_dictionaries(
    {
        "resource": st.dictionaries(
            st.sampled_from(["aws_iam_role", "aws_iam_policy", "aws_iam_user", "aws_iam_role_policy"]),
            st.dictionaries(st.sampled_from(["x", "y"]), _VALUES, min_size=1),
        ),
        "data": st.fixed_dictionaries({"aws_iam_policy_document": st.dictionaries(st.just("d"), _VALUES)}),
        "locals": _VALUES,
        "module": st.dictionaries(st.just("m"), _VALUES),
        "provider": st.fixed_dictionaries({"aws": _VALUES}),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_DOCUMENTS)
def test_any_json_structure_is_read_or_an_input_error(tmp_path: Path, document: dict[str, Any]) -> None:
    path = _write(tmp_path / "main.tf.json", document)
    try:
        read_terraform_file(str(path))
    except InputError as exc:
        assert exc.location is not None and exc.location.file == str(path)


# --- what polp plan -f terraform-json writes -------------------------------------------------------------


def _polp(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polp", *argv], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("example", ["demand-forecast", "sagemaker-pipeline", "eks-kserve"])
def test_planned_json_verifies_and_audits_clean(tmp_path: Path, example: str) -> None:
    manifest = str(EXAMPLES / example / "polp.yaml")
    out = tmp_path / "plan"
    planned = _polp("plan", manifest, "-f", "terraform-json", "-o", str(out))
    assert planned.returncode == 0, planned.stderr
    assert list(out.glob("*.tf.json")) and not list(out.glob("*.tf"))
    verified = _polp("verify", manifest, "--against", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    audited = _polp("audit", str(out), "--fail-on", "low")
    assert audited.returncode == 0, audited.stdout + audited.stderr
    assert "skipped" not in audited.stdout + audited.stderr
