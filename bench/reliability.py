"""Runs the reliability campaign at full size and writes docs/reliability.md.

    .venv/bin/python bench/reliability.py            # the whole campaign (about 25 minutes)
    .venv/bin/python bench/reliability.py Memory     # rows whose name contains a word

Every test named below also runs in CI at a small size; here NEWSDESK_RELIABILITY=full
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
        "200 kills of a real `newsdesk index build` subprocess, 300+ articles",
        "tests/index/test_crash.py",
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


def main(words: list[str]) -> None:
    env = {**os.environ, "NEWSDESK_RELIABILITY": "full", "PYTHONPATH": str(ROOT)}
    store = RESULTS / "reliability.json"
    kept = {row[0]: row for row in json.loads(store.read_text())} if store.exists() else {}
    for name, scale, target in CAMPAIGN:
        if words and not any(w in name for w in words):
            continue
        report = RESULTS / "junit-reliability.xml"
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
        suite = ET.parse(report).getroot().find("testsuite")
        tests, failures = (
            int(suite.get("tests")),
            int(suite.get("failures")) + int(suite.get("errors")),
        )
        result = f"{tests - failures}/{tests} passed" if tests else "no test ran"
        print(f"{name}: {result} in {seconds:.0f} s", flush=True)
        if failures:
            print(done.stdout[-3000:], flush=True)
        kept[name] = (name, scale, result, f"{seconds:.0f}", target, date.today().isoformat())
        store.write_text(json.dumps(list(kept.values()), indent=1))
    (RESULTS / "junit-reliability.xml").unlink(missing_ok=True)
    rows = [kept[name] for name, _, _ in CAMPAIGN if name in kept]
    render(rows)


def render(rows: list) -> None:
    figures = {p.stem: json.loads(p.read_text()) for p in RESULTS.glob("reliability-*.json")}
    write(rows, figures)


def write(rows: list, figures: dict) -> None:
    lines = [
        "# Reliability",
        "",
        "Measured on this project's machine (2 cores, 24 GiB, no GPU) by",
        "`.venv/bin/python bench/reliability.py`, which runs each test below with",
        "`NEWSDESK_RELIABILITY=full`. The same tests run in CI at a small size.",
        "",
        "| test | size | result | seconds | date | reproduce |",
        "|---|---|---|---|---|---|",
    ]
    for name, scale, result, seconds, target, day in rows:
        command = f"`NEWSDESK_RELIABILITY=full .venv/bin/pytest {target}`"
        lines.append(f"| {name} | {scale} | {result} | {seconds} | {day} | {command} |")
    lines += ["", "## Figures", ""]
    harness = figures.get("reliability-harness")
    if harness:
        lines.append(
            f"- Harness load: {harness['users']} users x {harness['questions_each']} questions: "
            f"{harness['answered']} answered, {harness['cooldown_replies']} cooldown replies, "
            f"none lost; per-question latency p50 {harness['p50_ms']} ms, p95 {harness['p95_ms']} ms "
            f"(through simcord, one action at a time); worst event-loop stall "
            f"{harness['worst_loop_stall_ms']} ms."
        )
    concurrent = figures.get("reliability-concurrent")
    if concurrent:
        lines.append(
            f"- {concurrent['questions']} concurrent questions on the service: latency p50 "
            f"{concurrent['p50_ms']} ms, p95 {concurrent['p95_ms']} ms (queued behind each other on "
            f"2 cores); worst event-loop stall {concurrent['worst_loop_stall_ms']} ms."
        )
    soak = figures.get("reliability-soak")
    if soak:
        lines.append(
            f"- Soak: {soak['questions']} questions in one process; RSS {soak['rss_after_warmup_mb']} MB "
            f"after warm-up, growth {soak['growth_mb']} MB."
        )
    lines.append("")
    (ROOT / "docs" / "reliability.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
