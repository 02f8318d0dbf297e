"""Build the copy students get: no solutions, no hidden tests, no grader self-checks.

Notebook cells with solution blocks get the same stubs as exercises/ and lose
their outputs, as do cells tagged "solution".
"""

import shutil
import subprocess
from pathlib import Path, PurePosixPath

from grading import generate
from grading.paths import REPO

LEFT_OUT = ("solutions/", "tests/grading/hidden/", "tests/grader/", "bench/bench_grader.py",
            "dist/", "grades/")
NEVER = (".git/", ".venv/", "var/", "__pycache__/", ".pytest_cache/", ".ruff_cache/")


def release(out, root=REPO):
    """Copy the student's files from `root` into `out`; return lines saying what was done."""
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or out in root.parents or any(
            (root / part.rstrip("/")) in (out, *out.parents) for part in LEFT_OUT[:3]):
        raise ValueError(f"{out} would overwrite part of the workbook; choose another folder")
    if (root / "solutions").is_dir():
        stale = generate.differences(root / "exercises", root / "solutions",
                                     root / "tests" / "grading")
        if stale:
            raise ValueError("exercises/ is out of sync with solutions/ ("
                             + ", ".join(stale) + "): run `python -m grading.generate` first")
    if out.exists():
        shutil.rmtree(out)
    copied, left_out, notebooks = 0, {}, []
    for relative in files(root):
        text = relative.as_posix()
        skipped = next((part for part in LEFT_OUT if text.startswith(part) or text == part), None)
        if skipped:
            left_out[skipped] = left_out.get(skipped, 0) + 1
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative.suffix == ".ipynb" and text.startswith("notebooks/"):
            notebooks.append(strip_notebook(root / relative, target))
        else:
            shutil.copy2(root / relative, target)
        copied += 1
    report = [f"Wrote {copied} files to {out}."]
    report += [f"Left out {part} ({count} file{'s' if count != 1 else ''})."
               for part, count in sorted(left_out.items())]
    report += notebooks
    return report


def files(root):
    """Return the workbook's files: what git tracks or would track, else a walk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
        found = [PurePosixPath(name) for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        found = [PurePosixPath(p.relative_to(root).as_posix())
                 for p in Path(root).rglob("*") if p.is_file()]
    return sorted(p for p in found if (Path(root) / p).is_file() and not any(
        (p.as_posix() + "/").startswith(n) or f"/{n}" in f"/{p.as_posix()}/" for n in NEVER))


def strip_notebook(source, target):
    """Write the notebook without solutions and their outputs; return a line saying how."""
    try:
        import nbformat
    except ImportError:
        shutil.copy2(source, target)
        return (f"{source.name}: copied as it is, outputs included (install nbformat to strip "
                "solution cells)")
    notebook = nbformat.read(source, as_version=4)
    stripped = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        has_block = generate.BEGIN in cell.source
        if has_block:
            cell.source = generate.stub_source(cell.source, f"{source.name} cell").rstrip("\n")
        if has_block or "solution" in tags:
            cell.outputs = []
            cell.execution_count = None
            stripped += 1
    nbformat.write(notebook, target)
    return f"{source.name}: {stripped} solution cell{'s' if stripped != 1 else ''} stripped"
