"""Every kind of input ``polp audit PATH...`` reads, detected by content and merged into one inventory.

Kinds, in the order they are tried: Terraform plan/state JSON, account authorization details,
CloudFormation templates, credential reports, Terraform configurations (``.tf``, and ``.tf.json``,
whose root keys are all block types, so it comes before a policy document that a JSON configuration
may quote), single policy documents.

A path named on the command line must be readable and of a known kind, or :class:`InputError` is
raised. Inside a directory, files are found by walking it (hidden directories, ``.terraform`` and
``node_modules`` are skipped): ``.tf``/``.tf.json`` files make their directory a Terraform
configuration, other files are read when their content is of a known kind and ignored otherwise, and
a file of a known kind that turns out broken becomes an :class:`InputProblem`, so that one bad file
does not hide the rest. Account details pages are read together as one account; principals seen by
several inputs (a user in account details and in a credential report) are merged by ARN.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from polp.audit.gcpause import paused_gc
from polp.errors import InputError, Location
from polp.inventory import InputProblem, Inventory
from polp.sources.account_details import AccountDetailsSource, Page, inventory_from_pages, load_page
from polp.sources.cloudformation import CloudFormationSource
from polp.sources.credential_report import CredentialReportSource
from polp.sources.interface import Source, read_head
from polp.sources.merge import merge_inventories
from polp.sources.policy_files import PolicyFileSource
from polp.sources.terraform import TerraformSource, read_terraform_dirs, read_terraform_file
from polp.sources.terraform_plan import TerraformPlanSource

__all__ = ["SOURCES", "Progress", "Source", "detect_source", "load_inventory"]

#: Called with (path, source name) before each input is read.
Progress = Callable[[str, str], None]

SOURCES: tuple[Source, ...] = (
    TerraformPlanSource(),
    AccountDetailsSource(),
    CloudFormationSource(),
    CredentialReportSource(),
    TerraformSource(),
    PolicyFileSource(),
)
_SKIPPED_DIRECTORIES = frozenset({"node_modules", "__pycache__"})
_TERRAFORM = (".tf", ".tf.json")  # read by the Terraform reader with their directory
_TERRAFORM_ALL = (*_TERRAFORM, ".tfvars", ".tfvars.json")


def detect_source(path: str, head: bytes, *, candidates: Sequence[Source] = SOURCES) -> Source | None:
    return next((source for source in candidates if source.detect(path, head)), None)


class _Plan:
    """What to read, gathered from the paths before reading anything."""

    def __init__(self) -> None:
        self.files: list[tuple[str, Source, bool]] = []  # (path, source, named explicitly)
        self.terraform_dirs: list[str] = []
        self.problems: list[InputProblem] = []

    def add_explicit(self, path: str) -> None:
        head = read_head(path)
        if not head.strip():
            raise InputError("empty file", Location(path))
        source = detect_source(path, head)
        if source is None:
            raise InputError(
                "not an input polp reads (expected account authorization details, a Terraform "
                "configuration or plan, a CloudFormation template, a credential report or an "
                "IAM policy document)",
                Location(path),
            )
        self.files.append((path, source, True))

    def add_directory(self, top: str) -> None:
        candidates = tuple(s for s in SOURCES if s.name != "terraform")

        def unreadable(error: OSError) -> None:
            location = Location(error.filename)
            if error.filename == top:
                raise InputError(f"cannot read directory: {error.strerror or error}", location)
            self.problems.append(InputProblem(f"cannot read directory: {error.strerror or error}", location))

        for directory, subdirectories, names in os.walk(top, onerror=unreadable):
            subdirectories[:] = sorted(
                d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRECTORIES
            )
            if any(n.endswith(_TERRAFORM) and os.path.isfile(os.path.join(directory, n)) for n in names):
                self.terraform_dirs.append(directory)
            for name in sorted(names):
                path = os.path.join(directory, name)
                if name.endswith(_TERRAFORM_ALL) or name.startswith(".") or not os.path.isfile(path):
                    continue
                try:
                    head = read_head(path)
                except InputError:
                    continue
                source = detect_source(path, head, candidates=candidates) if head.strip() else None
                if source is not None:
                    self.files.append((path, source, False))


def load_inventory(paths: Sequence[str], *, progress: Progress | None = None) -> Inventory:
    """Read every input under ``paths`` (files and directories) into one inventory.

    Raises :class:`InputError` for a path that does not exist or a named file that cannot be read;
    problems inside inputs are recorded in ``Inventory.problems``.
    """
    with paused_gc():  # a large account is millions of long-lived objects
        return _load_inventory(paths, progress)


def _load_inventory(paths: Sequence[str], progress: Progress | None) -> Inventory:
    plan = _Plan()
    for path in paths:
        if os.path.isdir(path):
            plan.add_directory(path)
        elif os.path.exists(path):
            plan.add_explicit(path)
        else:
            raise InputError("no such file or directory", Location(path))

    def report(path: str, name: str) -> None:
        if progress is not None:
            progress(path, name)

    inventories: list[Inventory] = []
    credentials: list[Inventory] = []  # merged last: the definitions of principals come first
    problems: list[InputProblem] = list(plan.problems)
    pages: list[tuple[str, Page]] = []
    for path, source, explicit in plan.files:
        report(path, source.name)
        try:
            if isinstance(source, AccountDetailsSource):
                pages.append((path, load_page(path)))
            elif isinstance(source, TerraformSource):
                inventories.append(read_terraform_file(path))
            elif isinstance(source, CredentialReportSource):
                credentials.append(source.read(path))
            else:
                inventories.append(source.read(path))
        except InputError as exc:
            if explicit:
                raise
            problems.append(InputProblem(exc.message, exc.location or Location(path)))
    if pages:
        account = inventory_from_pages([page for _, page in pages], origins=tuple(path for path, _ in pages))
        inventories.insert(0, account)
    if plan.terraform_dirs:
        for directory in plan.terraform_dirs:
            report(directory, "terraform")
        inventories.append(read_terraform_dirs(plan.terraform_dirs))
    return merge_inventories([*inventories, *credentials, Inventory(problems=tuple(problems))])
