"""Commands on the policy language itself: ``validate``, ``actions`` and ``simulate``."""

from __future__ import annotations

import io
import sys

import click

from polp.errors import EXIT_FINDINGS, EXIT_OK, UsageError

POLICY_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary", "session")
SEVERITIES = ("error", "security-warning", "warning", "suggestion")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--type",
    "-t",
    "policy_type",
    type=click.Choice(POLICY_TYPES),
    help="What kind of policy the files are (inferred when absent).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="error",
    show_default=True,
    help="Exit 1 when a finding reaches this severity.",
)
@click.option("--output", "-o", help="Write the report to a file.")
def validate(
    files: tuple[str, ...], policy_type: str | None, fmt: str, fail_on: str, output: str | None
) -> int:
    """Validate policy documents: grammar, catalog, ARNs, conditions, quotas and risky patterns.

    Exit codes: 0 nothing reaches --fail-on, 1 something does, 2 an input cannot be read or is not
    a policy.
    """
    from polp.outputs.atomic import write_output
    from polp.validate.command import run_validate

    buffer = io.StringIO()
    code = run_validate(list(files), policy_type, fmt, fail_on, buffer)
    write_output(output, buffer.getvalue())
    return code


@click.command()
@click.argument("policies", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--expand", "-e", "pattern", help="Expand an action pattern such as 's3:Get*' instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def actions(policies: tuple[str, ...], pattern: str | None, as_json: bool) -> int:
    """List the concrete actions that POLICIES allow on at least one resource.

    The policies are taken together, as one principal holds them. NotAction, Deny statements and
    resource types are honoured: an action counts only if some resource it acts on is still allowed.
    With --expand, list what an action pattern matches (exit 1 if nothing).
    """
    from polp.cli.actions_view import list_allowed, list_expansion

    if pattern is not None:
        if policies:
            raise UsageError("give either policy files or --expand, not both")
        found = list_expansion(pattern, as_json, sys.stdout)
        return EXIT_OK if found else EXIT_FINDINGS
    if not policies:
        raise UsageError("give one or more policy files, or --expand PATTERN")
    list_allowed(list(policies), as_json, sys.stdout)
    return EXIT_OK


@click.command()
@click.argument("request_file", required=False)
@click.option("--batch", "-b", help="JSON Lines of requests; writes one result per line.")
@click.option("--output", "-o", help="Write the results to a file.")
def simulate(request_file: str | None, batch: str | None, output: str | None) -> int:
    """Decide a request exactly as AWS does: Allowed, ImplicitlyDenied or ExplicitlyDenied.

    REQUEST_FILE holds one JSON request ('-' for stdin); the format is in the README. Exit 2 when a
    request cannot be read.
    """
    from polp.cli.simulate_io import run_batch, run_single

    if (request_file is None) == (batch is None):
        raise UsageError("give one request file, or --batch FILE")
    if batch is not None:
        return run_batch(batch, output)
    assert request_file is not None
    return run_single(request_file, output)


COMMANDS = (validate, actions, simulate)
