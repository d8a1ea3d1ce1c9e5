"""``polp audit`` and ``polp managed-policies``."""

from __future__ import annotations

import sys

import click

from polp.errors import EXIT_FINDINGS, EXIT_OK, UsageError

FORMATS = ("text", "json", "sarif", "markdown", "html")
SEVERITIES = ("critical", "high", "medium", "low")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--aws",
    "live",
    is_flag=True,
    help="Also read the live account (read-only, through boto3 and your AWS credentials).",
)
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", help="Write the report to a file (written whole or not at all).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a new finding reaches this severity (default: the config's, else none).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="polp.toml or pyproject.toml (default: the nearest one).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="An earlier JSON report: only findings not in it fail the gate.",
)
@click.option("--check", "only", multiple=True, help="Run only this rule id, name or category (repeatable).")
@click.option(
    "--managed-policies",
    "managed_policies_file",
    type=click.Path(dir_okay=False),
    help="A snapshot of AWS managed policies (from `polp managed-policies refresh`).",
)
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
def audit(
    paths: tuple[str, ...],
    live: bool,
    fmt: str,
    output: str | None,
    fail_on: str | None,
    config_path: str | None,
    baseline: str | None,
    only: tuple[str, ...],
    managed_policies_file: str | None,
    no_progress: bool,
) -> int:
    """Audit what each principal can do and report what exceeds least privilege.

    PATHS are account authorization details, policy files, Terraform source or plan JSON,
    CloudFormation templates, credential reports, or directories of them; kinds are detected by
    content and may be mixed. Exit codes: 0 no new finding reaches --fail-on, 1 one does, 2 an input
    cannot be read.
    """
    from polp.audit.config import load_config
    from polp.audit.run import audit_inventory, select_checks
    from polp.checks.interface import Severity
    from polp.cli import quick_exit
    from polp.cli.progress import progress_bar
    from polp.outputs.atomic import write_output
    from polp.outputs.interface import OutputFormat, renderer
    from polp.sources import load_inventory
    from polp.sources.managed_snapshot import set_snapshot_path
    from polp.sources.merge import merge_inventories

    if not paths and not live:
        raise UsageError("give one or more PATHS, or --aws")
    config = load_config(config_path)
    checks = select_checks(only)
    if only and not checks:
        raise UsageError(f"no check matches {', '.join(only)}")
    if managed_policies_file is not None:
        set_snapshot_path(managed_policies_file)
    inventories = [load_inventory(list(paths))] if paths else []
    if live:
        from polp.sources.live_aws import read_live_account

        inventories.append(read_live_account())
    inventory = merge_inventories(inventories)
    show = not no_progress and sys.stderr.isatty() and len(inventory.principals) > 200
    with progress_bar("auditing", enabled=show) as advance:
        report = audit_inventory(inventory, config, checks=checks, baseline=baseline, progress=advance)
    to_terminal = output in (None, "-") and sys.stdout.isatty()
    render = renderer(OutputFormat(fmt), color=to_terminal, width=None)
    write_output(output, render(report))
    quick_exit.allow()  # the report is written whole; nothing else is open
    gate = Severity.parse(fail_on) if fail_on else config.fail_on
    return EXIT_FINDINGS if report.gate(gate) else EXIT_OK


@click.group("managed-policies")
def managed_policies() -> None:
    """The snapshot of AWS managed policies that audits use for attached ARNs."""


@managed_policies.command("refresh")
@click.option(
    "--from-account-details",
    "account_file",
    type=click.Path(dir_okay=False),
    help="Take the AWS managed policies found in an account details file.",
)
@click.option("--aws", "live", is_flag=True, help="Download every AWS managed policy (read-only).")
@click.option("--output", "-o", required=True, help="Where to write the snapshot (.json.gz).")
def refresh(account_file: str | None, live: bool, output: str) -> int:
    """Write a new snapshot of the AWS managed policies."""
    from polp.sources.managed_snapshot import refresh_snapshot

    if (account_file is None) == (not live):
        raise UsageError("give --from-account-details FILE or --aws")
    count = refresh_snapshot(account_file, output)
    click.echo(f"wrote {count} AWS managed policies to {output}")
    return EXIT_OK


@managed_policies.command("info")
def info() -> int:
    """Show the date and size of the shipped snapshot."""
    from polp.sources.managed_snapshot import snapshot_date, snapshot_size

    click.echo(f"AWS managed policies snapshot: {snapshot_size()} policies, updated {snapshot_date()}")
    return EXIT_OK


COMMANDS = (audit, managed_policies)
