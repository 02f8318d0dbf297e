"""python -m grading check | grade | release: the workbook's exercises, graded.

    python -m grading check [ex03 ...] [--json]     the public checks on exercises/
    python -m grading grade SUBMISSIONS [-j N]      the gradebook of a class
    python -m grading release [--out dist]          the copy students get
"""

import argparse
import json
import os
import sys
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="run the public checks on exercises/")
    check.add_argument("exercise", nargs="*", help="exercise ids, such as ex03 (default: all)")
    check.add_argument("--json", action="store_true", help="print the rows as JSON")
    check.add_argument("--source", default="exercises",
                       help="what to check: exercises (default), solutions or a folder")
    grade = commands.add_parser("grade", help="grade a folder of submissions")
    grade.add_argument("submissions", type=Path,
                       help="a folder of submissions: one folder or .zip per student")
    grade.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                       help="submissions graded in parallel (default: the number of CPUs)")
    grade.add_argument("--out", type=Path, default=Path("grades"),
                       help="where the gradebook, feedback and summary go (default: grades/)")
    grade.add_argument("--keep", action="store_true",
                       help="keep each submission's work folder and logs, to investigate")
    grade.add_argument("--allow-weak-sandbox", action="store_true",
                       help="grade even where submissions cannot be confined (trusted code only)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.add_argument("--no-previews", action="store_true",
                       help="leave the pictures of the students' HTML emails out of the feedback")
    release = commands.add_parser("release", help="build the student copy")
    release.add_argument("--out", type=Path, default=Path("dist"),
                         help="where the copy goes (default: dist/)")
    args = parser.parse_args(argv)
    return {"check": run_check, "grade": run_grade, "release": run_release}[args.command](args)


def run_check(args):
    from grading.selfcheck import check, table

    rows = check(tuple(args.exercise), args.source)
    print(json.dumps(rows) if args.json else table(rows))
    return 0


def run_grade(args):
    from grading.grader import grade
    from grading.runner import sandbox_strength

    if not args.submissions.is_dir():
        print(f"{args.submissions} is not a folder of submissions.", file=sys.stderr)
        return 2
    strong, note = sandbox_strength()
    if not strong and not args.allow_weak_sandbox:
        print(f"Refusing to grade: {note}. Grade on Linux with Landlock, or pass "
              "--allow-weak-sandbox for code you trust.", file=sys.stderr)
        return 2
    if note:
        print(f"Note: {note}.", file=sys.stderr)
    from grading.runner import GraderError

    try:
        outcome = grade(args.submissions, args.out, jobs=args.jobs, keep=args.keep,
                        progress=not args.quiet, strict=not args.allow_weak_sandbox,
                        pictures=not args.no_previews)
    except GraderError as exc:
        print(f"Refusing to grade: {exc}.", file=sys.stderr)
        return 2
    students = outcome["students"]
    count = len(students) or 1
    print(f"Graded {len(students)} submissions in {outcome['seconds']:.1f} s "
          f"({outcome['seconds'] / count:.2f} s each, {args.jobs} in parallel): "
          f"{outcome['observe_seconds']:.1f} s running them in the sandbox, "
          f"{outcome['seconds'] - outcome['observe_seconds']:.1f} s judging.")
    print(f"Gradebook: {outcome['out'] / 'gradebook.csv'}; feedback: "
          f"{outcome['out'] / 'feedback'}/; summary: {outcome['out'] / 'summary.md'}")
    if outcome["previews_note"]:
        print(f"Note: {outcome['previews_note']}", file=sys.stderr)
    if outcome["skipped"]:
        print("Not submissions (neither a folder nor a .zip): " + ", ".join(outcome["skipped"]))
    if outcome["workspace"]:
        print(f"Work folders and logs kept in {outcome['workspace']}")
    return 0


def run_release(args):
    from grading.release import release

    try:
        report = release(args.out)
    except ValueError as exc:
        print(f"Not released: {exc}", file=sys.stderr)
        return 2
    for line in report:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
