"""Runs the reliability campaign at full size and writes docs/reliability.md.

    .venv/bin/python bench/reliability.py            # the whole campaign (about 25 minutes)
    .venv/bin/python bench/reliability.py Memory     # rows whose name contains a word
    .venv/bin/python bench/reliability.py --render   # docs/reliability.md from stored results

Every test named below also runs in CI at a small size; here RELIABILITY=full
sets the sizes of the issue (200 kills, 10,000 generated files and questions, 50 users x 20
questions, 10,000 questions in one process). Results come from pytest's own report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"

CAMPAIGN = [
    (
        "1. Crash during build (SIGKILL at random moments)",
        "200 kills of a real `newsdesk index build` subprocess, 300+ articles (appends and merges)",
        "tests/index/test_crash.py::test_sigkill_at_random_moments_always_leaves_a_loadable_index",
    ),
    (
        "1. Crash during a merge of 20 segments (SIGKILL at random moments)",
        "50 kills of `newsdesk index build --compact`; the index loads and answers each time",
        "tests/index/test_crash.py::test_sigkill_during_a_merge_of_20_segments_always_leaves_an_index_that_answers",
    ),
    (
        "1. Crash at every step of the write and switch",
        "22 steps, each killed once",
        "tests/index/test_faults.py::test_a_kill_at_every_step_of_the_write_and_switch_leaves_old_or_new",
    ),
    (
        "2. ENOSPC / EIO at every write, fsync, rename",
        "22 steps x 2 errors",
        "tests/index/test_faults.py::test_disk_errors_at_every_write_fsync_and_rename",
    ),
    (
        "3. Damaged index files",
        "20 truncations and 100 bit flips of each of 9 files; missing files; extra/missing rows; other dimension",
        "tests/index/test_damage.py",
    ),
    (
        "3. Bot with a damaged or missing index",
        "answers one line, no crash",
        "tests/bot/test_discord_app.py::test_a_broken_index_answers_with_one_line_instead_of_crashing tests/bot/test_service.py::test_a_missing_index_makes_the_service_say_so",
    ),
    (
        "4. Hot swap under load",
        "4 threads x 2,000 searches, 20 versions published, loads racing with clean-up",
        "tests/index/test_hot_swap.py",
    ),
    (
        "5. Ingestion fuzzing",
        "10,000 generated corpora (1-5 files each); 50 MB lines, 200k-deep JSON, YAML bombs",
        "tests/reliability/test_hostile_input.py::test_generated_files_give_only_articles_or_reported_skips tests/reliability/test_hostile_input.py::test_huge_and_deep_inputs_are_skipped_with_bounded_memory",
    ),
    (
        "6. Filesystem tricks",
        "symlinks out and in, loops, FIFOs, newline names, hard links",
        "tests/reliability/test_hostile_input.py::test_filesystem_tricks_are_skipped_with_a_reason tests/index/test_corpus.py::test_symlinks_leading_outside_and_fifos_are_skipped_without_hanging",
    ),
    (
        "7. Hostile questions and payloads",
        "10,000 generated questions, quotes, speakers, titles and URLs",
        "tests/reliability/test_hostile_input.py::test_every_discord_payload_is_inert_and_within_limits tests/reliability/test_hostile_input.py::test_every_question_is_cleaned_or_refused_in_one_line",
    ),
    (
        "8. Secrets",
        "the whole suite at DEBUG with a sentinel token",
        "tests/reliability/test_secrets.py",
    ),
    (
        "9. Load through the offline Discord harness",
        "50 users x 20 questions",
        "tests/reliability/test_load.py::test_users_asking_as_fast_as_they_can_through_the_harness",
    ),
    (
        "9. Concurrent questions",
        "1,000 questions at once on the service",
        "tests/reliability/test_load.py::test_concurrent_questions_keep_the_event_loop_responsive",
    ),
    (
        "10. Memory soak",
        "10,000 questions in one process, 1 in 10 a 12,000-character word",
        "tests/reliability/test_load.py::test_memory_stays_flat_over_many_questions",
    ),
]


def outcome(returncode: int, report: Path) -> tuple[str, bool]:
    """What a pytest run says, from its exit status first and its XML report second: a run
    whose session failed (a token leak fails the session, not a test) or crashed before
    writing its report is a failure, never the previous row's result."""
    tests = failures = 0
    if report.exists():
        suite = ET.parse(report).getroot().find("testsuite")
        if suite is not None:
            tests = int(suite.get("tests", 0))
            failures = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    if returncode == 0 and tests:
        return f"{tests}/{tests} passed", True
    if returncode == 0:
        return "no test ran", False
    if tests:
        return f"{tests - failures}/{tests} passed, pytest exit {returncode}", False
    return f"failed before reporting (pytest exit {returncode})", False


def main(words: list[str]) -> int:
    from bench.record import commit, machine

    env = {**os.environ, "RELIABILITY": "full", "PYTHONPATH": str(ROOT)}
    store = RESULTS / "reliability.json"
    kept = {row["name"]: row for row in _rows(store)}
    all_passed = True
    for name, scale, target in CAMPAIGN:
        if words and not any(w in name for w in words):
            continue
        report = RESULTS / "junit-reliability.xml"
        report.unlink(missing_ok=True)
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *target.split(),
                f"--junitxml={report}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        result, passed = outcome(done.returncode, report)
        all_passed &= passed
        print(f"{name}: {result} in {seconds:.0f} s", flush=True)
        if not passed:
            print(done.stdout[-3000:], flush=True)
        kept[name] = {
            "name": name,
            "size": scale,
            "result": result,
            "passed": passed,
            "seconds": round(seconds),
            "target": target,
            "date": date.today().isoformat(),
            **commit(),
            "machine": machine(),
        }
        store.write_text(json.dumps(list(kept.values()), indent=1) + "\n")
        report.unlink(missing_ok=True)
    (ROOT / "docs" / "reliability.md").write_text(render(RESULTS))
    return 0 if all_passed else 1


def _rows(store: Path) -> list[dict]:
    if not store.exists():
        return []
    return [row for row in json.loads(store.read_text()) if isinstance(row, dict)]


def render(results: Path) -> str:
    """docs/reliability.md from the stored rows and figures only."""
    rows = {row["name"]: row for row in _rows(results / "reliability.json")}
    figures = {
        p.stem: json.loads(p.read_text()) for p in sorted(results.glob("reliability-*.json"))
    }
    machines = sorted({row["machine"] for row in rows.values() if row.get("machine")})
    lines = [
        "# Reliability",
        "",
        "Generated by `bench/reliability.py` from `bench/results/reliability*.json`, which runs",
        "each test below with `RELIABILITY=full` (the same tests run in CI at a small",
        "size). Do not edit by hand.",
        "",
        *[f"Machine: {m}" for m in machines],
        "",
        "| test | size | result | seconds | date | commit | reproduce |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, _, _ in CAMPAIGN:
        row = rows.get(name)
        if row is None:
            continue
        commit = row.get("commit")
        shown = f"`{commit[:10]}`" if commit else "not recorded (rerun)"
        command = f"`RELIABILITY=full .venv/bin/pytest {row['target']}`"
        lines.append(
            f"| {name} | {row['size']} | {row['result']} | {row['seconds']} | {row['date']} | "
            f"{shown} | {command} |"
        )
    lines += ["", "## Figures", ""]
    for name, data in figures.items():
        where = data.get("index", "the seed index (2 articles)")
        shown = ", ".join(f"{k} {v}" for k, v in data.items() if k != "index")
        lines.append(f"- {name.removeprefix('reliability-')} ({where}): {shown}")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--render"]:  # re-render the page from the stored results only
        (ROOT / "docs" / "reliability.md").write_text(render(RESULTS))
        sys.exit(0)
    sys.exit(main(sys.argv[1:]))
