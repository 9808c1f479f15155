"""nbgrader assignments from the lessons (`make assignments`, tools/make_assignments.py).

- Every lesson's exercises are found, each with a check from ``cnnmath.checks`` and a worked answer.
- The release versions (what students get) hold no solution: no worked answer, no ``solution``-tagged
  cell, no ``<details>`` solution, no solution markers; each answer cell is the lesson's exercise cell.
- ``nbgrader autograde`` gives the instructor versions full marks, an unanswered release zero, and wrong
  answers (lesson 2's common slips) zero.

Autograding runs every cell of a lesson, twice (instructor and unanswered student). Lessons 7 and 8 train
networks and took 60 s and 54 s each under the autograder on this 2-core machine while other work ran,
against 1-13 s for each of lessons 0-6, so the autograder runs on lessons 0-6 only; set
``CNNMATH_AUTOGRADE=all`` to include 7 and 8 (or name lessons: ``CNNMATH_AUTOGRADE=02_convolution,08_deeper``).
Their release versions are checked like every lesson's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import cnnmath.checks as checks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_assignments as assignments  # noqa: E402
import make_student_version as student  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SLOW_LESSONS = ("07_full_pipeline", "08_deeper")
_CHOSEN = os.environ.get("CNNMATH_AUTOGRADE", "")  # "all", or lessons by name: "02_convolution,07_full_pipeline"
AUTOGRADED = [p.stem for p in NOTEBOOKS if _CHOSEN == "all" or p.stem in _CHOSEN.split(",")
              or (not _CHOSEN and p.stem not in SLOW_LESSONS)]
# nbgrader's solution markers: none may be left in a release.
MARKERS = (assignments.BEGIN, assignments.END, "BEGIN SOLUTION", "END SOLUTION")


def _lesson(stem):
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def _code_lines(text):
    """Non-blank, non-comment lines, stripped: what running code is made of."""
    return {line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")}


def _graded(nb, kind):
    key = {"answer": "solution", "test": "grade"}[kind]
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get(key)]


# --- reading the lessons (fast) ----------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_exercise_is_found_with_its_check_and_answer(path):
    nb = nbformat.read(path, as_version=4)
    exercises = assignments.find_exercises(nb, path)
    assert len(exercises) == sum(student.is_solution(c) for c in nb.cells) >= 1
    for exercise in exercises:
        assert callable(getattr(checks, exercise.check_name, None)), exercise.check_name
        assert exercise.solution_code.strip() and exercise.check_name + "(" in exercise.check_call


def _toy_lesson():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Lesson"),
        nbformat.v4.new_code_cell("from cnnmath.checks import check_output_size"),
        nbformat.v4.new_code_cell("answer = None  # your answer here\ncheck_output_size(answer)"),
        nbformat.v4.new_markdown_cell("<details><summary>Solution</summary>\n\n```python\nanswer = 14\n```\n"
                                      "</details>", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("Next. <details><summary>Solution</summary>secret</details>"),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="Your turn")]
    return nb


def test_instructor_version_of_a_toy_lesson():
    nb = _toy_lesson()
    before = nbformat.writes(nb)
    out = assignments.instructor_version(nb)
    assert nbformat.writes(nb) == before, "the lesson itself is not changed"
    (answer,), (test,) = _graded(out, "answer"), _graded(out, "test")
    assert answer.source == ("answer = None  # your answer here\n### BEGIN SOLUTION\nanswer = 14\n"
                             "### END SOLUTION\ncheck_output_size(answer)")
    assert answer.metadata["nbgrader"]["grade_id"] == "output_size_answer" and not answer.outputs
    assert test.metadata["nbgrader"] == {"grade": True, "grade_id": "output_size_test", "locked": True,
                                         "points": 1, "schema_version": 3, "solution": False, "task": False}
    assert "_feedback = check_output_size(answer)\nassert _feedback" in test.source
    text = "\n".join(c.source for c in out.cells)
    assert "secret" not in text and "<summary>Solution" not in text and "Next." in text
    assert not any(student.is_solution(c) for c in out.cells)
    nbformat.validate(out)


def test_a_lesson_that_does_not_fit_is_named():
    nb = _toy_lesson()
    nb.cells[2].source = "answer = None\nprint(answer)"
    with pytest.raises(assignments.ExerciseFormatError, match=r"toy.ipynb, cell 3: .*check_"):
        assignments.find_exercises(nb, "toy.ipynb")
    nb = _toy_lesson()
    nb.cells[3].source = "<details><summary>Solution</summary>It is fourteen.</details>"
    with pytest.raises(assignments.ExerciseFormatError, match=r"toy.ipynb, cell 4: .*answer = "):
        assignments.find_exercises(nb, "toy.ipynb")


def test_the_worked_answer_is_read_from_the_solution():
    assert assignments.solution_code("x\n```python\nanswer = F > 0\n```\n```python\n[[True]]\n```") == \
        "answer = F > 0"
    assert assignments.solution_code("so `answer = (2, 1)`; then `answer = 3`") == "answer = (2, 1)"
    assert assignments.solution_code("It is fourteen.") is None


# --- building the course (nbgrader generate_assignment) -------------------------------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course_dir = tmp_path_factory.mktemp("nbgrader")
    names = assignments.build(course_dir, NOTEBOOKS, quiet=True)
    assert names == [p.stem for p in NOTEBOOKS]
    return course_dir


def _release(course, stem):
    return nbformat.read(course / "release" / stem / f"{stem}.ipynb", as_version=4)


def _source(course, stem):
    return nbformat.read(course / "source" / stem / f"{stem}.ipynb", as_version=4)


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_release_holds_no_solution(course, stem):
    lesson, release = _lesson(stem), _release(course, stem)
    exercises = assignments.find_exercises(lesson, stem)
    text = "\n".join(c.source for c in release.cells)
    assert not any(student.is_solution(c) for c in release.cells)
    assert not re.search(r"<summary>[^<]*solution", text, re.IGNORECASE), "a <details> solution is left"
    assert not any(marker in text for marker in MARKERS)
    # no line of any worked answer that the lesson does not show outside its solutions
    shown = _code_lines("\n".join(c.source for c in student.studentize(lesson).cells))
    secret = set().union(*(_code_lines(e.solution_code) for e in exercises)) - shown
    assert secret, "each lesson's worked answers hold at least one line the exercises do not"
    assert not secret & _code_lines(text)
    # each answer cell is the lesson's exercise cell (nbgrader leaves an empty line where the answer was)
    answers = _graded(release, "answer")
    assert [re.sub(r"\n+", "\n", c.source) for c in answers] == \
        [re.sub(r"\n+", "\n", lesson.cells[e.index].source) for e in exercises]
    assert all(not c.get("outputs") for c in release.cells if c.cell_type == "code")


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_tests_are_locked_and_carry_the_points(course, stem):
    release, source = _release(course, stem), _source(course, stem)
    tests = _graded(release, "test")
    assert len(tests) == len(_graded(release, "answer")) == len(assignments.find_exercises(_lesson(stem)))
    for cell in tests:
        assert cell.metadata["nbgrader"]["locked"] and cell.metadata["nbgrader"]["points"] == assignments.POINTS
        assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
        assert "assert _feedback" in cell.source
    assert [c.source for c in tests] == [c.source for c in _graded(source, "test")]
    # the instructor version keeps every worked answer between the markers
    for cell, exercise in zip(_graded(source, "answer"), assignments.find_exercises(_lesson(stem))):
        assert f"{assignments.BEGIN}\n{exercise.solution_code}\n{assignments.END}" in cell.source


# --- nbgrader autograde ------------------------------------------------------------------------------------

# Lesson 2's exercises answered with the slips its checks name: the sign flipped, the padding left out, a
# loop one window short, the kernel not turned.
WRONG_LESSON_2 = {
    "output_by_hand_answer": "answer = 3",
    "output_size_answer": "answer = 12",
    "my_conv2d_answer": ("def my_conv2d(image, kernel, stride=1):\n"
                         "    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)\n"
                         "    kh, kw = kernel.shape\n"
                         "    h_out, w_out = (image.shape[0] - kh) // stride, (image.shape[1] - kw) // stride\n"
                         "    out = np.zeros((h_out, w_out))\n"
                         "    for i in range(h_out):\n"
                         "        for j in range(w_out):\n"
                         "            window = image[i * stride:i * stride + kh, j * stride:j * stride + kw]\n"
                         "            out[i, j] = np.sum(window * kernel)\n"
                         "    return out"),
    "true_convolution_answer": "answer = -3",
}


def _wrong_answers(source_nb, answers):
    nb = nbformat.from_dict(source_nb)
    for cell in _graded(nb, "answer"):
        begin, end = cell.source.index(assignments.BEGIN), cell.source.index(assignments.END)
        cell.source = cell.source[:begin] + answers[cell.metadata["nbgrader"]["grade_id"]] + \
            cell.source[end + len(assignments.END):]
    return nb


@pytest.fixture(scope="module")
def autograded(course):
    """Submit, for each autograded lesson, the instructor version as student 'teacher' and the release
    as student 'blank' (plus lesson 2 with wrong answers as 'wrong'), run `nbgrader autograde` once, and
    return the gradebook's scores: {(student, lesson): (score, max_score, {grade_id: score})}."""
    from nbgrader.api import Gradebook

    submitted = course / "submitted"
    for stem in AUTOGRADED:
        for who, nb in (("teacher", _source(course, stem)), ("blank", _release(course, stem))):
            (submitted / who / stem).mkdir(parents=True)
            nbformat.write(nb, submitted / who / stem / f"{stem}.ipynb")
    (submitted / "wrong" / "02_convolution").mkdir(parents=True)
    nbformat.write(_wrong_answers(_source(course, "02_convolution"), WRONG_LESSON_2),
                   submitted / "wrong" / "02_convolution" / "02_convolution.ipynb")
    env = dict(os.environ)
    # This interpreter's kernelspec and no user-wide nbgrader or Jupyter configuration.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_CONFIG_DIR"] = str(course / "jupyter-config")
    run = assignments.nbgrader(course, "autograde", "*", "--force", check=False, capture_output=True,
                               text=True, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for who in ("teacher", "blank", "wrong"):
            for stem in AUTOGRADED if who != "wrong" else ["02_convolution"]:
                nb = gb.find_submission_notebook(stem, stem, who)
                scores[who, stem] = (nb.score, nb.max_score, {g.name: g.score for g in nb.grades})
    return scores


@pytest.mark.slow
@pytest.mark.parametrize("stem", AUTOGRADED)
def test_instructor_version_scores_full_marks(autograded, course, stem):
    score, max_score, grades = autograded["teacher", stem]
    assert max_score == assignments.POINTS * len(assignments.find_exercises(_lesson(stem)))
    assert score == max_score, {name: s for name, s in grades.items() if not s}
    graded = nbformat.read(course / "autograded" / "teacher" / stem / f"{stem}.ipynb", as_version=4)
    errors = [c.source[:80] for c in graded.cells if c.cell_type == "code"
              and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, "the instructor version runs without an error"


@pytest.mark.slow
@pytest.mark.parametrize("stem", AUTOGRADED)
def test_unanswered_release_scores_zero(autograded, stem):
    score, max_score, grades = autograded["blank", stem]
    assert max_score > 0 and score == 0, grades


@pytest.mark.slow
def test_wrong_answers_score_zero(autograded, course):
    score, max_score, grades = autograded["wrong", "02_convolution"]
    assert max_score == 4 and score == 0, grades
    graded = nbformat.read(course / "autograded" / "wrong" / "02_convolution" / "02_convolution.ipynb",
                           as_version=4)
    failures = [o for c in _graded(graded, "test") for o in c.outputs if o.output_type == "error"]
    assert [o.ename for o in failures] == ["AssertionError"] * 4
    assert all(o.evalue.startswith("Not yet:") for o in failures), "the check's hint is the message"


@pytest.mark.slow
def test_make_assignments_runs_the_script(tmp_path, capsys):
    dry = subprocess.run(["make", "--dry-run", "-o", ".venv/.installed-test", "assignments"], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    assert "tools/make_assignments.py" in dry.stdout
    lesson = ROOT / "notebooks" / "03_relu.ipynb"
    assert assignments.main(["--out", str(tmp_path), str(lesson)]) == 0
    assert f"{tmp_path}/release/03_relu/03_relu.ipynb" in capsys.readouterr().out
    assert _graded(_release(tmp_path, "03_relu"), "test")
    broken = tmp_path / "broken.ipynb"
    nb = nbformat.read(lesson, as_version=4)
    next(c for c in nb.cells if student.is_solution(c)).source = "<details><summary>Solution</summary>7</details>"
    nbformat.write(nb, broken)
    assert assignments.main(["--out", str(tmp_path / "other"), str(broken)]) == 1
    assert "broken.ipynb, cell" in capsys.readouterr().err
