"""``terraform show -json`` output: a plan (``planned_values``) or a state (``values``).

IAM resources are read from the root module and its ``child_modules``, with the same rules as ``.tf``
configurations (:mod:`polp.sources.terraform_iam`); policy attributes are JSON strings there.

Values known only after apply (``after_unknown`` in ``resource_changes``, typically the ``arn`` of a
policy created by the same plan, used by an attachment) are recovered from the plan's
``configuration`` when its expression refers to a resource of the same module whose name is known
(``aws_iam_policy.x.arn``); otherwise they are placeholders ``${<address>.<attribute>}``. The account
is the ``account_id`` of an ``aws_caller_identity`` data source read during the plan, when there is
one; else :data:`~polp.sources.symbols.UNKNOWN_ACCOUNT`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from polp.errors import InputError, Location
from polp.iam.jsonpath import JsonPath
from polp.iam.source import DocumentSource, loads_strict
from polp.inventory import Inventory
from polp.sources.interface import head_text, read_input_text
from polp.sources.symbols import UNKNOWN_ACCOUNT, placeholder
from polp.sources.terraform_iam import IAM_RESOURCES, TfResource, build_inventory, resource_arn, resource_name

MAX_MODULE_DEPTH = 32
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")
_ACCOUNT = re.compile(r"\d{12}\Z")
#: Attributes polp reads that come from the configuration; without the plan's ``configuration``, an
#: unknown attribute outside this set is taken as computed by the provider.
_CONFIGURABLE = frozenset(
    {
        "name",
        "path",
        "policy",
        "assume_role_policy",
        "policy_arn",
        "role",
        "user",
        "group",
        "users",
        "groups",
        "roles",
        "permissions_boundary",
        "role_name",
        "policy_arns",
        "status",
    }
)


class TerraformPlanSource:
    name = "terraform-plan"

    def detect(self, path: str, head: bytes) -> bool:
        text = head_text(head)
        return (
            text.startswith("{")
            and '"format_version"' in text
            and any(f'"{key}"' in text for key in ("planned_values", "resource_changes", "terraform_version"))
        )

    def read(self, path: str) -> Inventory:
        data, source = loads_strict(read_input_text(path), path)
        if not isinstance(data, dict) or not any(
            k in data for k in ("planned_values", "values", "resource_changes")
        ):
            raise InputError(
                "not the output of terraform show -json (no planned_values or values)", Location(path, 1, 1)
            )
        return read_plan(data, source, path)


def _modules(data: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], JsonPath]]:
    key = "planned_values" if isinstance(data.get("planned_values"), dict) else "values"
    root = data.get(key, {}).get("root_module") if isinstance(data.get(key), dict) else None
    stack: list[tuple[Any, JsonPath, int]] = [(root, (key, "root_module"), 0)]
    while stack:
        module, path, depth = stack.pop(0)
        if not isinstance(module, dict) or depth > MAX_MODULE_DEPTH:
            continue
        yield module, path
        children = module.get("child_modules")
        for index, child in enumerate(children if isinstance(children, list) else ()):
            stack.append((child, (*path, "child_modules", index), depth + 1))


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _module_prefix(address: str) -> str:
    """``module.a["x"].module.b.`` of an address, instance keys removed: ``module.a.module.b.``."""
    parts = _INSTANCE_KEY.sub("", address).split(".")
    prefix: list[str] = []
    while len(parts) >= 2 and parts[0] == "module":
        prefix.extend(parts[:2])
        parts = parts[2:]
    return "".join(p + "." for p in prefix)


def _configuration_expressions(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The expressions of every configured resource, by module prefix and resource address."""
    out: dict[str, Mapping[str, Any]] = {}
    configuration = data.get("configuration")
    root = configuration.get("root_module") if isinstance(configuration, dict) else None
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        module, prefix, depth = stack.pop()
        if not isinstance(module, dict) or depth > MAX_MODULE_DEPTH:
            continue
        for resource in _items(module.get("resources")):
            if (
                isinstance(resource, dict)
                and isinstance(resource.get("address"), str)
                and isinstance(resource.get("expressions"), dict)
            ):
                out[prefix + resource["address"]] = resource["expressions"]
        calls = module.get("module_calls")
        for name, call in calls.items() if isinstance(calls, dict) else ():
            if isinstance(call, dict):
                stack.append((call.get("module"), f"{prefix}module.{name}.", depth + 1))
    return out


def _after_unknown(data: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for change in _items(data.get("resource_changes")):
        if isinstance(change, dict) and isinstance(change.get("address"), str):
            inner = change.get("change")
            if isinstance(inner, dict) and isinstance(inner.get("after_unknown"), dict):
                out[change["address"]] = inner["after_unknown"]
    return out


def _account(data: Mapping[str, Any]) -> str:
    """The account of an ``aws_caller_identity`` data source read during the plan (or in the state)."""
    for holder in (data.get("prior_state"), data):
        if not isinstance(holder, dict):
            continue
        for module, _ in _modules(holder):
            for resource in _items(module.get("resources")):
                if isinstance(resource, dict) and resource.get("type") == "aws_caller_identity":
                    values = resource.get("values")
                    account = values.get("account_id") if isinstance(values, dict) else None
                    if isinstance(account, str) and _ACCOUNT.match(account):
                        return account
    return UNKNOWN_ACCOUNT


def _fill_unknown(values: Any, unknown: Any, address: str, path: str, placeholders: set[str]) -> Any:
    """Put a placeholder wherever the plan says a value is known only after apply."""
    if unknown is True:
        if values is None:
            text = placeholder(f"{address}.{path}")
            placeholders.add(text)
            return text
        return values
    if isinstance(unknown, dict) and isinstance(values, dict | type(None)):
        out = dict(values or {})
        for key, inner in unknown.items():
            out[key] = _fill_unknown(
                out.get(key), inner, address, f"{path}.{key}" if path else key, placeholders
            )
        return out
    if isinstance(unknown, list) and isinstance(values, list):
        return [
            _fill_unknown(v, unknown[i] if i < len(unknown) else None, address, f"{path}[{i}]", placeholders)
            for i, v in enumerate(values)
        ]
    return values


class _Plan:
    def __init__(self, data: Mapping[str, Any], source: DocumentSource) -> None:
        self.data = data
        self.source = source
        self.account = _account(data)
        self.expressions = _configuration_expressions(data)
        self.unknown = _after_unknown(data)
        self.placeholders: set[str] = set()
        self.resources: list[TfResource] = []
        self.by_address: dict[str, TfResource] = {}

    def collect(self) -> None:
        for module, path in _modules(self.data):
            resources = module.get("resources")
            for index, resource in enumerate(resources if isinstance(resources, list) else ()):
                if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
                    continue
                kind, name, address = resource.get("type"), resource.get("name"), resource.get("address")
                values = resource.get("values")
                if kind not in IAM_RESOURCES or not isinstance(name, str) or not isinstance(address, str):
                    continue
                line = self.source.locate((*path, "resources", index))
                item = TfResource(
                    str(kind),
                    name,
                    address,
                    values if isinstance(values, dict) else {},
                    Location(line.file, line.line, line.column, address),
                )
                self.resources.append(item)
                self.by_address[_INSTANCE_KEY.sub("", address)] = item

    def referenced(self, prefix: str, reference: str) -> str | None:
        """The value of ``aws_iam_policy.x.arn`` (a reference in the same module) if it is known."""
        parts = _INSTANCE_KEY.sub("", reference).split(".")
        if len(parts) != 3:
            return None
        target = self.by_address.get(prefix + ".".join(parts[:2]))
        if target is None:
            return None
        if parts[2] in ("name", "id") and not (parts[2] == "id" and target.type == "aws_iam_policy"):
            name, _ = resource_name(target)
            return name
        if parts[2] in ("arn", "id"):
            return resource_arn(target, self.account)
        return None

    def resolve_unknowns(self) -> list[TfResource]:
        out: list[TfResource] = []
        for resource in self.resources:
            unknown = self.unknown.get(resource.address)
            values = dict(resource.values)
            if isinstance(unknown, dict):
                prefix = _module_prefix(resource.address)
                expressions = self.expressions.get(_INSTANCE_KEY.sub("", resource.address))
                for attribute, flag in unknown.items():
                    configured = attribute in expressions if expressions else attribute in _CONFIGURABLE
                    if not configured or flag is False:
                        continue  # computed by the provider (an ARN, the role's list of attachments)
                    if flag is True and values.get(attribute) is None:
                        found = self.from_reference(prefix, expressions, attribute)
                        if found is not None:
                            values[attribute] = found
                            continue
                    values[attribute] = _fill_unknown(
                        values.get(attribute), flag, resource.address, attribute, self.placeholders
                    )
            out.append(TfResource(resource.type, resource.name, resource.address, values, resource.location))
        return out

    def from_reference(
        self, prefix: str, expressions: Mapping[str, Any] | None, attribute: str
    ) -> str | None:
        expression = expressions.get(attribute) if expressions else None
        references = expression.get("references") if isinstance(expression, dict) else None
        for reference in references if isinstance(references, list) else ():
            found = self.referenced(prefix, reference) if isinstance(reference, str) else None
            if found is not None:
                return found
        return None


def read_plan(data: Mapping[str, Any], source: DocumentSource, origin: str) -> Inventory:
    plan = _Plan(data, source)
    plan.collect()
    resources = plan.resolve_unknowns()
    return build_inventory(resources, account=plan.account, placeholders=plan.placeholders, origins=(origin,))
