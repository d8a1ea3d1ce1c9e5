"""Resolving references in a Terraform configuration: a root module and the local modules it calls.

Resolved: ``var.x`` (the module call's argument, else ``terraform.tfvars``/``*.auto.tfvars`` in the
root, else the default), ``local.x``, ``module.m.output``, ``path.module``/``path.root``, ``file(...)``
inside the configuration's directory tree, ``data.aws_iam_policy_document.x.json``,
``data.aws_caller_identity.x.account_id`` (the account, see below), ``data.aws_partition.x.partition``,
``data.aws_iam_policy.x.arn`` by name from the AWS managed policy snapshot, and the attributes of
resources of the same module: the ``name``/``id``/``arn`` of roles, users, groups and policies, the ARN
of OIDC providers and S3 buckets, and any attribute written literally in the resource.

The account: the one ``allowed_account_ids`` (or an ``assume_role`` ARN) of the root's ``aws``
provider names when they agree on one; otherwise :data:`~polp.sources.symbols.UNKNOWN_ACCOUNT`, which
stands for "the account this configuration is applied to" and is not symbolic.

Everything else is :class:`~polp.sources.hcl_expr.Unknown`; every placeholder made is collected in
:attr:`Configuration.placeholders`. Cycles and over-deep chains of references are unknown too.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from polp.errors import InputError
from polp.inventory import InputProblem
from polp.sources.hcl_expr import MISSING, Unknown, evaluate_text, literal_string, render, step
from polp.sources.hcl_functions import call_function
from polp.sources.managed_snapshot import lookup_managed_policy_by_name, snapshot_document
from polp.sources.symbols import DEFAULT_PARTITION, UNKNOWN_ACCOUNT, iam_arn, normalise_path
from polp.sources.terraform_config import Block, ModuleFiles, attributes
from polp.sources.terraform_iam import PRINCIPAL_RESOURCES
from polp.sources.terraform_policy_document import policy_document_json

MAX_MODULE_DEPTH = 8
MAX_REFERENCE_DEPTH = 24
MAX_FILE_FUNCTION_BYTES = 1024 * 1024
_ACCOUNT = re.compile(r"\d{12}\Z")
_META = re.compile(r"__\w+__\Z")


@dataclass(slots=True)
class ModuleInstance:
    files: ModuleFiles
    address: str
    parent: ModuleInstance | None = None
    call: Block | None = None
    children: dict[str, ModuleInstance] = field(default_factory=dict)


class Configuration:
    """A root module and its local modules, with everything needed to evaluate them."""

    def __init__(
        self, root: ModuleFiles, load: Callable[[str], ModuleFiles], *, tfvars: dict[str, Any] | None = None
    ) -> None:
        self.root_dir = os.path.realpath(root.directory)
        self.load = load
        self.tfvars = tfvars or {}
        self.placeholders: set[str] = set()
        self.problems: list[InputProblem] = []
        self.depth = 0
        self._scopes: dict[int, ModuleScope] = {}
        self.root = ModuleInstance(root, "")
        self._expand(self.root, (os.path.realpath(root.directory),))
        self.account = UNKNOWN_ACCOUNT
        self.account = self._account()
        self._scopes.clear()  # values memoised while looking for the account may have used the placeholder

    def _expand(self, instance: ModuleInstance, chain: tuple[str, ...]) -> None:
        for name, block in instance.files.modules.items():
            raw = attributes(block.body).get("source")
            source = literal_string(raw) if isinstance(raw, str) else None
            if source is None or not source.startswith(("./", "../")):
                self.problems.append(
                    InputProblem(
                        f"module {name!r}: source {source or raw!r} is not a local path; not read",
                        block.location,
                    )
                )
                continue
            directory = os.path.normpath(os.path.join(instance.files.directory, source))
            if os.path.realpath(directory) in chain or len(chain) > MAX_MODULE_DEPTH:
                self.problems.append(
                    InputProblem(
                        f"module {name!r}: calls itself or nests too deeply; not read", block.location
                    )
                )
                continue
            try:
                files = self.load(directory)
            except InputError as exc:
                self.problems.append(InputProblem(f"module {name!r}: {exc.message}", block.location))
                continue
            child = ModuleInstance(files, f"{instance.address}module.{name}.", instance, block)
            instance.children[name] = child
            self._expand(child, (*chain, os.path.realpath(directory)))

    def instances(self) -> Iterator[ModuleInstance]:
        stack = [self.root]
        while stack:
            instance = stack.pop(0)
            yield instance
            stack.extend(instance.children.values())

    def scope(self, instance: ModuleInstance) -> ModuleScope:
        scope = self._scopes.get(id(instance))
        if scope is None:
            scope = self._scopes[id(instance)] = ModuleScope(self, instance)
        return scope

    def _account(self) -> str:
        scope = self.scope(self.root)
        found: set[str] = set()
        for provider in self.root.files.providers:
            if provider.labels != ("aws",):
                continue
            body = attributes(provider.body)
            allowed = scope.evaluate(body.get("allowed_account_ids"))
            found.update(a for a in (allowed if isinstance(allowed, list) else ()) if isinstance(a, str))
            blocks = body.get("assume_role")
            for block in blocks if isinstance(blocks, list) else []:
                arn = scope.evaluate(attributes(block).get("role_arn")) if isinstance(block, dict) else None
                if isinstance(arn, str) and arn.count(":") >= 5:
                    found.add(arn.split(":")[4])
        return found.pop() if len(found) == 1 and all(_ACCOUNT.match(a) for a in found) else UNKNOWN_ACCOUNT


class ModuleScope:
    """Evaluates expressions inside one module instance."""

    def __init__(self, config: Configuration, instance: ModuleInstance) -> None:
        self.config = config
        self.instance = instance
        self.files = instance.files
        self._memo: dict[tuple[str, ...], Any] = {}
        self._active: set[tuple[str, ...]] = set()

    # --- the Scope protocol ----------------------------------------------------------------------

    def unknown(self, text: str) -> Unknown:
        value = Unknown(text)
        self.config.placeholders.add(value.placeholder)
        return value

    def call(self, name: str, args: list[Any], text: str) -> Any:
        if name == "file" and len(args) == 1 and isinstance(args[0], str):
            content = self._read_file(args[0])
            return content if content is not None else self.unknown(text)
        return call_function(name, args, lambda: self.unknown(text))

    def lookup(self, parts: tuple[str | int, ...], text: str) -> Any:
        if self.config.depth >= MAX_REFERENCE_DEPTH:
            return self.unknown(text)
        self.config.depth += 1
        try:
            return self._lookup(parts, text)
        finally:
            self.config.depth -= 1

    # --- evaluation --------------------------------------------------------------------------------

    def evaluate(self, raw: Any) -> Any:
        """A value as python-hcl2 gives it (expression text, blocks, objects, lists) evaluated."""
        if isinstance(raw, str):
            return evaluate_text(raw, self)
        if isinstance(raw, dict):
            out: dict[str, Any] = {}
            for key, value in raw.items():
                if _META.match(key):
                    continue
                name = literal_string(key) if key.startswith('"') else key
                if name is None:
                    name = render(evaluate_text(key, self)) or key
                out[name] = self.evaluate(value)
            return out
        if isinstance(raw, list):
            return [self.evaluate(item) for item in raw]
        return raw

    def _memoised(self, key: tuple[str, ...], compute: Callable[[], Any], text: str) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return self.unknown(text)
        self._active.add(key)
        try:
            value = compute()
        finally:
            self._active.discard(key)
        self._memo[key] = value
        return value

    def _lookup(self, parts: tuple[str | int, ...], text: str) -> Any:
        root = parts[0]
        rest = list(parts[1:])
        name = rest.pop(0) if rest and isinstance(rest[0], str) else None
        if not isinstance(root, str) or not isinstance(name, str):
            return self.unknown(text)
        if root == "var":
            value = self._memoised(("var", name), lambda: self.variable(name), text)
            return self._index(value, rest, text)
        if root == "local":
            value = self._memoised(("local", name), lambda: self.local(name, text), text)
            return self._index(value, rest, text)
        if root == "path" and name in ("module", "root", "cwd"):
            return os.path.realpath(self.files.directory) if name == "module" else self.config.root_dir
        if root == "module":
            return self.module_output(name, rest, text)
        if root == "data":
            data_name = rest.pop(0) if rest else None
            if not isinstance(data_name, str):
                return self.unknown(text)
            self._skip_index(rest, self.files.data.get((name, data_name)))
            data_attribute = rest.pop(0) if rest else None
            if not isinstance(data_attribute, str):
                return self.unknown(text)
            attribute: str = data_attribute
            key = ("data", name, data_name, attribute)
            value = self._memoised(key, lambda: self.data_attribute(name, data_name, attribute, text), text)
            return self._index(value, rest, text)
        block = self.files.resources.get((root, name))
        if block is not None:
            self._skip_index(rest, block)
            resource_attribute = rest.pop(0) if rest else None
            if not isinstance(resource_attribute, str):
                return self.unknown(text)
            attribute = resource_attribute
            key = ("resource", root, name, attribute)
            value = self._memoised(key, lambda: self.resource_attribute(root, name, attribute, text), text)
            return self._index(value, rest, text)
        return self.unknown(text)

    @staticmethod
    def _skip_index(rest: list[str | int], block: Block | None) -> None:
        """Drop the instance key of a resource with ``count``/``for_each``: one instance stands for all."""
        body = attributes(block.body) if block is not None else {}
        if len(rest) >= 2 and ("count" in body or "for_each" in body):
            rest.pop(0)

    def _index(self, value: Any, rest: list[str | int], text: str) -> Any:
        for part in rest:
            if isinstance(value, Unknown):
                return self.unknown(text)
            value = step(value, part)
            if value is MISSING:
                return self.unknown(text)
        return value

    # --- variables, locals, modules ----------------------------------------------------------------

    def variable(self, name: str) -> Any:
        call = self.instance.call
        parent = self.instance.parent
        if call is not None and parent is not None:
            arguments = attributes(call.body)
            if name in arguments:
                return self.config.scope(parent).evaluate(arguments[name])
        elif name in self.config.tfvars:
            return self.evaluate(self.config.tfvars[name])
        block = self.files.variables.get(name)
        if block is not None:
            body = attributes(block.body)
            if "default" in body:
                return self.evaluate(body["default"])
        return self.unknown(f"var.{name}")

    def local(self, name: str, text: str) -> Any:
        found = self.files.locals.get(name)
        return self.evaluate(found[0]) if found is not None else self.unknown(text)

    def module_output(self, name: str, rest: list[str | int], text: str) -> Any:
        child = self.instance.children.get(name)
        if (
            rest
            and isinstance(rest[0], int | str)
            and child is not None
            and rest[0] not in child.files.outputs
        ):
            rest = rest[1:]  # module.m[0].x
        if child is None or not rest or not isinstance(rest[0], str):
            return self.unknown(text)
        output = child.files.outputs.get(rest[0])
        if output is None:
            return self.unknown(text)
        scope = self.config.scope(child)
        value = scope._memoised(
            ("output", rest[0]), lambda: scope.evaluate(attributes(output.body).get("value")), text
        )
        return self._index(value, rest[1:], text)

    def _read_file(self, path: str) -> str | None:
        """``file()``, only for regular files inside the configuration's tree, up to 1 MiB."""
        full = os.path.realpath(path if os.path.isabs(path) else os.path.join(self.config.root_dir, path))
        allowed = (self.config.root_dir, os.path.realpath(self.files.directory))
        if not any(full == d or full.startswith(d + os.sep) for d in allowed):
            return None
        try:
            if not os.path.isfile(full) or os.path.getsize(full) > MAX_FILE_FUNCTION_BYTES:
                return None
            with open(full, "rb") as handle:
                return handle.read(MAX_FILE_FUNCTION_BYTES).decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None

    # --- resources and data sources --------------------------------------------------------------

    def resource_name(self, block: Block) -> Any:
        body = attributes(block.body)
        if body.get("name") is not None:
            return self.evaluate(body["name"])
        return block.labels[1]

    def resource_attribute(self, kind: str, name: str, attribute: str, text: str) -> Any:
        block = self.files.resources[(kind, name)]
        body = attributes(block.body)
        account = self.config.account
        if kind in PRINCIPAL_RESOURCES or kind in ("aws_iam_policy", "aws_iam_instance_profile"):
            resource_name = self.resource_name(block)
            if attribute == "name" or (attribute == "id" and kind != "aws_iam_policy"):
                return resource_name
            if attribute in ("arn", "id"):
                arn_kind = PRINCIPAL_RESOURCES.get(kind) or (
                    "policy" if kind == "aws_iam_policy" else "instance-profile"
                )
                path = render(self.evaluate(body.get("path"))) if body.get("path") is not None else "/"
                return iam_arn(account, arn_kind, normalise_path(path), render(resource_name) or name)
        if kind == "aws_iam_openid_connect_provider" and attribute in ("arn", "id"):
            url = render(self.evaluate(body.get("url")))
            if url is not None:
                return f"arn:{DEFAULT_PARTITION}:iam::{account}:oidc-provider/{url.removeprefix('https://')}"
        if (
            kind == "aws_s3_bucket"
            and attribute in ("arn", "id", "bucket")
            and body.get("bucket") is not None
        ):
            bucket = self.evaluate(body["bucket"])
            return f"arn:{DEFAULT_PARTITION}:s3:::{render(bucket)}" if attribute == "arn" else bucket
        if attribute in body and attribute not in ("count", "for_each"):
            return self.evaluate(body[attribute])
        return self.unknown(text)

    def data_attribute(self, kind: str, name: str, attribute: str, text: str) -> Any:
        if kind == "aws_caller_identity" and attribute == "account_id":
            return self.config.account
        if kind == "aws_partition":
            return {"partition": DEFAULT_PARTITION, "dns_suffix": "amazonaws.com"}.get(
                attribute
            ) or self.unknown(text)
        block = self.files.data.get((kind, name))
        if block is None:
            return self.unknown(text)
        body = attributes(block.body)
        if kind == "aws_iam_policy_document" and attribute in ("json", "minified_json"):
            document = policy_document_json(self.evaluate(body))
            return document if document is not None else self.unknown(text)
        if kind == "aws_iam_policy":
            return self.managed_policy_data(body, attribute, text)
        if attribute in body:
            return self.evaluate(body[attribute])
        return self.unknown(text)

    def managed_policy_data(self, body: dict[str, Any], attribute: str, text: str) -> Any:
        """``data "aws_iam_policy"``: an existing policy, known when it is AWS managed."""
        arn = self.evaluate(body["arn"]) if body.get("arn") is not None else None
        name = self.evaluate(body["name"]) if body.get("name") is not None else None
        if not isinstance(name, str) and isinstance(arn, str) and ":iam::aws:policy/" in arn:
            name = arn.rsplit("/", 1)[-1]
        ref = lookup_managed_policy_by_name(name) if isinstance(name, str) else None
        if attribute in ("arn", "id"):
            if isinstance(arn, str):
                return arn
            return ref.arn if ref is not None and ref.arn else self.unknown(text)
        if attribute == "name" and isinstance(name, str):
            return name
        if attribute == "policy" and isinstance(name, str):
            document = snapshot_document(name)
            if document is not None:
                return json.dumps(document)
        return self.unknown(text)
