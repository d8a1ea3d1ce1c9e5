"""Load ``polp.yaml``: YAML with line numbers, the JSON Schema, then the checks a schema cannot express.

Every problem is reported with its file and line (:class:`~polp.manifest.schema.ManifestError`);
a manifest that loads is complete and consistent, so the compiler never meets a malformed value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from polp.errors import InputError, Location
from polp.iam.catalog import get_catalog
from polp.manifest.model import (
    DEFAULT_AUDIENCE,
    DEFAULT_SESSION_SECONDS,
    GITHUB_ISSUER,
    GITLAB_ISSUER,
    MAX_SESSION_SECONDS,
    MIN_SESSION_SECONDS,
    Abac,
    Capability,
    EksServiceAccount,
    GitHubActions,
    GitLabCI,
    Identity,
    Manifest,
    Network,
    NeverItem,
    OidcIssuer,
    ServicePrincipal,
    Trust,
)
from polp.manifest.never import CATEGORIES
from polp.manifest.schema import ManifestError, validate_against_schema
from polp.manifest.yaml_source import MAX_MANIFEST_BYTES, JsonPath, YamlDocument, load_yaml
from polp.sources.interface import read_input_text

_DURATION = re.compile(r"^([0-9]+)([smh])$")
_UNIT = {"s": 1, "m": 60, "h": 3600}
_SHARED = ("max_session_duration", "network", "abac", "never", "deny_never", "permissions_boundary", "tags")


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        return ()
    return tuple((str(k), str(v)) for k, v in value.items())


class _Builder:
    def __init__(self, document: YamlDocument) -> None:
        self.doc = document
        self.problems: list[tuple[str, Location]] = []

    def problem(self, message: str, path: JsonPath) -> None:
        self.problems.append((message, self.doc.locate(path)))

    # -- pieces ---------------------------------------------------------------------------------

    def duration(self, value: object, path: JsonPath) -> int:
        if value is None:
            return DEFAULT_SESSION_SECONDS
        seconds: int
        if isinstance(value, int) and not isinstance(value, bool):
            seconds = value
        else:
            match = _DURATION.match(str(value))
            if match is None:
                self.problem("expected seconds, or a duration such as 1h or 90m", path)
                return DEFAULT_SESSION_SECONDS
            seconds = int(match.group(1)) * _UNIT[match.group(2)]
        if not MIN_SESSION_SECONDS <= seconds <= MAX_SESSION_SECONDS:
            self.problem(
                f"expected a maximum session duration from 1h ({MIN_SESSION_SECONDS} s) to 12h "
                f"({MAX_SESSION_SECONDS} s), as AWS allows for a role, found {seconds} s",
                path,
            )
            return DEFAULT_SESSION_SECONDS
        return seconds

    def network(self, value: object, path: JsonPath) -> Network:
        raw = value if isinstance(value, Mapping) else {}
        cidrs = _strings(raw.get("cidrs"))
        for i, cidr in enumerate(cidrs):
            try:
                network = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                self.problem(
                    f"expected a CIDR block such as 203.0.113.0/24, found {cidr!r}", (*path, "cidrs", i)
                )
                continue
            if str(network) != cidr and network.with_prefixlen != cidr:
                self.problem(
                    f"{cidr} has host bits set; did you mean {network.with_prefixlen}?", (*path, "cidrs", i)
                )
            elif network.prefixlen == 0:
                self.problem(f"{cidr} is every address; leave cidrs out instead", (*path, "cidrs", i))
        return Network(_strings(raw.get("vpc_endpoints")), _strings(raw.get("vpcs")), cidrs)

    def never(self, value: object, path: JsonPath) -> tuple[NeverItem, ...]:
        items: list[NeverItem] = []
        for i, raw in enumerate(value if isinstance(value, list) else []):
            where = self.doc.locate((*path, i))
            if isinstance(raw, str):
                category = CATEGORIES[raw]
                items.append(
                    NeverItem(raw, category.patterns, ("*",), where, category.excluded, category.example)
                )
                continue
            actions = _strings(raw.get("actions")) if isinstance(raw, Mapping) else ()
            for j, pattern in enumerate(actions):
                if not get_catalog().expand(pattern):
                    self.problem(f"{pattern} matches no action in the catalog", (*path, i, "actions", j))
            resources = _strings(raw.get("resources")) if isinstance(raw, Mapping) else ()
            items.append(NeverItem(", ".join(actions), actions, resources or ("*",), where))
        return tuple(items)

    def trust(self, value: object, path: JsonPath) -> Trust | None:
        if not isinstance(value, Mapping) or len(value) != 1:
            return None
        kind, raw = next(iter(value.items()))
        spec: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        where = (*path, kind)
        audience = str(spec.get("audience", DEFAULT_AUDIENCE))
        if kind == "github_actions":
            trust_gh = GitHubActions(
                str(spec["repository"]),
                _strings(spec.get("branches")),
                _strings(spec.get("tags")),
                _strings(spec.get("environments")),
                audience,
                str(spec.get("issuer", GITHUB_ISSUER)),
            )
            if not (trust_gh.branches or trust_gh.tags or trust_gh.environments):
                self.problem(
                    "expected branches, tags or environments: without them any workflow of the "
                    "repository, pull requests included, could assume the role",
                    where,
                )
            return trust_gh
        if kind == "gitlab_ci":
            trust_gl = GitLabCI(
                str(spec["project_path"]),
                _strings(spec.get("branches")),
                _strings(spec.get("tags")),
                audience,
                str(spec.get("issuer", GITLAB_ISSUER)),
            )
            if not (trust_gl.branches or trust_gl.tags):
                self.problem(
                    "expected branches or tags: without them any pipeline of the project could assume "
                    "the role",
                    where,
                )
            return trust_gl
        if kind == "oidc":
            return OidcIssuer(str(spec["issuer"]), _strings(spec.get("subjects")), audience)
        if kind == "aws_service":
            return ServicePrincipal(str(spec["service"]), _strings(spec.get("source_arns")))
        if kind == "eks_service_account":
            return EksServiceAccount(
                str(spec["namespace"]), str(spec["service_account"]), issuer=str(spec["issuer"])
            )
        return EksServiceAccount(
            str(spec["namespace"]), str(spec["service_account"]), cluster=str(spec["cluster"])
        )

    # -- identities -----------------------------------------------------------------------------

    def identity(
        self, name: str, raw: Mapping[str, Any], defaults: Mapping[str, Any], pipeline: str
    ) -> Identity | None:
        path: JsonPath = ("identities", name)

        def shared(key: str) -> tuple[object, JsonPath]:
            if key in raw:
                return raw[key], (*path, key)
            return defaults.get(key), ("defaults", key)

        trust = self.trust(raw.get("trust"), (*path, "trust"))
        if trust is None:
            return None
        capabilities = tuple(
            Capability(
                next(iter(item)),
                dict(next(iter(item.values())) or {}),
                self.doc.locate((*path, "capabilities", i)),
                i,
            )
            for i, item in enumerate(raw.get("capabilities", []))
            if isinstance(item, Mapping) and len(item) == 1
        )
        role_name = str(raw.get("role_name") or f"{pipeline}-{name}".replace("_", "-"))
        if len(role_name) > 64:
            self.problem(f"the role name {role_name} is longer than 64 characters; set role_name", path)
        session, session_path = shared("max_session_duration")
        network, network_path = shared("network")
        abac, _ = shared("abac")
        abac_map = abac if isinstance(abac, Mapping) else {}
        never, never_path = shared("never")
        boundary, _ = shared("permissions_boundary")
        tags, _ = shared("tags")
        deny, _ = shared("deny_never")
        return Identity(
            name=name,
            role_name=role_name,
            description=str(raw.get("description", "")),
            trust=trust,
            capabilities=capabilities,
            location=self.doc.locate(path),
            role_path=str(raw.get("role_path", "/")),
            max_session_duration=self.duration(session, session_path),
            network=self.network(network, network_path),
            abac=Abac(_pairs(abac_map.get("resource_tags")), _pairs(abac_map.get("principal_tags"))),
            never=self.never(never, never_path),
            deny_never=deny is True,
            permissions_boundary=str(boundary) if isinstance(boundary, str) else None,
            maps_to=str(raw["maps_to"]) if isinstance(raw.get("maps_to"), str) else None,
            tags=_pairs(tags),
            trust_location=self.doc.locate((*path, "trust")),
        )

    def manifest(self) -> Manifest:
        data = self.doc.data
        assert isinstance(data, Mapping)  # the schema guarantees it
        pipeline = str(data["pipeline"])
        defaults = data.get("defaults") or {}
        identities: list[Identity] = []
        roles: dict[str, str] = {}
        for name, raw in data["identities"].items():
            identity = self.identity(name, raw, defaults, pipeline)
            if identity is None:
                continue
            other = roles.setdefault(identity.role_name.lower(), name)
            if other != name:
                self.problem(
                    f"role name {identity.role_name} is also the role of identity {other}",
                    ("identities", name),
                )
            identities.append(identity)
        if self.problems:
            raise ManifestError(self.problems)
        return Manifest(
            pipeline=pipeline,
            account=str(data["account"]),
            region=str(data["region"]),
            identities=tuple(identities),
            file=self.doc.file,
            partition=str(data.get("partition", "aws")),
            version=int(data["version"]),
        )


def load_manifest_text(text: str, file: str) -> Manifest:
    document = load_yaml(text, file)
    if not isinstance(document.data, dict):
        raise InputError(
            "expected a mapping with version, pipeline, account, region and identities", Location(file, 1)
        )
    validate_against_schema(document)
    return _Builder(document).manifest()


def load_manifest(path: str) -> Manifest:
    """Read and check ``path``; raises :class:`InputError` (a :class:`ManifestError` for content)."""
    return load_manifest_text(read_input_text(path, MAX_MANIFEST_BYTES), path)
