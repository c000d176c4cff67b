"""Helpers shared by the interop scripts."""
import datetime

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def normalise(value):
    """Datetimes as exact integer microseconds since the epoch (naive ones
    taken as UTC), lists element-wise, everything else unchanged."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    return value
