"""Timing shared by the Python peers of the benchmarks."""
import statistics
import time


def timed(run, rounds):
    """`run` once to warm up (page cache, plan caches), then `rounds` times:
    the median in seconds and the last result."""
    run()
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
