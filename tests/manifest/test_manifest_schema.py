"""The published JSON Schema: generated from the capability library, and up to date in both places."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from polp.generate.capabilities import ALL
from polp.manifest.schema import published_schema
from polp.manifest.schema_build import build_schema, schema_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["src/polp/data/manifest.schema.json", "docs/manifest.schema.json"])
def test_published_schema_is_up_to_date(path: str) -> None:
    published = (ROOT / path).read_text(encoding="utf-8")
    assert published == schema_text(), f"regenerate: python -m polp.manifest.schema_build {path}"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(build_schema())
    assert published_schema() == build_schema()


def test_every_capability_is_in_the_schema() -> None:
    identity = build_schema()["properties"]["identities"]["additionalProperties"]
    capabilities = identity["properties"]["capabilities"]["items"]["properties"]
    assert set(capabilities) == {spec.name for spec in ALL}


@pytest.mark.parametrize("name", ["demand-forecast", "sagemaker-pipeline", "eks-kserve"])
def test_examples_validate_with_any_json_schema_tool(name: str) -> None:
    data = yaml.safe_load((ROOT / "examples" / name / "polp.yaml").read_text())
    jsonschema.validate(data, json.loads((ROOT / "docs/manifest.schema.json").read_text()))


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_capability_examples_validate(spec: object) -> None:
    identity = build_schema()["properties"]["identities"]["additionalProperties"]
    item = identity["properties"]["capabilities"]["items"]
    jsonschema.validate({spec.name: dict(spec.example)}, item)  # type: ignore[attr-defined]
