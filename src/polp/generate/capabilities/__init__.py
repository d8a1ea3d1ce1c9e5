"""The capability library: one module per family, each a tuple of :class:`CapabilitySpec`.

To add a capability, add a spec to its family (or a new family module listed here), with an
``example``; the catalog test then checks every action, resource and condition key it produces.
"""

from __future__ import annotations

from polp.generate.capabilities import ecr, eks, logs_metrics, raw, s3, sagemaker
from polp.generate.capabilities.base import CapabilitySpec

ALL: tuple[CapabilitySpec, ...] = (
    *s3.SPECS,
    *ecr.SPECS,
    *sagemaker.SPECS,
    *eks.SPECS,
    *logs_metrics.SPECS,
    *raw.SPECS,
)
BY_NAME: dict[str, CapabilitySpec] = {spec.name: spec for spec in ALL}
