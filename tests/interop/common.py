"""Helpers shared by the interop scripts."""
import datetime
import sys

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


def require_equal(label, got, expected):
    """Exits with the first differing row when `got` is not `expected`."""
    if got == expected:
        return
    for g, e in zip(got, expected):
        if g != e:
            print(f"{label}first difference\n  got      {g}\n  expected {e}")
            break
    print(f"{label}{len(got)} rows, expected {len(expected)}")
    sys.exit(1)
