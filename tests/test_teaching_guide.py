"""The teacher's guide gives, for every exercise, an answer that the exercise's check accepts.

The guide is ``docs/teaching-guide.md`` plus one part per lesson, ``docs/guide/NN_*.md``. Each part ends
with "## Answers to the exercises (they match the checks in `cnnmath/checks/lessonNN.py`)": one list item
per exercise, naming its check in backticks and giving the answer. These tests read the answers *out of
the guide's text* (``READERS`` says where each one is written) and hand them to the checks:

- every public ``check_*`` of ``cnnmath/checks/lessonNN.py`` is named in that lesson's answers (a new
  exercise without an answer in the guide fails), and has a reader here;
- the answer written in the guide is accepted (``Feedback.ok is True``);
- the common wrong answers the guide lists are rejected (``Feedback.ok is False``);
- the exercise data the guide quotes are the data the checks use;
- every lesson notebook has its guide part, linked from the guide's index, and the README links the guide.

When a check changes, the guide has to follow, or these tests fail.
"""

from __future__ import annotations

import ast
import importlib
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from cnnmath import TinyCNN, conv2d, fit, get_kernel, load_digits
from cnnmath.checks import (EXERCISE_IMAGE, EXERCISE_KERNEL, input_gradient_exercise, kernel_gradient_exercise,
                            pool_exercise_input, pool_tie_exercise_input, relu_exercise_matrix,
                            relu_mask_exercise_map)
from cnnmath.data import GRAY_WEIGHTS
from cnnmath.kernels import KERNEL_NAMES

ROOT = Path(__file__).resolve().parent.parent
GUIDE_INDEX = ROOT / "docs" / "teaching-guide.md"
GUIDE_PARTS = ROOT / "docs" / "guide"
LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ANSWERS_HEADING = "## Answers to the exercises (they match the checks in `cnnmath/checks/lesson{nn}.py`)"


# --- reading the guide -------------------------------------------------------------------------------

def _lesson(nn: str) -> str:
    """The lesson's full name ("02_convolution") from its number ("02")."""
    return next(lesson for lesson in LESSONS if lesson.startswith(nn))


def answers_section(nn: str) -> str:
    """Lesson ``nn``'s answers section: from its heading to the next ``## `` heading (or the end)."""
    text = (GUIDE_PARTS / f"{_lesson(nn)}.md").read_text()
    heading = ANSWERS_HEADING.format(nn=nn)
    assert heading in text, f"{_lesson(nn)}.md has no heading {heading!r}"
    return re.split(r"^## ", text.split(heading, 1)[1], flags=re.M)[0]


@dataclass(frozen=True)
class Item:
    """One exercise's list item of an answers section: ``raw`` as written, ``text`` on one line."""

    raw: str

    @property
    def text(self) -> str:
        return " ".join(self.raw.split())


def exercise_items(nn: str) -> list[Item]:
    """The top-level list items ("1. ..." or "- ...") of lesson ``nn``'s answers section."""
    starts = re.split(r"^(?=\d+\. |- )", answers_section(nn), flags=re.M)
    return [Item(part) for part in starts if re.match(r"\d+\. |- ", part)]


def item_naming(nn: str, check: str) -> Item:
    """The one exercise item of lesson ``nn`` that names ``check`` in backticks."""
    items = [item for item in exercise_items(nn) if f"`{check}`" in item.raw]
    assert len(items) == 1, f"`{check}` is named in {len(items)} answers of {_lesson(nn)}.md, not 1"
    return items[0]


def find(pattern: str, text: str) -> str:
    """The first match of ``pattern`` in ``text`` (a clear failure when the guide's wording changed)."""
    match = re.search(pattern, text)
    assert match, f"the guide's answer no longer matches {pattern!r}:\n{text}"
    return match.group(1)


def literal(pattern: str, text: str):
    """The Python literal (number, tuple, nested list) that ``pattern``'s group 1 finds in ``text``."""
    return ast.literal_eval(find(pattern, text))


def after(marker: str, text: str) -> str:
    """The part of ``text`` after ``marker`` (a regex), where a list of hints or wrong answers starts."""
    match = re.search(marker, text)
    assert match, f"the guide's answer no longer matches {marker!r}:\n{text}"
    return text[match.end():]


def numbers_outside_brackets(clause: str) -> list[float]:
    """The numbers of a list such as "14 (rounded up), 12 (forgetting the + 1)": 14 and 12, not the 1."""
    return [ast.literal_eval(n) for n in re.findall(r"-?\d+(?:\.\d+)?", re.sub(r"\([^)]*\)", "", clause))]


def common_wrong(item: Item) -> list[float]:
    """The numbers after "Common wrong answers:" (or "... and their hints:")."""
    return numbers_outside_brackets(after(r"Common wrong answers?[^:]*:", item.text))


def functions(item: Item, name: str, params: str, namespace: dict) -> list[Callable]:
    """Every version of the function ``name`` that the answer writes out, made into a function.

    ```python code blocks and inline `def name(...)` are run as they are; an inline `return ...` or
    an expression offered as an alternative ("..., or `expr`") becomes the body of ``def name(params)``.
    """
    sources = [textwrap.dedent(code) for code in re.findall(r"```python\n(.*?)```", item.raw, re.S)]
    sources += re.findall(rf"`(def {name}\(.*?)`", item.text)
    for alternative in re.findall(r"\bor\s+`([^`]+)`", item.text):
        if not alternative.startswith("def "):
            body = alternative if alternative.startswith("return ") else f"return {alternative}"
            sources.append(f"def {name}({params}):\n    {body}\n")
    made = []
    for source in sources:
        scope = dict(namespace)
        exec(source, scope)  # noqa: S102 - our own guide's answer
        made.append(scope[name])
    return made


# --- answers with extra arguments for the check ------------------------------------------------------

class Call:
    """An answer given to its check with more arguments: ``check(answer, *args, **kwargs)``."""

    def __init__(self, answer, *args, **kwargs):
        self.answer, self.args, self.kwargs = answer, args, kwargs

    def __repr__(self):
        return f"Call({self.answer!r}, kwargs={self.kwargs})"


def run(check, attempt):
    if isinstance(attempt, Call):
        return check(attempt.answer, *attempt.args, **attempt.kwargs)
    return check(attempt)


def also_as_list_and_array(value) -> list:
    """The answer as written, as a list and as a numpy array (for answers the guide says accept all three)."""
    return [value, list(value), np.array(value)]


@cache
def trained_model_and_digits():
    """A TinyCNN trained for one epoch (so its labels vary) and the 50 test digits the notebook uses."""
    X_train, y_train, X_test, _ = load_digits()
    model = TinyCNN(seed=0)
    fit(model, X_train, y_train, epochs=1)
    return model, X_test[:50]


# --- where each check's answer is written ------------------------------------------------------------

@dataclass(frozen=True)
class Reader:
    """How to read one check's answers out of its guide item: ``right`` ones it must accept and, when the
    guide lists common wrong answers, ``wrong`` ones it must reject. Both take the :class:`Item`."""

    right: Callable[[Item], list]
    wrong: Callable[[Item], list] | None = None


def one(pattern: str) -> Callable[[Item], list]:
    """A reader for an answer written once as a literal: group 1 of ``pattern``."""
    return lambda item: [literal(pattern, item.text)]


def every(pattern: str, marker: str = "") -> Callable[[Item], list]:
    """A reader for every literal that ``pattern`` finds (only after ``marker``, when one is given)."""
    return lambda item: [ast.literal_eval(v) for v in re.findall(pattern, after(marker, item.text))]


def numbers_after(marker: str) -> Callable[[Item], list]:
    """A reader for a list of numbers with reasons in brackets, after ``marker`` ("Hints for 8 (...), 11")."""
    return lambda item: numbers_outside_brackets(after(marker, item.text))


def _photo_shape_right(item):
    return also_as_list_and_array(literal(r"\*\*`(\([\d, ]+\))`\*\*", item.text))


def _to_gray_functions(item):
    return functions(item, "to_gray", "rgb", {"np": np, "GRAY_WEIGHTS": GRAY_WEIGHTS})


def _by_hand_wrong(item):
    """The hinted values: written as numbers "(14)", or as other outputs "(output[2, 1])" of the same map."""
    hints = after(r"has hints for", item.text)
    outputs = conv2d(np.array(EXERCISE_IMAGE, float), np.array(EXERCISE_KERNEL, float))
    at = [float(outputs[int(r), int(c)]) for r, c in re.findall(r"\(output\[(\d+), (\d+)\]\)", hints)]
    return [int(v) for v in re.findall(r"\((-?\d+)\)", hints)] + at


def _output_size_right(item):
    return [literal(r"= \*\*(\d+)\*\*", item.text), literal(r"accepts \d+ or (\(\d+, \d+\))", item.text)]


def _my_conv2d_functions(item):
    return functions(item, "my_conv2d", "image, kernel, stride=1", {"np": np})


def _relu_matrix_right(item):
    """The matrix as written, and as float32 ("lists or arrays of any float dtype")."""
    matrix = literal(r"`(\[\[[^`]*\]\])`, the same as", item.text)
    return [matrix, np.array(matrix, dtype=np.float32)]


def _relu_mask_right(item):
    """The T/F matrix, the same as 0/1 numbers (also accepted), and the guide's expression ``F > 0``."""
    written = find(r"`(\[\[[TF, \[\]]*\]\])`", item.text).replace("T", "True").replace("F", "False")
    mask = np.array(ast.literal_eval(written))
    expression = find(r"\): `(F [<>=]+ -?\d+)`", item.text)
    return [mask, mask.astype(int), eval(expression, {"F": relu_mask_exercise_map()})]  # noqa: S307


def _pooled_right(item):
    return [literal(r"gives `(\[\[[^`]*\]\])`", item.text),
            Call(literal(r'`mode="average"`: `(\[\[[^`]*\]\])`', item.text), mode="average")]


def _tie_wrong(item):
    """The other positions holding the tied maximum (the guide names them all; only one is right)."""
    right = literal(r"reading order, `(\(\d+, \d+\))`", item.text)
    named = [ast.literal_eval(p) for p in re.findall(r"\(\d+, \d+\)", find(r"appears at (.*?);", item.text))]
    return [p for p in named if p != right]


def _param_counts_wrong(item):
    """The wrong convolution counts, each with the right pooling count."""
    _, pool = literal(r"the answer is `(\(\d+, \d+\))`", item.text)
    return [(conv, pool) for conv in common_wrong(item)]


def _edge_filters_accepted(item):
    """The example filter, its negative and a scaling of it, and every filter listed as "also accepted"."""
    example = np.array(literal(r"for example `(\[\[[^`]*\]\])`", item.text), dtype=float)
    listed = re.findall(r"`(\[\[[^`]*\]\])`", find(r"Also accepted: (.*?) Rejected", item.text))
    return [example, -example, 2.5 * example] + [ast.literal_eval(k) for k in listed]


def _edge_filters_rejected(item):
    """The named kernels (box blur, Sobel x, ...) the guide says are rejected, and the all-zeros filter."""
    clause = after(r"Rejected with hints:", item.text).lower()
    named = [name for name in KERNEL_NAMES
             if re.search(rf"(?<![\w-]){re.escape(name.removesuffix(' edge'))}\b", clause)]
    assert len(named) >= 5, named
    return [get_kernel(name) for name in named] + ([np.zeros((3, 3))] if "all zeros" in clause else [])


def _layer_shape_right(item):
    """The shape as a tuple, a list, an array and a tuple of numpy integers (all accepted)."""
    shape = literal(r"\): `(\([\d, ]+\))`", item.text)
    return also_as_list_and_array(shape) + [tuple(np.int64(v) for v in shape)]


def _layer_shape_wrong(item):
    """The right shape with a wrong side (rounded up, no padding, ...) or the input's channel count."""
    n, f, h, w = literal(r"\): `(\([\d, ]+\))`", item.text)
    hints = after(r"Hints for", item.text)
    sides = [int(s) for s in re.findall(r"(\d+) \(", hints)]
    channels = int(find(r"(\d+) as the channel count", hints))
    return [(n, f, s, s) for s in sides] + [(n, channels, h, w)]


def _receptive_field_right(item):
    return [literal(r"\): `(\d+)`", item.text), literal(r"`(\(\d+, \d+\))` is accepted", item.text)]


def _weight_inputs_right(item):
    """The guide's list of pairs (a comprehension, evaluated) and the same pixels as a 0/1 mask."""
    pairs = eval(find(r"pixels `(\[[^`]*\])`", item.text))  # noqa: S307 - the guide's own code
    mask = np.zeros((5, 5), dtype=int)
    mask[tuple(np.array(pairs).T)] = 1
    return [pairs, mask]


def _weight_inputs_wrong(item):
    """The top-left block of pixels (those of K[0,0])."""
    h, w = (int(v) for v in find(r"the top-left (\d+x\d+) block", item.text).split("x"))
    return [[(r, c) for r in range(h) for c in range(w)]]


def _logit_wrong(item):
    """The wrong answers written as formulas ("y - p", "p alone"), evaluated for the guide's p and class."""
    p = np.array(literal(r"p = (\([^)]*\))", item.text))
    y = np.eye(len(p))[int(find(r"true class (\d+)", item.text))]
    formulas = re.sub(r"\([^)]*\)|alone|\.$", "", after(r"Common wrong answers:", item.text)).split(",")
    return [eval(formula, {"p": p, "y": y}) for formula in formulas]  # noqa: S307 - the guide's formulas


def _stages_right(item):
    return [literal(r"\): `(\[[^`]*\])`", item.text),
            ast.literal_eval("[" + find(r"also accepted: (\"[^)]*)\)", item.text) + "]")]


def _stages_wrong(item):
    """The right stages plus one of the fixed rules the guide lists, or only one of the right stages."""
    right = literal(r"\): `(\[[^`]*\])`", item.text)
    fixed = re.split(r", | and ", find(r"\. ([^.]*) are fixed rules", item.text).lower())
    return [right + [rule] for rule in fixed] + [[stage] for stage in right]


def _predict_digit_functions(item):
    model, X = trained_model_and_digits()
    return [Call(fn, model, X) for fn in functions(item, "predict_digit", "image", {"np": np, "model": model})]


def _input_gradient_right(item):
    """The matrix as written, and as float32 (lists, arrays and float32 are accepted)."""
    matrix = literal(r"dL/dI = `(\[\[[^`]*\]\])`", item.text)
    return [matrix, np.array(matrix, dtype=np.float32)]


def _dx_shape_right(item):
    return also_as_list_and_array(literal(r"\): `(\([\d, ]+\))`", item.text))


READERS: dict[str, Reader] = {
    # lesson 00
    "check_warmup": Reader(one(r"move x to \*\*(-?\d+)\*\*"), every(r"An answer of (-?\d+)")),
    # lesson 01
    "check_matrix_entry": Reader(one(r"\*\*(\d+)\*\*"), every(r"(\d+) is ", r"Hints:")),
    "check_photo_pixel": Reader(one(r"\*\*(\d+)\*\*"), every(r"(\d+) is ", r"Hints:")),
    "check_photo_shape": Reader(_photo_shape_right, every(r"`(\([\d, ]+\))` (?:puts|is)")),
    "check_to_gray": Reader(_to_gray_functions),
    # lesson 02
    "check_output_by_hand": Reader(one(r"= \*\*(-?\d+)\*\*"), _by_hand_wrong),
    "check_output_size": Reader(_output_size_right, numbers_after(r"with hints for")),
    "check_my_conv2d": Reader(_my_conv2d_functions),
    "check_true_convolution": Reader(one(r"= \*\*(-?\d+)\*\*"), every(r"unflipped answer \((-?\d+)\)")),
    # lesson 03
    "check_relu_matrix": Reader(_relu_matrix_right),
    "check_relu_derivative_values": Reader(one(r"\): `(\[[^`]*\])`")),
    "check_relu_gradient_mask": Reader(_relu_mask_right),
    "check_relu_bias": Reader(one(r"passes: `(-?\d+)`"), every(r"With b = (-?\d+)")),
    # lesson 04
    "check_pooled_by_hand": Reader(_pooled_right),
    "check_pool_output_size": Reader(one(r"= (\d+)`"), common_wrong),
    "check_pool_gradient_position": Reader(one(r"is at `(\(\d+, \d+\))`")),
    "check_pool_tie_position": Reader(one(r"reading order, `(\(\d+, \d+\))`"), _tie_wrong),
    "check_pool_param_counts": Reader(one(r"the answer is `(\(\d+, \d+\))`"), _param_counts_wrong),
    # lesson 05
    "check_horizontal_edge_filter": Reader(_edge_filters_accepted, _edge_filters_rejected),
    "check_layer_output_shape": Reader(_layer_shape_right, _layer_shape_wrong),
    "check_layer_param_count": Reader(one(r"\): `(\d+)` ="), numbers_after(r"Hints for")),
    "check_receptive_field": Reader(_receptive_field_right, numbers_after(r"Hints for")),
    # lesson 06
    "check_kernel_gradient": Reader(one(r"dL/dK = `(\[\[[^`]*\]\])`"),
                                    every(r"`(\[\[[^`]*\]\])`", r"Hints the check gives:")),
    "check_update_step": Reader(one(r"= \*\*(-?[\d.]+)\*\*"), common_wrong),
    "check_weight_inputs": Reader(_weight_inputs_right, _weight_inputs_wrong),
    "check_logit_gradient": Reader(one(r"\*\*(\([^*]*\))\*\*"), _logit_wrong),
    "check_image_gradient": Reader(one(r"dL/dI = `(\[\[[^`]*\]\])`"),
                                   every(r"`(\[\[[^`]*\]\])`", r"Hints the check gives:")),
    "check_batch_logit_gradient": Reader(one(r"\*\*(\([^*]*\))\*\*"),
                                         every(r"`(\([^`]*\))`", r"Common wrong answers:")),
    # lesson 07
    "check_stages_with_weights": Reader(_stages_right, _stages_wrong),
    "check_second_conv_params": Reader(one(r"= (\d+)\$"), common_wrong),
    "check_flat_length": Reader(one(r"= (\d+)\$"), common_wrong),
    "check_predict_digit": Reader(_predict_digit_functions),
    # lesson 08
    "check_dense1_params": Reader(one(r"\): `(\d+)` ="), common_wrong),
    "check_deep_receptive_field": Reader(_receptive_field_right, numbers_after(r"Hints for")),
    "check_input_gradient": Reader(_input_gradient_right, every(r"`(\[\[[^`]*\]\])`", r"Hints the check gives:")),
    "check_conv2_dx_shape": Reader(_dx_shape_right, every(r"`(\([\d, ]+\))`", r"Hints for")),
}


def public_checks(nn: str) -> dict[str, Callable]:
    """The public ``check_*`` functions defined in ``cnnmath/checks/lesson{nn}.py``."""
    module = importlib.import_module(f"cnnmath.checks.lesson{nn}")
    return {name: obj for name, obj in vars(module).items()
            if name.startswith("check_") and callable(obj) and obj.__module__ == module.__name__}


LESSON_NUMBERS = [lesson[:2] for lesson in LESSONS]
CHECK_LESSON = {name: nn for nn in LESSON_NUMBERS for name in public_checks(nn)}
WITH_WRONG_ANSWERS = [name for name, reader in READERS.items() if reader.wrong is not None]


# --- the tests ---------------------------------------------------------------------------------------

def test_readme_links_the_teaching_guide():
    """A teacher finds the guide from the README."""
    assert "(docs/teaching-guide.md)" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_a_guide_part_linked_from_the_index(lesson):
    """notebooks/NN_x.ipynb has docs/guide/NN_x.md, the index links it, and it has an answers section."""
    assert (GUIDE_PARTS / f"{lesson}.md").is_file(), f"no guide part for {lesson}.ipynb"
    assert f"(guide/{lesson}.md)" in GUIDE_INDEX.read_text(), f"docs/teaching-guide.md does not link {lesson}.md"
    assert answers_section(lesson[:2]).strip()


@pytest.mark.parametrize("nn", LESSON_NUMBERS)
def test_every_check_is_answered_in_the_guide(nn):
    """Every public check of the lesson is named in exactly one answer, and every check named exists."""
    checks = public_checks(nn)
    assert checks, f"cnnmath/checks/lesson{nn}.py has no check_* function"
    for name in checks:
        item_naming(nn, name)
    named = set(re.findall(r"`(check_\w+)`", answers_section(nn)))
    assert named <= set(checks), f"the guide names checks lesson{nn}.py does not have: {named - set(checks)}"
    missing = sorted(set(checks) - set(READERS))
    assert not missing, f"add to READERS where the guide writes the answer of {missing}"


@pytest.mark.parametrize("name", list(READERS))
def test_the_guides_answer_is_accepted(name):
    """Every right answer the guide writes for the check (and the other forms it says are accepted) passes."""
    assert name in CHECK_LESSON, f"READERS has {name}, which no lesson's checks define"
    nn = CHECK_LESSON[name]
    check = public_checks(nn)[name]
    answers = READERS[name].right(item_naming(nn, name))
    assert answers, f"no answer for `{name}` found in the guide"
    for answer in answers:
        feedback = run(check, answer)
        assert feedback.ok is True, f"the guide's answer {answer!r} to `{name}`: {feedback!r}"


@pytest.mark.parametrize("name", WITH_WRONG_ANSWERS)
def test_the_guides_wrong_answers_are_rejected(name):
    """Every common wrong answer the guide lists for the check gets a hint, not "Correct"."""
    nn = CHECK_LESSON[name]
    check = public_checks(nn)[name]
    wrong = READERS[name].wrong(item_naming(nn, name))
    assert wrong, f"no wrong answers for `{name}` found in the guide"
    for answer in wrong:
        feedback = run(check, answer)
        assert feedback.ok is False, f"the guide lists {answer!r} as wrong for `{name}`, but: {feedback!r}"


# Where the guide quotes an exercise's data, and the data the check uses: a teacher who works an example
# from the guide gets the numbers the students see.
QUOTED_DATA = {
    "02-image": ("02", r"`E = EXERCISE_IMAGE` \(rows (.*?)\) and", lambda: EXERCISE_IMAGE),
    "02-kernel": ("02", r"`F = EXERCISE_KERNEL` \(rows (.*?)\)\.", lambda: EXERCISE_KERNEL),
    "03-matrix": ("03", r"`relu_exercise_matrix\(\)`, rows (.*?)\):", relu_exercise_matrix),
    "03-mask-map": ("03", r"`relu_mask_exercise_map\(\)` \(rows (.*?)\):", relu_mask_exercise_map),
    "04-map": ("04", r"Pool by hand.*?the map is `(.*?)`", pool_exercise_input),
    "04-tie-map": ("04", r"A tie.*?the map is `(.*?)`", pool_tie_exercise_input),
    "06-image": ("06", r"image `(\[\[[^`]*\]\])`", lambda: kernel_gradient_exercise()[0]),
    "06-kernel": ("06", r"the kernel `(\[\[[^`]*\]\])`", lambda: kernel_gradient_exercise()[1]),
    "06-dout": ("06", r"dL/dO `(\[\[[^`]*\]\])`", lambda: kernel_gradient_exercise()[2]),
    "08-kernel": ("08", r"for the kernel `(\[\[[^`]*\]\])`", lambda: input_gradient_exercise()[0]),
    "08-dout": ("08", r"and dL/dO `(\[\[[^`]*\]\])`", lambda: input_gradient_exercise()[1]),
}


@pytest.mark.parametrize("quote", list(QUOTED_DATA))
def test_the_guide_quotes_the_exercise_data(quote):
    """A matrix the guide quotes equals the exercise's data in ``cnnmath.checks``."""
    nn, pattern, data = QUOTED_DATA[quote]
    quoted = find(pattern, Item(answers_section(nn)).text)
    rows = ast.literal_eval(quoted if quoted.startswith("[[") else f"[{quoted}]")
    np.testing.assert_array_equal(np.array(rows, dtype=float), np.array(data(), dtype=float))
