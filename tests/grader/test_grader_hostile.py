"""Hostile submissions change nothing outside their sandbox."""

from grading.paths import REPO, SOLUTIONS
from tests.grader.cases import OUTSIDE


def test_grader_survived_and_others_kept_full_marks(graded):
    assert graded.returncode == 0, graded.output[-3000:]
    for student in ("full", "broken-nested"):
        row = graded.rows[student]
        assert row["total"] == row["maximum"], (student, row)


def test_nothing_written_outside(graded):
    written = [str(path) for path in OUTSIDE if path.exists()]
    assert not written, f"a submission wrote {written}"


def test_nothing_deleted(graded):
    assert (REPO / "README.md").is_file()
    assert len(list(SOLUTIONS.glob("ex*.py"))) == 11


def test_forced_passes_and_forged_answers_earn_nothing(graded):
    assert int(graded.rows["hostile-conftest"]["total"]) == 0
    patched = graded.rows["hostile-patch"]
    assert int(patched["ex02"]) == 0, patched
    assert int(patched["total"]) == int(patched["maximum"]) - graded.maximum("ex02"), patched


def test_symlinked_solution_is_not_read(graded):
    assert int(graded.rows["hostile-symlink"]["ex07"]) == 0


def test_feedback_names_the_problems(graded):
    feedback = (graded.out / "feedback" / "hostile-mix.md").read_text()
    assert "What went wrong while running your code" in feedback
    assert "timed out" in feedback
