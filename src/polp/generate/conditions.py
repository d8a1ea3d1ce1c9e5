"""Conditions: attribute-based access (tags), the network perimeter, and condition blocks.

The network perimeter is AWS's documented pattern: one ``Deny`` of everything unless the call comes
from a declared CIDR, VPC or VPC endpoint, with ``BoolIfExists aws:ViaAWSService false`` so that calls
AWS services make on the identity's behalf (which come from AWS's own network) are not blocked. The
``IfExists`` forms make one statement express "any declared route": a call through a VPC endpoint has
no ``aws:SourceIp``, a call from the internet has no ``aws:SourceVpc``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from polp.generate.capabilities.base import Condition
from polp.manifest.model import Abac, Network

NETWORK_DENY_SID = "DenyOutsideDeclaredNetwork"
#: An address from TEST-NET-2 (RFC 5737): outside any network a manifest may declare.
OUTSIDE_IP = "198.51.100.77"
#: An address from TEST-NET-1, standing for "anywhere" when no network is declared.
ANYWHERE_IP = "192.0.2.10"
PROBE_WORD = "polp-probe"


def abac_conditions(tag_keys: Iterable[str], abac: Abac) -> tuple[Condition, ...]:
    """Tag conditions for an access that ABAC may gate through the key templates ``tag_keys``."""
    out: list[Condition] = []
    for template in tag_keys:
        for key, value in abac.resource_tags:
            out.append(("StringEquals", template.format(key=key), (value,)))
    return tuple(out)


def principal_tag_conditions(abac: Abac) -> tuple[Condition, ...]:
    return tuple(("StringEquals", f"aws:PrincipalTag/{key}", (value,)) for key, value in abac.principal_tags)


def condition_block(conditions: Iterable[Condition]) -> dict[str, dict[str, Any]]:
    """``{operator: {key: value or [values]}}``, in the order given; repeated keys merge their values."""
    block: dict[str, dict[str, list[str]]] = {}
    for operator, key, values in conditions:
        existing = block.setdefault(operator, {}).setdefault(key, [])
        existing.extend(v for v in values if v not in existing)
    return {op: {k: (v[0] if len(v) == 1 else v) for k, v in keys.items()} for op, keys in block.items()}


def network_deny(network: Network) -> dict[str, Any] | None:
    """The Deny statement of the network perimeter; None when the manifest declares no network."""
    if not network.declared:
        return None
    conditions: dict[str, dict[str, Any]] = {}
    if network.cidrs:
        conditions["NotIpAddressIfExists"] = {"aws:SourceIp": list(network.cidrs)}
    routes: dict[str, Any] = {}
    if network.vpcs:
        routes["aws:SourceVpc"] = list(network.vpcs)
    if network.vpc_endpoints:
        routes["aws:SourceVpce"] = list(network.vpc_endpoints)
    if routes:
        conditions["StringNotEqualsIfExists"] = routes
    conditions["BoolIfExists"] = {"aws:ViaAWSService": "false"}
    return {
        "Sid": NETWORK_DENY_SID,
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": conditions,
    }


def network_routes(network: Network) -> tuple[tuple[str, dict[str, object]], ...]:
    """One request context per declared way in (the first of each kind), for sufficiency probes."""
    routes: list[tuple[str, dict[str, object]]] = []
    if network.cidrs:
        host = _first_host(network.cidrs[0])
        routes.append((f"from {host} ({network.cidrs[0]})", {"aws:SourceIp": host}))
    if network.vpcs:
        routes.append(
            (f"from {network.vpcs[0]}", {"aws:SourceVpc": network.vpcs[0], "aws:VpcSourceIp": "10.0.0.10"})
        )
    if network.vpc_endpoints:
        routes.append(
            (
                f"through {network.vpc_endpoints[0]}",
                {"aws:SourceVpce": network.vpc_endpoints[0], "aws:VpcSourceIp": "10.0.0.10"},
            )
        )
    return tuple(routes) or (("", {"aws:SourceIp": ANYWHERE_IP}),)


def _first_host(cidr: str) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    return str(next(iter(network.hosts()), network.network_address))


def _concrete(value: str) -> str:
    return value.replace("*", PROBE_WORD).replace("?", "x")


def satisfying_context(conditions: Iterable[Condition]) -> dict[str, object] | None:
    """A request context in which every condition holds, or None when one cannot be built simply."""
    context: dict[str, object] = {}
    for operator, key, values in conditions:
        base = operator.split(":", 1)[-1].removesuffix("IfExists")
        if not values:
            return None
        if operator.startswith("ForAllValues:") or operator.startswith("ForAnyValue:"):
            context[key] = [_concrete(values[0])]
        elif base in (
            "StringEquals",
            "StringLike",
            "StringEqualsIgnoreCase",
            "ArnEquals",
            "ArnLike",
            "NumericEquals",
            "DateEquals",
            "Bool",
        ):
            context[key] = _concrete(values[0])
        elif base == "IpAddress":
            context[key] = _first_host(values[0])
        elif base.startswith(("StringNot", "ArnNot", "NotIpAddress")):
            if not operator.endswith("IfExists"):
                context[key] = f"{PROBE_WORD}-other"
        else:
            return None
    return context


def tag_keys_context(context: Mapping[str, object]) -> dict[str, object]:
    """``aws:TagKeys`` for the request tags a context carries (AWS sets both together)."""
    keys = [k.split("/", 1)[1] for k in context if k.lower().startswith("aws:requesttag/")]
    return {"aws:TagKeys": keys} if keys else {}
