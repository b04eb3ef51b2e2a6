"""Process and machine figures from /proc (Linux): a process tree, each process's CPU time,
peak RSS and TCP connections, a PostgreSQL database's backends' CPU time, and the
machine's busy time. A process that exits while it is read counts as absent."""

from __future__ import annotations

import os
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = _read(f"{task}/children")
        found += [int(child) for child in (text or "").split()]
    return found


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending += children(current)
    return pids


def command_line(pid: int) -> str:
    return (_read(f"/proc/{pid}/cmdline") or "").replace("\0", " ")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return 0.0
    # Fields after the command, which is in parentheses and may hold spaces; the 14th and
    # 15th of stat(5) are utime and stime.
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kib(pid: int, key: str) -> int:
    for line in (_read(f"/proc/{pid}/status") or "").splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def reset_peak_rss(pid: int) -> bool:
    """Start the peak over from the current RSS (Linux `clear_refs` 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def postgres_backends(database: str) -> list[int]:
    """The PostgreSQL backends serving `database` on this machine; none when PostgreSQL
    runs elsewhere."""
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    # A backend's title: "postgres: 15/main: USER DATABASE HOST(PORT) STATE".
    return [
        pid
        for pid in pids
        if (_read(f"/proc/{pid}/comm") or "").strip() == "postgres"
        and f" {database} " in command_line(pid)
    ]


def _sockets(pid: int) -> set[str]:
    try:
        links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
    except OSError:
        return set()
    return {link[8:-1] for link in links if link.startswith("socket:[")}


def connections(pids: list[int], port: int) -> list[int]:
    """How many established TCP connections to `port` (IPv4) each process holds."""
    accepted = set()
    for line in (_read("/proc/net/tcp") or "").splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "01":
            accepted.add(fields[9])
    return [len(_sockets(pid) & accepted) for pid in pids]


def machine_cpu_seconds() -> tuple[float, float]:
    """The machine's busy and total CPU time since boot, over all CPUs."""
    first = (_read("/proc/stat") or "cpu 0 0 0 0").splitlines()[0].split()
    ticks = [int(value) for value in first[1:9]]
    idle = sum(ticks[3:5])  # idle and iowait
    return (sum(ticks) - idle) / CLOCK_TICKS, sum(ticks) / CLOCK_TICKS
