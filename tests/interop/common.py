"""Helpers shared by the interop scripts."""
import datetime
import sys

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def normalise(value):
    """Datetimes as exact integer microseconds since the epoch (naive ones
    taken as UTC), integral decimals as ints, bytes as hex, lists
    element-wise, everything else unchanged."""
    import decimal

    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
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


def delta_live_files(base):
    """The data files of the newest version of the Delta table at `base`
    (relative paths), replaying its log from the last checkpoint; exits when
    one has a deletion vector (these readers read files whole: compact first)."""
    import json
    import os

    import pyarrow.parquet as pq

    log = os.path.join(base, "_delta_log")
    files, start = {}, -1
    last = os.path.join(log, "_last_checkpoint")
    if os.path.exists(last):
        start = json.load(open(last))["version"]
        checkpoint = pq.read_table(os.path.join(log, f"{start:020}.checkpoint.parquet")).to_pylist()
        for action in checkpoint:
            if action.get("add"):
                files[action["add"]["path"]] = action["add"]
    for name in sorted(n for n in os.listdir(log) if n.endswith(".json") and n[:-5].isdigit()):
        if int(name[:-5]) <= start:
            continue
        for line in open(os.path.join(log, name)):
            action = json.loads(line)
            if "add" in action:
                files[action["add"]["path"]] = action["add"]
            elif "remove" in action:
                files.pop(action["remove"]["path"], None)
    for add in files.values():
        if add.get("deletionVector"):
            sys.exit(f"{base}: {add['path']} has a deletion vector: compact before reading files whole")
    return sorted(files)
