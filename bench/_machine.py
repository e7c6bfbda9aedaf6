"""What the benches read of the machine and of the processes they measure: the load average
(printed beside every figure: a figure from a busy machine is not a quiet one's; `settle`
waits for it to fall between benchmarks), the CPU time a
process (or a process and its children, such as a PostgreSQL server's backends) has used, from
/proc, which a loaded machine cannot blur; and medians of repeated ratios."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def settle(below: float, within: float) -> tuple[bool, float]:
    """Wait until the 1-minute load average is under `below` (what one benchmark left running
    or loaded, the next one should not measure), for at most `within` seconds; whether it fell
    there, and the seconds waited."""
    began = time.monotonic()
    while True:
        try:
            one = os.getloadavg()[0]
        except OSError:
            return True, 0.0  # nothing to wait for
        waited = time.monotonic() - began
        if one < below:
            return True, waited
        if waited >= within:
            return False, waited
        time.sleep(1.0)  # the kernel updates the load average every 5 seconds


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def user_system(pid: int) -> tuple[float, float]:
    """The user and the system CPU time a process has used (all its threads), from /proc."""
    fields = _stat(pid)
    if fields is None:
        return float("nan"), float("nan")
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used (user and system, all its threads), from /proc."""
    return sum(user_system(pid))


def tree_cpu_seconds(pid: int) -> float:
    """The CPU time of a process, of its children that have ended (reaped), and of those that
    live (a PostgreSQL server: the postmaster and its backends)."""
    fields = _stat(pid)
    if fields is None:
        return float("nan")
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            child = _stat(int(entry.name))
            if child is not None and child[1] == str(pid):
                ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def spread(values: list[float], digits: int = 2) -> str:
    """`median (min–max)` of repeated figures."""
    if not values:
        return "n/a"
    return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–"
            f"{max(values):.{digits}f})")
