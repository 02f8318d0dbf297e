"""Full marks for the solutions, zero for untouched exercises, exact losses for wrong code."""

import pytest

from tests.grader.cases import exercise_ids


def expected(graded, case, exercise, hidden_present):
    if case.zero:
        return 0
    lost = case.loses.get(exercise)
    if lost is None:
        return graded.maximum(exercise)
    if lost == "all":
        return 0
    public, hidden = lost
    return graded.maximum(exercise) - public - (hidden if hidden_present else 0)


def test_grading_run_finished(graded):
    assert graded.returncode == 0, graded.output[-3000:]
    assert set(graded.rows) == set(graded.cases), graded.output[-3000:]


def test_solutions_earn_full_marks(graded):
    row = graded.rows["full"]
    assert int(row["total"]) == int(row["maximum"]) > 0, row
    assert row["status"] == "graded", row["status"]


def test_untouched_exercises_earn_zero(graded):
    row = graded.rows["untouched"]
    assert int(row["total"]) == 0, row
    assert row["status"] == "graded", row["status"]


@pytest.mark.parametrize("student", ["wrong-a", "wrong-b", "wrong-c"])
def test_wrong_code_loses_exactly_its_points(graded, hidden_present, student):
    case = graded.cases[student]
    for exercise in exercise_ids():
        assert graded.score(student, exercise) == expected(
            graded, case, exercise, hidden_present), (
            f"{student} {exercise}: {graded.rows[student]}")


def test_every_case_scores_as_expected(graded, hidden_present):
    wrong = {}
    for student, case in graded.cases.items():
        for exercise in exercise_ids():
            want = expected(graded, case, exercise, hidden_present)
            if graded.score(student, exercise) != want:
                wrong[f"{student} {exercise}"] = (graded.score(student, exercise), want)
    assert not wrong, f"(got, expected): {wrong}"


def test_statuses_say_why(graded):
    for student, case in graded.cases.items():
        for phrase in case.status:
            assert phrase in graded.rows[student]["status"], (
                f"{student}: {phrase!r} not in {graded.rows[student]['status']!r}")
