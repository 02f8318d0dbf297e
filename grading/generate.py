"""Generate exercises/ and exercises/homework.md from solutions/.

    python -m grading.generate          write them
    python -m grading.generate --check  exit 1 if they are out of sync

Each block between `### BEGIN SOLUTION` and `### END SOLUTION` becomes
`raise NotImplementedError(hint)`, where the hint is the block's `# HINT:` lines.
"""

import argparse
import ast
import sys
from pathlib import Path

from grading.catalogue import exercises
from grading.paths import EXERCISES, GRADING_TESTS, REPO, SOLUTIONS

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "# HINT:"
DEFAULT_HINT = "Write this part."


class MarkerError(ValueError):
    """A solution file whose markers do not pair up."""


def stub_source(source, name="<solution>"):
    """Return `source` with every solution block replaced by a NotImplementedError stub."""
    out, block, indent, start = [], None, "", 0
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        marker = line.strip()
        if marker == BEGIN:
            if block is not None:
                raise MarkerError(f"{name}:{number}: {BEGIN} inside another block (line {start})")
            block, indent, start = [], line[: len(line) - len(line.lstrip())], number
        elif marker == END:
            if block is None:
                raise MarkerError(f"{name}:{number}: {END} without {BEGIN}")
            out.append(_stub(block, indent))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise MarkerError(f"{name}:{start}: {BEGIN} is never closed")
    return "".join(out)


def _stub(block, indent):
    hints = [line.strip()[len(HINT):].strip() for line in block
             if line.strip().startswith(HINT)]
    hints = hints or [DEFAULT_HINT]
    if len(hints) == 1:
        return f"{indent}raise NotImplementedError({hints[0]!r})\n"
    # One literal per hint line keeps the stub as readable as the comments were.
    parts = [f"{indent}    {hint + ' '!r}\n" for hint in hints[:-1]]
    parts.append(f"{indent}    {hints[-1]!r}\n")
    return f"{indent}raise NotImplementedError(\n{''.join(parts)}{indent})\n"


def test_points(exercise_id, tests=GRADING_TESTS):
    """Return [(points, expectation)] of the public grading tests of one exercise."""
    found = []
    for path in sorted(Path(tests).glob(f"test_{exercise_id}_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                points = _points(node)
                if points is not None:
                    doc = (ast.get_docstring(node) or node.name).split("\n")[0].rstrip(".")
                    found.append((points, doc))
    return found


def _points(node):
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "points" and decorator.args
                and isinstance(decorator.args[0], ast.Constant)):
            return decorator.args[0].value
    return None


def homework(solutions=SOLUTIONS, tests=GRADING_TESTS):
    """Return the text of exercises/homework.md."""
    items = exercises(solutions)
    total = sum(points for item in items for points, _ in test_points(item.id, tests))
    lines = [
        "# Homework: email notifications",
        "",
        f"{len(items)} exercises, {total} points. Each one is a function (or three) in",
        "`exercises/`: replace every `raise NotImplementedError(...)` with your code and keep",
        "the names and signatures. Only the `exercises/exNN_*.py` files are graded; other files",
        "you add are ignored.",
        "",
        "Check your work at any time:",
        "",
        "```sh",
        "make check                         # every exercise",
        ".venv/bin/python -m grading check ex03   # one exercise",
        "```",
        "",
        "or, in a notebook, `import grading; grading.check(\"ex03\")`. The check prints, for",
        "each exercise, your points and the first expectation your code does not meet yet.",
        "The instructor grades with more tests of the same kind.",
        "",
    ]
    for item in items:
        checks = test_points(item.id, tests)
        points = sum(p for p, _ in checks)
        lines += [f"## {item.id}: {item.title} ({points} points)", "",
                  f"File: `exercises/{item.filename}`", "", item.task, "", "Checked:", ""]
        lines += [f"- {doc} ({p} point{'s' if p != 1 else ''})" for p, doc in checks]
        lines.append("")
    return "\n".join(lines)


def expected_files(solutions=SOLUTIONS, tests=GRADING_TESTS):
    """Return {file name: text} of everything exercises/ must hold."""
    files = {}
    for path in sorted(Path(solutions).glob("ex[0-9][0-9]_*.py")):
        files[path.name] = stub_source(path.read_text(encoding="utf-8"), str(path))
    files["homework.md"] = homework(solutions, tests)
    return files


def differences(target=EXERCISES, solutions=SOLUTIONS, tests=GRADING_TESTS):
    """Return the names of files in `target` that differ from what generation gives."""
    expected = expected_files(solutions, tests)
    target = Path(target)
    present = {p.name for p in target.glob("*") if p.is_file() and p.suffix in (".py", ".md")}
    stale = sorted(present - set(expected))
    changed = [name for name, text in expected.items()
               if not (target / name).is_file()
               or (target / name).read_text(encoding="utf-8") != text]
    return sorted(changed + stale)


def write(target=EXERCISES, solutions=SOLUTIONS, tests=GRADING_TESTS):
    """Write exercises/ from solutions/, removing stale generated files; return their names."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    expected = expected_files(solutions, tests)
    for path in target.glob("ex[0-9][0-9]_*.py"):
        if path.name not in expected:
            path.unlink()
    for name, text in expected.items():
        (target / name).write_text(text, encoding="utf-8")
    return sorted(expected)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m grading.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when exercises/ differs from what solutions/ generates")
    args = parser.parse_args(argv)
    if not SOLUTIONS.is_dir():
        print("No solutions/ folder here: this is a student copy.", file=sys.stderr)
        return 2
    if args.check:
        stale = differences()
        if stale:
            print("exercises/ is out of sync with solutions/: "
                  + ", ".join(stale) + ". Run `python -m grading.generate`.", file=sys.stderr)
            return 1
        print("exercises/ is in sync with solutions/.")
        return 0
    names = write()
    print(f"Wrote {len(names)} files to {EXERCISES.relative_to(REPO)}/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
