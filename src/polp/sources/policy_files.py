"""A single IAM policy document per file (``{"Version": ..., "Statement": [...]}``).

Detected by a top-level ``Statement``; the document becomes one standalone policy of kind ``"file"``.
A document that breaks the policy grammar is still an input that was read: its problems are recorded,
not raised (``polp validate`` is the command that fails on them).
"""

from __future__ import annotations

import os

from polp.errors import InputError, Location
from polp.iam.source import loads_strict
from polp.inventory import InputProblem, Inventory
from polp.sources.interface import head_text, read_input_text
from polp.sources.policy_refs import parse_policy_ref


class PolicyFileSource:
    name = "policy-file"

    def detect(self, path: str, head: bytes) -> bool:
        text = head_text(head)
        return text.startswith("{") and '"Statement"' in text

    def read(self, path: str) -> Inventory:
        data, source = loads_strict(read_input_text(path), path)
        if not isinstance(data, dict) or "Statement" not in data:
            raise InputError(
                "JSON is not an IAM policy document (no top-level Statement)", Location(path, 1, 1)
            )
        problems: list[InputProblem] = []
        ref = parse_policy_ref(
            data, source, problems, name=os.path.basename(path), kind="file", location=Location(path, 1, 1)
        )
        return Inventory(policies=(ref,), problems=tuple(problems), origins=(path,))
