"""Timestamps as AWS writes them: ISO 8601 with ``T`` or a space, ``Z`` or an offset, or datetimes."""

from __future__ import annotations

from datetime import UTC, datetime

#: What the credential report writes where there is no date.
NO_DATE = frozenset({"", "N/A", "no_information", "not_supported"})


def parse_timestamp(value: object) -> datetime | None:
    """A timezone-aware datetime (naive ones are taken as UTC), or ``None`` for anything else."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip() not in NO_DATE and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
