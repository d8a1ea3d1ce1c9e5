"""What botocore's service models say about event sources and API operations.

CloudTrail names a service by its endpoint host (``eventSource``); botocore's models tie each endpoint
prefix to the name the service signs with, which is the IAM prefix for most services
(``servicecatalog-appregistry`` signs as ``servicecatalog``). Only the models' headers are read for
that (a tenth of a second for every service); a service's operation names are loaded when first asked.
Without botocore the index is empty and the mapping falls back to the catalog and the reviewed table.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

_FIELD = re.compile(r'"(?P<name>endpointPrefix|signingName)"\s*:\s*"(?P<value>[^"]*)"')
_HEADER_BYTES = 16384


@dataclass(frozen=True, slots=True)
class ServiceModel:
    name: str
    endpoint_prefix: str
    signing_name: str
    path: str


@dataclass(slots=True)
class ServiceIndex:
    by_endpoint: dict[str, list[ServiceModel]] = field(default_factory=dict)
    _operations: dict[str, frozenset[str]] = field(default_factory=dict)

    def signing_names(self, endpoint_prefix: str) -> tuple[str, ...]:
        """IAM prefix candidates for an endpoint prefix, most likely first."""
        models = self.by_endpoint.get(endpoint_prefix, [])
        return tuple(dict.fromkeys(m.signing_name for m in models if m.signing_name))

    def operations(self, endpoint_prefix: str) -> frozenset[str]:
        """Every API operation name of the services behind an endpoint prefix."""
        names: set[str] = set()
        for model in self.by_endpoint.get(endpoint_prefix, []):
            if model.name not in self._operations:
                self._operations[model.name] = _load_operations(model.path)
            names |= self._operations[model.name]
        return frozenset(names)

    def operations_for_prefix(self, prefix: str, endpoints: tuple[str, ...] = ()) -> frozenset[str] | None:
        """Operation names of the services an IAM prefix covers; None if botocore knows none of them."""
        hosts = {
            m.endpoint_prefix
            for models in self.by_endpoint.values()
            for m in models
            if prefix in (m.signing_name, m.endpoint_prefix, m.name)
        }
        hosts.update(e for e in endpoints if e in self.by_endpoint)
        if not hosts:
            return None
        names: set[str] = set()
        for host in hosts:
            names |= self.operations(host)
        return frozenset(names)


def _load_operations(path: str) -> frozenset[str]:
    import orjson

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if path.endswith(".gz"):
            data = zlib.decompress(data, 47)
        operations = orjson.loads(data).get("operations", {})
    except (OSError, zlib.error, orjson.JSONDecodeError, AttributeError):
        return frozenset()
    return frozenset(operations) if isinstance(operations, dict) else frozenset()


def _header(path: str) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(_HEADER_BYTES)
    if path.endswith(".gz"):
        raw = zlib.decompressobj(47).decompress(raw, _HEADER_BYTES)
    return raw.decode("utf-8", "replace")


def _latest_model(service_dir: str) -> str | None:
    try:
        versions = sorted(v for v in os.listdir(service_dir) if v[:1].isdigit())
    except OSError:
        return None
    for version in reversed(versions):
        for name in ("service-2.json.gz", "service-2.json"):
            path = os.path.join(service_dir, version, name)
            if os.path.exists(path):
                return path
    return None


@lru_cache(maxsize=1)
def service_index() -> ServiceIndex:
    """The index of botocore's installed service models (empty if botocore is missing)."""
    index = ServiceIndex()
    try:
        import botocore
    except ImportError:
        return index
    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    try:
        services = sorted(os.listdir(data_dir))
    except OSError:
        return index
    for name in services:
        path = _latest_model(os.path.join(data_dir, name))
        if path is None:
            continue
        try:
            header = _header(path).split('"operations"', 1)[0]
        except (OSError, zlib.error):
            continue
        fields: dict[str, str] = {}
        for match in _FIELD.finditer(header):
            fields.setdefault(match.group("name"), match.group("value"))
        endpoint = fields.get("endpointPrefix", name)
        model = ServiceModel(name, endpoint, fields.get("signingName", endpoint), path)
        index.by_endpoint.setdefault(endpoint, []).append(model)
    return index
