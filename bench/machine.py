"""The machine and the software the figures were measured with."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "strawberry-graphql",
    "graphql-core",
    "tortoise-orm",
    "pypika-tortoise",
    "uvicorn",
    "uvloop",
    "httptools",
    "h11",
    "starlette",
    "orjson",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "pyinstrument",
)


def _proc_field(path: str, name: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, str]:
    memory = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "CPUs": str(os.cpu_count()),
        "CPU model": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "?",
        "memory": f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB" if memory else "?",
        "system": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def versions() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found
