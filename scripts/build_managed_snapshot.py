"""Regenerate ``src/polp/data/aws_managed_policies.json.gz``, the AWS managed policy snapshot.

From a directory of ``<PolicyName>.json`` documents (iam-dataset's ``aws/managedpolicies``, with its
``SOURCE.json``-style metadata for the ARNs and versions)::

    python scripts/build_managed_snapshot.py --from-dir /work/shared/corpora/managed-policies/policies \\
        --metadata /work/shared/corpora/managed-policies/SOURCE.json

or from an account details file (``aws iam get-account-authorization-details``), whose ``Policies``
list the AWS managed policies the account uses, merged over the current snapshot::

    python scripts/build_managed_snapshot.py --from-account-details details.json

AdministratorAccess and PowerUserAccess are always included (the dataset omits them for size).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from polp.errors import PolpError
from polp.iam.source import loads_strict
from polp.sources.managed_snapshot import (
    SNAPSHOT_FILE,
    build_snapshot,
    entries_from_account_details,
    entries_from_directory,
    write_snapshot,
)

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "polp" / "data" / SNAPSHOT_FILE


def _dataset_date(metadata: str | None) -> str | None:
    if metadata is None:
        return None
    data, _ = loads_strict(Path(metadata).read_text(encoding="utf-8"), metadata)
    date = data.get("commit_date") if isinstance(data, dict) else None
    return date[:10] if isinstance(date, str) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-dir", help="directory of <PolicyName>.json documents")
    source.add_argument("--from-account-details", help="an account details JSON file")
    parser.add_argument("--metadata", help="iam-dataset SOURCE.json with ARNs and versions (with --from-dir)")
    parser.add_argument("--date", help="snapshot date (default: the dataset's commit date, else today)")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    try:
        if args.from_dir:
            entries = entries_from_directory(args.from_dir, args.metadata)
            origin = "iam-dataset aws/managedpolicies"
            updated = args.date or _dataset_date(args.metadata)
            base = None
        else:
            from polp.sources.managed_snapshot import _snapshot

            text = Path(args.from_account_details).read_text(encoding="utf-8-sig")
            data, _ = loads_strict(text, args.from_account_details)
            entries = entries_from_account_details(data if isinstance(data, dict) else {})
            origin = "account details file"
            updated = args.date
            base = _snapshot()["policies"]
        from datetime import UTC, datetime

        snapshot = build_snapshot(
            entries, updated=updated or datetime.now(UTC).date().isoformat(), source=origin, base=base
        )
        write_snapshot(snapshot, args.out)
    except (PolpError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(snapshot['policies'])} policies ({len(entries)} from the source) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
