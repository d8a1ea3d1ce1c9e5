"""A request to decide, and its JSON form (``polp simulate``).

```json
{"principal": "arn:aws:iam::111122223333:role/deployer",
 "action": "sagemaker:UpdateEndpoint",
 "resource": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/demand",
 "resource_account": "111122223333",
 "context": {"aws:SourceIp": "203.0.113.7"},
 "identity_policies": [], "resource_policy": null, "permission_boundary": null,
 "scps": [[], []], "rcps": [], "session_policy": null, "endpoint_policy": null}
```
Absent keys mean "none". ``scps`` and ``rcps`` are lists of levels (root, each OU, the account), each a
list of documents; an empty outer list means no organization.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from polp.errors import Location, PolicyParseError, UsageError
from polp.iam.context import RequestContext
from polp.iam.model import Policy
from polp.iam.parse import parse_policy_data
from polp.iam.principals import RequestPrincipal
from polp.iam.source import DocumentSource

_KEYS = frozenset({"principal", "action", "resource", "resource_account", "context", "identity_policies",
                   "resource_policy", "permission_boundary", "scps", "rcps", "session_policy",
                   "endpoint_policy"})


@dataclass(frozen=True, slots=True)
class Request:
    principal: RequestPrincipal
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: RequestContext = field(default_factory=lambda: RequestContext({}))
    identity_policies: tuple[Policy, ...] = ()
    resource_policy: Policy | None = None
    permission_boundary: Policy | None = None
    scps: tuple[tuple[Policy, ...], ...] = ()
    rcps: tuple[tuple[Policy, ...], ...] = ()
    session_policy: Policy | None = None
    endpoint_policy: Policy | None = None


PolicyLoader = Callable[[object, str], Policy]


def _default_loader(document: object, where: str) -> Policy:
    return parse_policy_data(document, DocumentSource(name=where))


def _principal(value: object, where: str) -> RequestPrincipal:
    if isinstance(value, str) and value:
        return RequestPrincipal.parse(value)
    if isinstance(value, Mapping):
        kind = value.get("type")
        if kind == "Anonymous":
            return RequestPrincipal("Anonymous")
        ident = value.get("id", value.get("arn"))
        if kind in ("AWS", "Service", "Federated", "CanonicalUser") and isinstance(ident, str):
            return RequestPrincipal(kind, ident)
    raise UsageError('"principal" must be an ARN, a service principal, {"type": "Anonymous"} or '
                     '{"type": "AWS"|"Service"|"Federated"|"CanonicalUser", "id": "..."}',
                     Location(where, path="principal"))


def request_from_json(data: object, where: str = "<request>", loader: PolicyLoader | None = None) -> Request:
    """Build a :class:`Request` from its decoded JSON form; errors name ``where`` and the key."""
    load = loader or _default_loader
    if not isinstance(data, Mapping):
        raise UsageError("a request must be a JSON object", Location(where))
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise UsageError(f"unknown request key(s): {', '.join(unknown)}", Location(where, path=unknown[0]))

    def text(key: str, required: bool) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value:
            raise UsageError(f'"{key}" must be a non-empty string', Location(where, path=key))
        return value

    def policy(value: object, path: str) -> Policy:
        try:
            return load(value, f"{where}#{path}")
        except PolicyParseError as exc:
            raise UsageError(f"{path}: {exc.message}", exc.location) from None

    def optional_policy(key: str) -> Policy | None:
        value = data.get(key)
        return None if value is None else policy(value, key)

    def policy_list(value: object, path: str) -> tuple[Policy, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise UsageError(f'"{path}" must be a list of policy documents', Location(where, path=path))
        return tuple(policy(item, f"{path}[{i}]") for i, item in enumerate(value))

    def levels(key: str) -> tuple[tuple[Policy, ...], ...]:
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise UsageError(f'"{key}" must be a list of levels, each a list of policy documents',
                             Location(where, path=key))
        return tuple(policy_list(level, f"{key}[{i}]") for i, level in enumerate(value))

    context = data.get("context") or {}
    if not isinstance(context, Mapping):
        raise UsageError('"context" must be an object', Location(where, path="context"))
    try:
        ctx = RequestContext(context)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"context: {exc}", Location(where, path="context")) from None
    return Request(
        principal=_principal(data.get("principal"), where),
        action=text("action", True) or "",
        resource=text("resource", False) or "*",
        resource_account=text("resource_account", False),
        context=ctx,
        identity_policies=policy_list(data.get("identity_policies"), "identity_policies"),
        resource_policy=optional_policy("resource_policy"),
        permission_boundary=optional_policy("permission_boundary"),
        scps=levels("scps"),
        rcps=levels("rcps"),
        session_policy=optional_policy("session_policy"),
        endpoint_policy=optional_policy("endpoint_policy"),
    )
