"""Every notebook has the same frame: navigation, what you will learn, services, a check."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
LINK = re.compile(r"\]\(([^)]+\.ipynb)\)")


def cells(path):
    return json.loads(path.read_text())["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_navigation_at_top_and_bottom_links_previous_index_and_next(path):
    first, last = source(cells(path)[0]), source(cells(path)[-1])
    assert first == last and first.startswith("<!--NAVIGATION-->")
    index = PATHS.index(path)
    expected = [p.name for p in (PATHS[index - 1] if index else None, PATHS[0] if index else None,
                                 PATHS[index + 1] if index + 1 < len(PATHS) else None) if p]
    assert LINK.findall(first) == expected


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_opens_with_what_you_will_learn_and_the_services_it_needs(path):
    text = "\n".join(source(c) for c in cells(path)[:3] if c["cell_type"] == "markdown")
    assert "## What you will learn" in text
    assert "## Services this notebook needs" in text


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_sets_up_django_then_checks_its_services(path):
    code = [source(c) for c in cells(path) if c["cell_type"] == "code"]
    assert f'workbook.setup("{path.stem}"' in code[0]
    assert code[1].startswith("workbook.require(")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_exercise_cells_cannot_stop_the_notebook(path):
    # attempt() turns "not done yet" and any error of the student's code into a message.
    for cell in cells(path):
        if "exercise" in cell.get("metadata", {}).get("tags", []):
            text = source(cell)
            assert "workbook.exercise(" in text and "with workbook.attempt():" in text
            call = re.compile(r"\bex\d\d\.\w+\(")
            before, _, inside = text.partition("with workbook.attempt():")
            assert not call.search(before), "call exercise code inside attempt()"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_exercise_shown_ends_with_its_check_cell(path):
    tagged = [(c.get("metadata", {}).get("tags", []), source(c)) for c in cells(path)]
    tried = [re.search(r'workbook\.exercise\("(ex\d\d)"\)', s).group(1)
             for tags, s in tagged if "exercise" in tags]
    checked = [s.strip() for tags, s in tagged if "exercise-check" in tags]
    for exercise in tried:
        assert f'workbook.check("{exercise}")' in checked


def test_every_exercise_has_a_check_cell_somewhere():
    checked = {m for path in PATHS for cell in cells(path)
               for m in re.findall(r'workbook\.check\("(ex\d\d)"\)', source(cell))}
    solutions = {p.name[:4] for p in (NOTEBOOKS.parent / "solutions").glob("ex[0-9][0-9]_*.py")}
    assert solutions <= checked
