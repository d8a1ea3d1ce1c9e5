"""Hostile input: whatever the text, loading a manifest either succeeds or raises InputError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polp.errors import InputError
from polp.manifest.load import load_manifest_text

VALID = """\
version: 1
pipeline: demo
account: "111122223333"
region: us-east-1
identities:
  deployer:
    trust: {github_actions: {repository: retail-co/demo, branches: [main]}}
    network: {cidrs: [203.0.113.0/24]}
    abac: {resource_tags: {Environment: Staging}}
    never: [databases]
    capabilities:
      - sagemaker_deploy_endpoint: {endpoint: demo, execution_role: service-role/Exec}
"""


def _load(text: str) -> None:
    with contextlib.suppress(InputError):
        load_manifest_text(text, "polp.yaml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("abc:-[]{}!&*'\"#|>\n 0123456789.,?%@`")), max_size=200))
def test_arbitrary_text(text: str) -> None:
    _load(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(max_size=12))
def test_mutated_manifest(position: int, insert: str) -> None:
    _load(VALID[:position] + insert + VALID[position:])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(min_value=1, max_value=20))
def test_truncated_manifest(position: int, length: int) -> None:
    _load(VALID[:position] + VALID[position + length :])
