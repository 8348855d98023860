"""Moments as Geotour stores and publishes them: in UTC, to the second, written as RFC 3339 with a "Z"
("2026-12-05T10:00:00Z"). Stored this way, two moments compare as text."""

from datetime import UTC, datetime


def utc_text(moment: datetime) -> str:
    """Return an aware moment as stored: "2026-12-05T10:00:00Z"."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def now_utc() -> str:
    """Return the current moment as stored."""
    return utc_text(datetime.now(UTC))
