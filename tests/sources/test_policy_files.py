"""A JSON IAM policy document per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from polp.errors import InputError
from polp.sources import load_inventory
from polp.sources.policy_files import PolicyFileSource

POLICY = Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "sagemaker-training.json"


def test_policy_file_is_a_standalone_policy() -> None:
    inventory = load_inventory([str(POLICY)])
    assert inventory.principals == ()
    (ref,) = inventory.policies
    assert ref.kind == "file" and ref.name == "sagemaker-training.json"
    assert ref.policy is not None and [s.sid for s in ref.policy.statements] == [
        "TrainingJobs",
        "PassExecutionRole",
    ]
    where = ref.policy.locate(ref.policy.statements[1].path)
    assert where.file == str(POLICY) and where.line == 14
    assert inventory.origins == (str(POLICY),)


def test_grammar_problems_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}'
    )
    inventory = load_inventory([str(path)])
    (ref,) = inventory.policies
    assert ref.policy is None and ref.symbolic
    (problem,) = inventory.problems
    assert "Effect" in problem.message and problem.location.file == str(path) and problem.location.line == 1


def test_nested_statement_is_not_a_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"wrapper": {"Statement": []}}')
    assert PolicyFileSource().detect(str(path), path.read_bytes())
    with pytest.raises(InputError, match="no top-level Statement"):
        load_inventory([str(path)])


def test_duplicate_keys_are_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"Version": "2012-10-17", "Statement": [], "Statement": []}')
    with pytest.raises(InputError, match="duplicate key"):
        load_inventory([str(path)])
