"""Raw actions, for the rare call no capability covers: exact action names on exact resources.

Every action must exist in the catalog, every resource must be of a type the action acts on (``*``
only for actions without resource types), and every condition key must apply to the action; the
compiler checks all three like it checks the library's own capabilities.
"""

from __future__ import annotations

from collections.abc import Mapping

from polp.generate.capabilities.base import (
    Access,
    Built,
    CapabilitySpec,
    Condition,
    Param,
    Params,
    Scope,
    text,
    texts,
)


def conditions_of(raw: object) -> tuple[Condition, ...]:
    """``{operator: {key: value or [values]}}`` as written in the manifest, in order."""
    out: list[Condition] = []
    if not isinstance(raw, Mapping):
        return ()
    for operator, block in raw.items():
        if not isinstance(block, Mapping):
            continue
        for key, value in block.items():
            values = (
                (value,)
                if isinstance(value, str | bool | int)
                else tuple(value)
                if isinstance(value, list)
                else ()
            )
            out.append((str(operator), str(key), tuple(_scalar(v) for v in values)))
    return tuple(out)


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _raw(params: Params, scope: Scope) -> Built:
    sid = text(params, "sid") or "RawActions"
    return Built(
        (
            Access(
                sid,
                tuple(sorted(texts(params, "actions"))),
                texts(params, "resources"),
                conditions_of(params.get("conditions")),
            ),
        )
    )


SPECS = (
    CapabilitySpec(
        "raw",
        "Exact actions on exact resources, checked against the catalog (when no capability fits).",
        (
            Param("actions", "actions", "Exact action names (service:Action), no wildcards."),
            Param("resources", "arns", "Resource ARNs; * only for actions that have no resource types."),
            Param(
                "conditions",
                "conditions",
                "Conditions, as in a policy: {operator: {key: value}}.",
                required=False,
            ),
            Param("sid", "sid", "The statement id (letters and digits).", required=False),
        ),
        _raw,
        {
            "actions": ["sagemaker:DescribeModelPackageGroup"],
            "resources": ["arn:aws:sagemaker:us-east-1:111122223333:model-package-group/demand-forecast"],
        },
    ),
)
