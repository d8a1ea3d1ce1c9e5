"""Terraform configurations (``.tf`` files, and ``.tf.json`` in Terraform's JSON syntax, see
:mod:`polp.sources.terraform_json`): the IAM principals and policies they create.

A directory of ``.tf``/``.tf.json`` files is one root module; the local modules it calls
(``source = "./..."``) are read with it, their variables bound to the call's arguments, so references
resolve across files and modules. A directory that another directory calls as a module is not also
read as a root. Remote modules (registry, git) are not read; that is reported.

How references resolve, and what the account in ARNs is (the ``allowed_account_ids`` of the ``aws``
provider when it names exactly one, else :data:`~polp.sources.symbols.UNKNOWN_ACCOUNT`), is described
in :mod:`polp.sources.terraform_refs`; how resources become principals in
:mod:`polp.sources.terraform_iam`. A resource whose ``count`` or ``for_each`` is known to be empty is
not created and not read; one with an unknown ``count``/``for_each`` is read once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from polp.errors import InputError, Location
from polp.inventory import InputProblem, Inventory
from polp.sources.hcl_expr import Unknown, to_plain
from polp.sources.interface import head_text, read_input_text
from polp.sources.terraform_config import (
    MAX_TF_BYTES,
    ModuleFiles,
    attributes,
    load_module,
    parse_tf_file,
    tf_files_in,
)
from polp.sources.terraform_iam import IAM_RESOURCES, TfResource, build_inventory
from polp.sources.terraform_json import looks_like_tf_json, parse_tfvars_json
from polp.sources.terraform_refs import Configuration, ModuleScope

_HCL_BLOCK = re.compile(
    r'^[ \t]*(?:(?:resource|data)[ \t]+"[^"\n]+"[ \t]+"[^"\n]+"|(?:module|variable|output|provider)'
    r'[ \t]+"[^"\n]+"|locals|terraform)[ \t]*\{',
    re.MULTILINE,
)


class TerraformSource:
    name = "terraform"

    def detect(self, path: str, head: bytes) -> bool:
        text = head_text(head)
        if text.startswith("{"):
            return looks_like_tf_json(text)
        return not text.startswith("[") and _HCL_BLOCK.search(text) is not None

    def read(self, path: str) -> Inventory:
        if os.path.isdir(path):
            return read_terraform_dirs([path])
        return read_terraform_file(path)


class _Loader:
    """Parses each module directory once, whoever calls it."""

    def __init__(self) -> None:
        self.modules: dict[str, ModuleFiles] = {}

    def __call__(self, directory: str) -> ModuleFiles:
        key = os.path.realpath(directory)
        if key not in self.modules:
            self.modules[key] = load_module(directory, tf_files_in(directory), strict=False)
        return self.modules[key]


def _tfvars(directory: str, problems: list[InputProblem]) -> dict[str, Any]:
    """``terraform.tfvars[.json]`` then ``*.auto.tfvars[.json]``, as Terraform loads them (later files
    win)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return {}
    files: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    files += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    values: dict[str, Any] = {}
    for name in files:
        path = os.path.join(directory, name)
        try:
            if name.endswith(".json"):
                values.update(parse_tfvars_json(read_input_text(path, MAX_TF_BYTES), path))
            else:
                data, _ = parse_tf_file(path)
                values.update(attributes(data))
        except InputError as exc:
            problems.append(InputProblem(exc.message, exc.location or Location(path)))
    return values


def _created(scope: ModuleScope, body: dict[str, Any]) -> bool:
    """False when ``count`` is 0 or ``for_each`` is empty: the resource does not exist."""
    if "count" in body:
        count = scope.evaluate(body["count"])
        if isinstance(count, int) and not isinstance(count, bool) and count <= 0:
            return False
    if "for_each" in body:
        each = scope.evaluate(body["for_each"])
        if not isinstance(each, Unknown) and isinstance(each, list | dict) and not each:
            return False
    return True


def _inventory(config: Configuration, origin: str) -> Inventory:
    resources: list[TfResource] = []
    problems: list[InputProblem] = list(config.problems)
    seen_files: set[int] = set()
    for instance in config.instances():
        if id(instance.files) not in seen_files:
            seen_files.add(id(instance.files))
            problems.extend(instance.files.problems)
        scope = config.scope(instance)
        for (kind, name), block in instance.files.resources.items():
            if kind not in IAM_RESOURCES:
                continue
            body = attributes(block.body)
            address = f"{instance.address}{kind}.{name}"
            try:
                if not _created(scope, body):
                    continue
                values = to_plain(scope.evaluate(body))
            except RecursionError:
                problems.append(InputProblem(f"{address}: nested too deeply, skipped", block.location))
                continue
            resources.append(TfResource(kind, name, address, values, block.location))
    return build_inventory(
        resources,
        account=config.account,
        placeholders=config.placeholders,
        origins=(origin,),
        problems=problems,
    )


def read_terraform_dirs(directories: Sequence[str]) -> Inventory:
    """Read directories of ``.tf``/``.tf.json`` files; those called by another as a module are read
    only as such.

    A file that does not parse is an :class:`InputProblem` (the other files are still read).
    """
    loader = _Loader()
    configs: list[tuple[str, Configuration]] = []
    for directory in sorted(set(directories)):
        problems: list[InputProblem] = []
        tfvars = _tfvars(directory, problems)
        config = Configuration(loader(directory), loader, tfvars=tfvars)
        config.problems.extend(problems)
        configs.append((directory, config))
    called = {os.path.realpath(i.files.directory) for _, c in configs for i in c.instances() if i.parent}
    inventories = [
        _inventory(config, directory)
        for directory, config in configs
        if os.path.realpath(directory) not in called
    ]
    return Inventory.merge(inventories)


def read_terraform_file(path: str) -> Inventory:
    """Read one ``.tf`` or ``.tf.json`` file (and the local modules it calls); a syntax error raises
    InputError."""
    directory = os.path.dirname(os.path.abspath(path))
    root = load_module(directory, [path], strict=True)
    config = Configuration(root, _Loader())
    return _inventory(config, path)
