"""The student copy: no solutions, no hidden tests, notebooks without solution outputs."""

import json
import subprocess

import nbformat
import pytest

from grading.paths import REPO
from grading.release import release


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "dist"
    return out, release(out)


def test_no_solutions_or_hidden_tests(dist):
    out, report = dist
    assert (out / "exercises" / "homework.md").is_file()
    assert (out / "grading" / "__main__.py").is_file()
    assert (out / "tests" / "grading" / "conftest.py").is_file()
    for gone in ("solutions", "tests/grading/hidden", "tests/grader", "bench/bench_grader.py"):
        assert not (out / gone).exists(), gone
    assert any("solutions/" in line for line in report)


def test_refuses_to_overwrite_the_workbook():
    with pytest.raises(ValueError):
        release(REPO)
    with pytest.raises(ValueError):
        release(REPO / "solutions")


def test_notebook_solution_cells_are_stripped(tmp_path):
    root = tmp_path / "workbook"
    (root / "notebooks").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Lesson"),
        nbformat.v4.new_code_cell("def answer():\n    ### BEGIN SOLUTION\n    # HINT: 42.\n"
                                  "    return 42\n    ### END SOLUTION",
                                  outputs=[nbformat.v4.new_output("stream", text="42\n")],
                                  execution_count=3),
        nbformat.v4.new_code_cell("print('worked example')", metadata={"tags": ["solution"]},
                                  outputs=[nbformat.v4.new_output("stream", text="worked\n")]),
        nbformat.v4.new_code_cell("print('kept')",
                                  outputs=[nbformat.v4.new_output("stream", text="kept\n")]),
    ])
    nbformat.write(notebook, root / "notebooks" / "01-Lesson.ipynb")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    report = release(tmp_path / "dist", root=root)
    cells = json.loads((tmp_path / "dist" / "notebooks" / "01-Lesson.ipynb").read_text())["cells"]
    assert "raise NotImplementedError('42.')" in "".join(cells[1]["source"])
    assert "return 42" not in "".join(cells[1]["source"])
    assert cells[1]["outputs"] == [] and cells[1]["execution_count"] is None
    assert cells[2]["outputs"] == []
    assert cells[3]["outputs"], "an ordinary cell keeps its output"
    assert any("2 solution cells stripped" in line for line in report)
