"""Benchmark results with their provenance: what ran, on which code, data and settings.

Every file in bench/results/ is written here: the figures, plus the commit (and whether the
tree had uncommitted changes), the settings that shape the figures, a sha256 of every data
file the run read, the machine, the date and the command. docs/ are rendered from these
files only (``bench/report.py``), and tests/test_docs.py checks they still match.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
_OWN_OUTPUT = ("bench/results/", "docs/")  # written by the benchmark itself


def latency_percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """Timings (in seconds) as recorded: median and 95th percentile, in milliseconds."""
    ordered = sorted(seconds)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def commit() -> dict[str, Any]:
    """The commit the code ran at, and whether files other than results differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout if done.returncode == 0 else ""

    # Porcelain lines are "XY path": the status takes the first three characters (keep the
    # leading space of " M path").
    changed = [
        line[3:]
        for line in git("status", "--porcelain").splitlines()
        if line[3:] and not line[3:].startswith(_OWN_OUTPUT)
    ]
    head = git("rev-parse", "HEAD").strip()
    return {"commit": head or "unknown", "uncommitted_changes": changed}


def data_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        "no GPU"
    )


def write_result(
    name: str,
    figures: dict[str, Any],
    *,
    command: str,
    settings: dict[str, Any],
    data: list[Path],
    seconds: float,
) -> Path:
    """Store one run's figures with their provenance as bench/results/<name>.json."""
    record = {
        "figures": figures,
        **commit(),
        "settings": settings,
        "data": {
            str(p.relative_to(ROOT.parent)) if p.is_relative_to(ROOT.parent) else str(p): (
                data_hash(p)
            )
            for p in data
        },
        "date": date.today().isoformat(),
        "seconds": round(seconds, 1),
        "command": command,
        "machine": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path
