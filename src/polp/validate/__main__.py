"""``python -m polp.validate FILE... [--type T] [--format F] [--fail-on S]``: the validate command alone.

The ``polp validate`` subcommand of the main CLI calls the same :func:`run_validate`; this entry point
has no other dependency, which keeps benchmarks and scripts independent of the CLI framework.
"""

from __future__ import annotations

import argparse
import sys

from polp.errors import PolpError
from polp.validate.command import FORMATS, run_validate
from polp.validate.finding import Severity
from polp.validate.policy_type import PolicyType


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m polp.validate", description="Validate IAM policy documents."
    )
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--type", choices=[t.value for t in PolicyType], default=None)
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--fail-on", choices=[s.value for s in sorted(Severity, reverse=True)], default="error"
    )
    args = parser.parse_args(argv)
    try:
        return run_validate(args.files, args.type, args.format, args.fail_on, sys.stdout)
    except PolpError as error:
        print(f"polp validate: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
