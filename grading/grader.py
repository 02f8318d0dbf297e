"""Grade a folder of submissions: observe each in the sandbox, in parallel, then judge all.

Phase 1 runs every submission's scenarios in sandboxed children, `jobs` at a
time, each worker with its own mail services; the observations are saved as
JSON, and a browser photographs each student's HTML emails for the feedback as
soon as they are observed. Phase 2 runs the grading tests once, in this
process, over all of them.
"""

import datetime
import json
import queue
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grading import catalogue, gradebook, plan, previews
from grading.paths import GRADING_TESTS, REPO
from grading.progress import Progress
from grading.results import run_tests
from grading.runner import DEFAULT_LIMITS, GraderError, observe, read_only_paths
from grading.station import Station
from grading.submissions import find
from grading.workspace import Workspace


def exposing_paths(base):
    """Return the folders children may read that contain the workbook itself."""
    return [path for path in read_only_paths(base)
            if Path(path) == REPO or Path(path) in REPO.parents]


def grade(submissions_dir, out, jobs=2, limits=DEFAULT_LIMITS, keep=False, progress=True,
          strict=True, pictures=True):
    """Grade every submission in `submissions_dir`; write the results into `out`.

    strict: stop with GraderError unless every child is confined.
    pictures: show each exercise's HTML email, photographed, in the feedback.
    """
    started = time.monotonic()
    exercises = catalogue.exercises()
    skipped = []
    submissions = find(submissions_dir, [e.module for e in exercises], skipped)
    out = Path(out).resolve()
    observations = out / "observations"
    if observations.exists():
        shutil.rmtree(observations)
    observations.mkdir(parents=True)
    scenarios = plan.load(include_hidden=True)
    root = Path(tempfile.mkdtemp(prefix="grading-"))
    exposed = exposing_paths(root / "base")
    if exposed:
        shutil.rmtree(root, ignore_errors=True)
        raise GraderError(f"children may read {', '.join(exposed)}, which holds the workbook "
                          "(solutions/, hidden tests): keep the workbook outside those folders")
    records = {}
    photographer = previews.Photographer(out / "feedback") if pictures else None
    try:
        workspace = Workspace(root).build()
        bar = Progress(len(submissions)) if progress else None
        stations = queue.Queue()
        started_stations = []
        try:
            for number in range(max(1, jobs)):
                station = Station(root / f"station-{number}").start()
                started_stations.append(station)
                stations.put(station)

            def one(submission):
                station = stations.get()
                try:
                    record = observe(submission, station, workspace, scenarios, limits,
                                     keep=keep, strict=strict)
                except GraderError as exc:
                    if strict and "not confined" in str(exc):
                        raise
                    record = {"submission": submission.name, "error": f"grader error: {exc}",
                              "notes": list(submission.notes), "scenarios": {}, "db": {}}
                finally:
                    stations.put(station)
                (observations / f"{submission.name}.json").write_text(json.dumps(record))
                if photographer:
                    photographer.add(submission.name, record)
                if bar:
                    bar.advance(submission.name)
                return record

            with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
                for record in pool.map(one, submissions):
                    records[record["submission"]] = record
        finally:
            for station in started_stations:
                station.stop()
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        # The last pictures are taken here, and the browser stopped, even after an error.
        shots, previews_note = photographer.finish() if photographer else ({}, None)
    observed_seconds = time.monotonic() - started
    code, collector, output = run_tests([str(GRADING_TESTS), f"--observations={observations}"])
    if collector.collection_errors or (records and not collector.results):
        raise RuntimeError(f"the grading tests did not run (exit code {code}):\n{output[-3000:]}")
    run_info = {"date": datetime.date.today().isoformat(), "jobs": jobs,
                "seconds": time.monotonic() - started}
    students = gradebook.write(out, exercises, records, collector.results, run_info, shots)
    return {"students": students, "seconds": run_info["seconds"], "skipped": skipped,
            "observe_seconds": observed_seconds, "out": out, "workspace": root if keep else None,
            "previews_note": previews_note}
