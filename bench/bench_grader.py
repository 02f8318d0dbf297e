"""Grade 100 generated submissions with -j 2 and report the seconds per submission.

    .venv/bin/python bench/bench_grader.py [--count 100] [--jobs 2]

The class is a realistic mix, built from solutions/ in a temporary folder:
complete, partial (some exercises still stubs), wrong (one realistic mistake),
broken (not a zip, no exercises/, a syntax error, a file that is not UTF-8, a
damaged zip) and hostile (an endless loop, an output flood, os._exit, sys.exit,
a fork bomb, reading solutions/, a patched harness, a forged answer, a
conftest.py). Goal: at most 2 s per submission on average, pictures of the
students' HTML emails included; the run without them (--no-previews) shows their cost.
"""

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.grader import cases  # noqa: E402 - the self-checks' submission builders

GOAL = 2.0


def hostile_kinds():
    one = {module: cases.replace_body(cases.solution(module), function, body)
           for module, (function, body) in cases.HOSTILE.items()}
    kinds = {f"hostile-{module.split('_')[0]}": {module: source}
             for module, source in one.items()}
    kinds["hostile-patch"] = {
        "ex01_console_email": cases.solution("ex01_console_email") + cases.PATCH_HARNESS}
    kinds["hostile-forge"] = {
        "ex06_celery_task": cases.solution("ex06_celery_task") + cases.FORGE_CHANNEL}
    return kinds


def wrong_kinds():
    edits = {**cases.WRONG_EDITS, **cases.WRONG_EDITS_B}
    edits.update({f"{module}#c": change for module, change in cases.WRONG_EDITS_C.items()})
    return {name: {name.split("#")[0]: change(cases.solution(name.split("#")[0]))}
            for name, change in edits.items()}


def build(root, count, rng):
    """Write `count` submissions into `root`; return how many of each kind."""
    root.mkdir(parents=True)
    modules = cases.modules()
    stubs = {m: (REPO / "exercises" / f"{m}.py").read_text() for m in modules}
    hostile, wrong = hostile_kinds(), wrong_kinds()
    plan = (["full"] * 35 + ["partial"] * 30 + ["wrong"] * 10 + ["broken"] * 10
            + ["hostile"] * 15)
    plan = (plan * (count // len(plan) + 1))[:count]
    rng.shuffle(plan)
    kinds = Counter()
    for number, kind in enumerate(plan):
        name = f"student{number:03d}-{kind}"
        kinds[kind] += 1
        if kind == "full":
            cases.write_folder(root, name)
        elif kind == "partial":
            done = set(rng.sample(modules, rng.randint(1, len(modules) - 1)))
            cases.write_folder(root, name, {m: stubs[m] for m in modules if m not in done})
        elif kind == "wrong":
            cases.write_folder(root, name, wrong[rng.choice(sorted(wrong))])
        elif kind == "hostile":
            key = sorted(hostile)[number % len(hostile)]
            cases.write_folder(root, name, hostile[key])
        else:
            broken(root, name, number % 5)
    return kinds


def broken(root, name, variant):
    if variant == 0:
        (root / f"{name}.zip").write_text("not a zip\n")
    elif variant == 1:
        (root / name).mkdir()
        (root / name / "README.txt").write_text("no exercises here\n")
    elif variant == 2:
        cases.write_folder(root, name, {"ex02_html_email": cases.solution(
            "ex02_html_email").replace("def send_templated_email(kind, to, context):",
                                       "def send_templated_email(kind, to, context)")})
    elif variant == 3:
        cases.write_folder(root, name, {"ex03_password_reset": (cases.solution(
            "ex03_password_reset") + 'NOTE = "d\xe9j\xe0 vu"\n').encode("latin-1")})
    else:
        with zipfile.ZipFile(root / f"{name}.zip", "w") as archive:
            for module in cases.modules():
                archive.writestr(f"{name}/exercises/{module}.py", cases.solution(module))


def grade_once(root, jobs, *extra):
    """Grade the class into root/grades<extra>; return (seconds, gradebook rows, stdout)."""
    out = root / ("grades" + "".join(extra))
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "grading", "grade", str(root / "submissions"),
         "-j", str(jobs), "--out", str(out), "--quiet", *extra],
        cwd=REPO, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise RuntimeError(completed.stdout + completed.stderr)
    with open(out / "gradebook.csv", newline="") as handle:
        return seconds, list(csv.DictReader(handle)), completed.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-grader-"))
    try:
        kinds = build(root / "submissions", args.count, random.Random(args.seed))
        try:
            seconds, rows, stdout = grade_once(root, args.jobs)
            bare, _, _ = grade_once(root, args.jobs, "--no-previews")
        except RuntimeError as exc:
            print(exc)
            return 1
        per = seconds / len(rows)
        pictures = sum(1 for _ in (root / "grades" / "feedback" / "pictures").glob("*/ex*.png"))
        mix = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(f"submissions: {len(rows)} ({mix})")
        print(f"jobs: {args.jobs}, CPUs: {os.cpu_count()}")
        print(f"wall clock: {seconds:.1f} s, including the workspace, the judging and "
              f"{pictures} email pictures")
        print(stdout.splitlines()[0])
        print(f"without the pictures (--no-previews): {bare:.1f} s; with them: "
              f"{seconds / bare:.2f}x as long")
        print(f"per submission: {per:.2f} s (goal <= {GOAL:.1f} s): "
              f"{'met' if per <= GOAL else 'missed'}")
        statuses = Counter(row["status"].split(":")[0] for row in rows)
        print("statuses: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
        return 0 if per <= GOAL else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
