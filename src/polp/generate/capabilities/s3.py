"""S3: read a dataset prefix, write artifacts under a prefix."""

from __future__ import annotations

from polp.generate.capabilities.base import (
    OBJECT_TAG,
    Access,
    Built,
    CapabilitySpec,
    Param,
    Params,
    Scope,
    prefix_pattern,
    text,
)

_BUCKET = Param("bucket", "name", "The bucket name (not an ARN).")
_PREFIX = Param(
    "prefix", "text", "The key prefix (datasets/sales/); empty or absent: the whole bucket.", required=False
)


def _object_arn(scope: Scope, bucket: str, prefix: str) -> str:
    return f"arn:{scope.partition}:s3:::{bucket}/{prefix_pattern(prefix)}"


def _read(params: Params, scope: Scope) -> Built:
    bucket, prefix = text(params, "bucket"), text(params, "prefix")
    listing: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    if prefix:
        listing = (("StringLike", "s3:prefix", (prefix_pattern(prefix),)),)
    return Built(
        (
            Access(
                "ReadObjects",
                ("s3:GetObject",),
                (_object_arn(scope, bucket, prefix),),
                tag_keys=(OBJECT_TAG,),
            ),
            Access("ListPrefix", ("s3:ListBucket",), (f"arn:{scope.partition}:s3:::{bucket}",), listing),
        )
    )


def _write(params: Params, scope: Scope) -> Built:
    bucket, prefix = text(params, "bucket"), text(params, "prefix")
    return Built((Access("WriteObjects", ("s3:PutObject",), (_object_arn(scope, bucket, prefix),)),))


SPECS = (
    CapabilitySpec(
        "s3_read",
        "Read objects (and list keys) under one prefix of one bucket.",
        (_BUCKET, _PREFIX),
        _read,
        {"bucket": "retail-demand-data", "prefix": "sales/"},
    ),
    CapabilitySpec(
        "s3_write",
        "Write objects under one prefix of one bucket (model artifacts).",
        (_BUCKET, _PREFIX),
        _write,
        {"bucket": "retail-demand-models", "prefix": "demand-forecast/"},
    ),
)
