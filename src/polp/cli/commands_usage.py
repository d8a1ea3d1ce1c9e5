"""``polp usage``, ``polp unused`` and ``polp generate``: right-sizing from CloudTrail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from polp.usage.commands import UsageSource

_SOURCE_OPTIONS = [
    click.option(
        "--store",
        type=click.Path(dir_okay=False),
        help="A DuckDB file that keeps the aggregated usage between runs.",
    ),
    click.option(
        "--from-query-result",
        "from_query_result",
        type=click.Path(dir_okay=False),
        help="The result (CSV or JSON) of `polp usage --sql` run on Athena, Trino or Spark.",
    ),
    click.option(
        "--athena",
        "athena_table",
        metavar="TABLE",
        help="Run the aggregation on Amazon Athena over this CloudTrail table (needs boto3).",
    ),
    click.option("--athena-workgroup", help="The Athena workgroup."),
    click.option("--athena-output", help="The S3 location for Athena's results."),
    click.option("--workers", type=int, help="Processes reading log files (default: all cores)."),
    click.option("--no-progress", is_flag=True, help="Never show a progress bar."),
]


F = TypeVar("F", bound=Callable[..., Any])


def _sources(function: F) -> F:
    """The options that say where usage comes from, shared by the three commands."""
    for option in reversed(_SOURCE_OPTIONS):
        function = option(function)
    return function


def _source(logs: tuple[str, ...], options: dict[str, Any]) -> UsageSource:
    """The logs and the shared source options, as the source of the usage command functions."""
    from polp.usage.commands import UsageSource

    athena = None
    if options["athena_table"] is not None:
        from polp.usage.athena import AthenaOptions

        athena = AthenaOptions(
            table=options["athena_table"],
            workgroup=options["athena_workgroup"],
            output_location=options["athena_output"],
        )
    return UsageSource(
        logs,
        store=options["store"],
        query_result=options["from_query_result"],
        athena=athena,
        workers=options["workers"],
        progress=False if options["no_progress"] else None,
    )


@click.command()
@click.argument("logs", nargs=-1, type=click.Path())
@click.option("--principal", help="Only this principal (an ARN; an assumed-role session counts as its role).")
@click.option("--since", help="Only calls on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Only calls on or before this date (YYYY-MM-DD).")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("text", "json", "markdown")),
    default="text",
    show_default=True,
)
@click.option(
    "--sql",
    "dialect",
    type=click.Choice(("athena", "trino", "spark", "duckdb")),
    help="Print the aggregation SQL for this engine instead (run it where the logs are).",
)
@click.option("--table", default="cloudtrail_logs", show_default=True, help="The CloudTrail table for --sql.")
@_sources
def usage(
    logs: tuple[str, ...],
    principal: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    dialect: str | None,
    table: str,
    **source: Any,
) -> int:
    """What each principal really did: actions, resources, counts, first and last seen, denials.

    LOGS are CloudTrail files as delivered to S3 (.json, .json.gz, or the AWSLogs/ tree),
    `aws cloudtrail lookup-events` output, or JSON Lines of events.
    """
    from polp.usage.commands import sql_command, usage_command

    if dialect is not None:
        return sql_command(dialect=dialect, table=table, since=since, until=until)
    return usage_command(
        _source(logs, source), principal=principal, since=since, until=until, output_format=fmt
    )


@click.command()
@click.option(
    "--account",
    "accounts",
    multiple=True,
    required=True,
    type=click.Path(),
    help="What the principals hold: account details or anything `polp audit` reads.",
)
@click.option("--logs", "logs", multiple=True, type=click.Path(), help="CloudTrail logs (repeatable).")
@click.option("--days", type=int, default=90, show_default=True, help="The usage window, in days.")
@click.option("--principal", help="Only this principal.")
@click.option("--until", help="The end of the window (default: the last event seen).")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(("text", "json", "markdown")),
    default="text",
    show_default=True,
)
@_sources
def unused(
    accounts: tuple[str, ...],
    logs: tuple[str, ...],
    days: int,
    principal: str | None,
    until: str | None,
    fmt: str,
    **source: Any,
) -> int:
    """Permissions held but not used in the window, roles not used at all, and the share used.

    What CloudTrail cannot show (iam:PassRole, data events when they are off) is reported as not
    observable, never as unused. Exit 1 when something is unused.
    """
    from polp.usage.commands import unused_command

    return unused_command(
        accounts,
        _source(logs, source),
        days=days,
        principal=principal,
        until=until,
        output_format=fmt,
    )


@click.command()
@click.option("--logs", "logs", multiple=True, type=click.Path(), help="CloudTrail logs (repeatable).")
@click.option("--principal", required=True, help="The principal to write a policy for (an ARN).")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(("json", "terraform")), default="json", show_default=True
)
@click.option("--include-denied", is_flag=True, help="Also grant the calls that were denied.")
@click.option("--since", help="Only calls on or after this date.")
@click.option("--until", help="Only calls on or before this date.")
@_sources
def generate(
    logs: tuple[str, ...],
    principal: str,
    fmt: str,
    include_denied: bool,
    since: str | None,
    until: str | None,
    **source: Any,
) -> int:
    """Write the least-privilege policy that allows every successful call seen.

    Concrete ARNs where the action takes them; what AWS needs alongside but CloudTrail cannot show
    (iam:PassRole) is added in a statement marked for review. Notes go to stderr.
    """
    from polp.usage.commands import generate_command

    return generate_command(
        _source(logs, source),
        principal=principal,
        output_format=fmt,
        include_denied=include_denied,
        since=since,
        until=until,
    )


COMMANDS = (usage, unused, generate)
