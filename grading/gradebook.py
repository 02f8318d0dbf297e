"""Write the gradebook, each student's feedback and the class summary.

Every string that came from a submission (names, file names, messages quoting
its output) is escaped for where it lands: autoescaped HTML, escaped Markdown,
and CSV cells that a spreadsheet cannot take for formulas.
"""

import csv
import re
import statistics
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
SHOWN_ERRORS = ("SystemExit", "KeyboardInterrupt", "PermissionError", "BlockingIOError",
                "MemoryError", "RecursionError")
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def md(text):
    """Escape text for one line of Markdown."""
    text = " ".join(str(text).split()).replace("&", "&amp;")
    return MD_SPECIAL.sub(r"\\\1", text)


def csv_cell(value):
    """Keep a spreadsheet from reading a cell as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def environment():
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=lambda name: bool(name) and ".html" in name,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["md"] = md
    return env


def problems(record):
    """Return short sentences about what went wrong while running a submission."""
    found = list(record.get("notes") or [])
    seen = set()
    for scenario_id, entry in (record.get("scenarios") or {}).items():
        exercise = entry.get("exercise", scenario_id.partition(".")[0])
        if exercise in seen:
            continue
        sentence = _scenario_problem(entry)
        if sentence:
            seen.add(exercise)
            found.append(f"{exercise}: {sentence}")
    return found


def _scenario_problem(entry):
    status, detail = entry.get("status"), str(entry.get("detail", ""))
    if status == "timeout":
        return f"timed out ({detail})"
    if status in ("crashed", "protocol"):
        return detail
    if status == "skipped":
        return None
    for raised in _raised(entry.get("result")):
        kind, message = str(raised.get("type")), str(raised.get("message", ""))[:120]
        if kind in ("SyntaxError", "IndentationError", "TabError") or (
                kind in ("ImportError", "ModuleNotFoundError") and "exercises." not in message):
            where = f" ({raised['where']})" if raised.get("where") else ""
            return f"does not import: {kind}: {message}{where}"
        if kind in SHOWN_ERRORS:
            return f"raised {kind}: {message}"
    return None


def _raised(value, depth=0):
    """Yield every {"type", "message"} a driver recorded as raised, however deep."""
    if depth > 4:
        return
    if isinstance(value, dict):
        if isinstance(value.get("raised"), dict):
            yield value["raised"]
        for item in value.values():
            yield from _raised(item, depth + 1)
    elif isinstance(value, list):
        for item in value[:50]:
            yield from _raised(item, depth + 1)


def build(exercises, records, results, previews=None):
    """Return one dict per student: scores per exercise, checks, previews, total, status."""
    previews = previews or {}
    maximum = {e.id: 0 for e in exercises}
    tests = {}
    for result in results:
        tests.setdefault((result.exercise, result.test), result.points)
    for (exercise, _), points in tests.items():
        maximum[exercise] = maximum.get(exercise, 0) + points
    students = []
    for name, record in sorted(records.items()):
        mine = [r for r in results if r.submission == name]
        scores = {e.id: sum(r.earned for r in mine if r.exercise == e.id) for e in exercises}
        sections = [_section(e, scores[e.id], maximum[e.id], mine,
                             previews.get(name, {}).get(e.id)) for e in exercises]
        issues = problems(record)
        issues += [f"{r.exercise}: {r.message}" for r in mine if r.judge_error]
        if record.get("error"):
            status = f"not graded: {record['error']}"
        elif issues:
            status = "graded with problems: " + "; ".join(issues)
        else:
            status = "graded"
        students.append({"name": name, "scores": scores, "sections": sections,
                         "total": sum(scores.values()), "maximum": sum(maximum.values()),
                         "status": status, "problems": issues,
                         "seconds": record.get("seconds", 0)})
    return students, maximum


def _section(exercise, points, maximum, results, preview=None):
    checks = [r for r in results if r.exercise == exercise.id]
    messages = {r.message for r in checks}
    # One reason for every failed check (not done yet, a missing file...): say it once.
    common = messages.pop() if len(checks) > 1 and len(messages) == 1 and not any(
        r.passed for r in checks) else ""
    return {"exercise": exercise, "points": points, "maximum": maximum, "checks": checks,
            "common": common, "preview": preview}


def write(out, exercises, records, results, run_info, previews=None):
    """Write gradebook.csv, feedback/<student>.md and .html, and summary.md into `out`.

    previews: {student: {exercise: preview}} from grading.previews, pictures
    already in feedback/.
    """
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    students, maximum = build(exercises, records, results, previews)
    with open(out / "gradebook.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *[e.id for e in exercises], "total", "maximum", "status"])
        for student in students:
            writer.writerow([csv_cell(student["name"]),
                             *[student["scores"][e.id] for e in exercises],
                             student["total"], student["maximum"], csv_cell(student["status"])])
    env = environment()
    for student in students:
        for suffix in ("md", "html"):
            text = env.get_template(f"feedback.{suffix}.j2").render(student=student, **run_info)
            (out / "feedback" / f"{student['name']}.{suffix}").write_text(text, encoding="utf-8")
    summary = env.get_template("summary.md.j2").render(
        students=students, exercises=exercises, maximum=maximum,
        stats=_statistics(students, exercises, maximum), **run_info)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    return students


def _statistics(students, exercises, maximum):
    graded = [s for s in students if not s["status"].startswith("not graded")]
    per_exercise = []
    for exercise in exercises:
        points = [s["scores"][exercise.id] for s in graded] or [0]
        per_exercise.append({"exercise": exercise, "maximum": maximum[exercise.id],
                             "mean": statistics.fmean(points), "median": statistics.median(points),
                             "full": sum(1 for p in points if p == maximum[exercise.id])})
    total = sum(maximum.values()) or 1
    buckets = Counter(min(9, int(10 * s["total"] / total)) for s in students)
    distribution = [{"range": f"{10 * i}–{10 * i + 9 if i < 9 else 100}%",
                     "count": buckets.get(i, 0)} for i in range(10)]
    totals = [s["total"] for s in graded] or [0]
    return {"per_exercise": per_exercise, "distribution": distribution,
            "graded": len(graded), "not_graded": len(students) - len(graded),
            "with_problems": sum(1 for s in students if s["problems"]),
            "mean": statistics.fmean(totals), "median": statistics.median(totals)}
