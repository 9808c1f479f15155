"""Lesson 8's notebook (08_deeper.ipynb) as committed: every number its prose states is printed by a cell,
the test digits are read in one marked cell after all training and tuning, fit's defaults are read and never
typed in, the backward chain is written out with the lessons' functions, and timings stay out of the cells
whose output nbval checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cnnmath import fit

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_deeper.ipynb"
TEST_CELL_MARKER = "THE TEST SET, READ ONCE"
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"
# numbers the prose may state without a cell printing them, each a setting or a goal, not a measurement
NOT_MEASURED = {"97%": "the goal fit's defaults were chosen to meet on load_digits(seed=s)'s test digits"}
# a call that measures, predicts or trains on test digits
USES_TEST_DIGITS = re.compile(r"\b(accuracy|predict|predict_proba|forward|fit|loss|block_maps_explorer)\("
                              r"[^)]*\b(X_test|y_test|test_parts|Xte|yte)\b")


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NOTEBOOK, as_version=4)


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _checked(cell):
    return cell.cell_type == "code" and CHECK_OUTPUT_MARKER in (line.strip() for line in cell.source.splitlines())


def _prose(cell):
    """A markdown cell's text without its formulas ($...$) and code spans, where numbers are notation."""
    text = re.sub(r"\$\$.*?\$\$", " ", cell.source, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


def _test_cell_index(nb):
    found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and TEST_CELL_MARKER in c.source]
    assert len(found) == 1, f"{len(found)} code cells are marked {TEST_CELL_MARKER!r}; there must be one"
    return found[0]


def test_every_number_in_the_prose_is_printed_by_a_cell(nb):
    """Decimals and percentages in the text (not in formulas, code or solutions) appear in some cell's output,
    so that no measured number is typed in by hand."""
    printed = "".join(_stdout(c) for c in nb.cells if c.cell_type == "code")
    missing = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or "solution" in cell.metadata.get("tags", []):
            continue
        for number in re.findall(r"(?<![\w.])\d+\.\d+%?|(?<![\w.])\d+%", _prose(cell)):
            if number not in printed and number not in NOT_MEASURED:
                missing.append(f"cell {i + 1}: {number}")
    assert not missing, "numbers in the prose that no cell prints: " + ", ".join(missing)


def test_the_measured_numbers_quoted_in_the_prose_are_the_checked_ones(nb):
    """The conclusion quotes the test cell, the tuning quotes its table: each quote sits in a checked output."""
    checked = "".join(_stdout(c) for c in nb.cells if _checked(c))
    marked = _test_cell_index(nb)
    conclusion = next(_prose(c) for c in nb.cells[marked:] if c.cell_type == "markdown"
                      and "What the numbers show" in c.source)
    quoted = re.findall(r"\d+\.\d+%", conclusion)
    assert len(quoted) >= 6
    test_output = _stdout(nb.cells[marked])
    for number in quoted:
        assert number in test_output, f"the conclusion quotes {number}, which the test cell does not print"
    assert all(number in checked for number in re.findall(r"\d+\.\d+", conclusion))


def test_the_test_digits_are_read_once_after_training_and_tuning(nb):
    marked = _test_cell_index(nb)
    assert _checked(nb.cells[marked])
    training = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(r"\bfit\(", c.source)]
    assert training and max(training) < marked, "a network is trained after the test digits were read"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and i != marked:
            assert not USES_TEST_DIGITS.search(cell.source), f"cell {i + 1} uses the test digits"
    heading = nb.cells[marked - 1]
    assert heading.cell_type == "markdown" and heading.source.startswith("## 8. The test set, read once")
    out = _stdout(nb.cells[marked])
    assert re.search(r"^one block : s0 \d+\.\d\d%, s1 .* from \d+\.\d\d% to \d+\.\d\d%, mean", out, re.M)
    assert re.search(r"^two blocks: s0 \d+\.\d\d%", out, re.M)


def test_settings_are_tuned_on_validation_digits(nb):
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "load_digits(seed=0, validation=0.15)" in code and "load_digits(seed=seed, validation=0.15)" in code
    for call in re.findall(r"\bfit\((?:[^()]|\([^()]*\))*\)", code, re.S):
        assert "X_val=" in call, f"a training run without validation digits: {call}"
        assert "X_test" not in call and "Xte" not in call


def test_fits_defaults_are_read_never_typed_in(nb):
    defaults = fit.__kwdefaults__
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "fit.__kwdefaults__" in code
    assert not re.search(r"^\s*(EPOCHS|LR|BATCH_SIZE)\s*=\s*[\d.]", code, re.M)
    assert not re.search(r"\blr\s*=\s*\d", code), "a learning rate typed in"
    markdown = "\n".join(_prose(c) for c in nb.cells if c.cell_type == "markdown")
    for phrase in (f"learning rate {defaults['lr']:g}", f"rate of {defaults['lr']:g}", f"eta = {defaults['lr']:g}",
                   f"batch size {defaults['batch_size']}", f"default, {defaults['lr']:g}"):
        assert phrase not in markdown, f"the prose types in {phrase!r}"
    printed = "".join(_stdout(c) for c in nb.cells if c.cell_type == "code")
    assert (f"fit's defaults: {defaults['epochs']} epochs, learning rate eta = {defaults['lr']:g}, "
            f"batch size {defaults['batch_size']}") in printed


def test_timings_stay_out_of_checked_cells(nb):
    for i, cell in enumerate(nb.cells):
        if _checked(cell):
            assert "perf_counter" not in cell.source and "seconds" not in cell.source, f"cell {i + 1}"
            assert not re.search(r"\d s\b| s per ", _stdout(cell)), f"cell {i + 1} prints a time"
    timed = [c for c in nb.cells if c.cell_type == "code" and "per training run" in _stdout(c)]
    assert len(timed) == 1 and not _checked(timed[0])


def test_the_backward_chain_uses_the_lessons_functions_and_matches_the_model(nb):
    chain = next(c for c in nb.cells if c.cell_type == "code" and "conv2d_backward(dc2" in c.source)
    for name in ("conv2d_forward", "relu_forward", "maxpool2d_forward", "flatten_forward", "dense_forward",
                 "softmax_cross_entropy", "dense_backward", "flatten_backward", "maxpool2d_backward",
                 "relu_backward", "conv2d_backward"):
        assert f"{name}(" in chain.source
    out = _stdout(chain)
    for stage in ("dense2", "relu3", "dense1", "flatten", "pool2", "relu2", "conv2", "pool1", "relu1"):
        assert re.search(rf"^{stage}\s+-> dL/d", out, re.M), stage
    assert "by hand == model.loss, exactly, for the loss and all eight gradients" in out
    printed = "".join(_stdout(c) for c in nb.cells if _checked(c))
    assert "largest difference below 1e-12: True" in printed
    assert "dL/dI of conv2 (256 numbers): backpropagation and central differences agree, relative error " \
           "below 1e-6: True" in printed
    assert "(144 numbers, back through both blocks): relative error below 1e-6: True" in printed


def test_the_comparison_names_its_seeds_and_its_costs(nb):
    printed = "".join(_stdout(c) for c in nb.cells if _checked(c))
    assert re.search(r"one block\s+2730\s+\d+\s+s0 ", printed)
    assert re.search(r"two blocks\s+13706\s+\d+\s+s0 ", printed)
    assert "times the multiply-adds" in printed


def test_the_filters_are_compared_with_their_untrained_start(nb):
    printed = "".join(_stdout(c) for c in nb.cells if _checked(c))
    assert "closest untrained filter | closest trained filter" in printed
    assert re.search(r"^the \d+ live conv1 filters: .*cosine with their own random start", printed, re.M)
    # the dead filters are counted and named, so that the live ones' numbers are not read as every filter's
    assert re.search(r"^trained: dead on all \d+ training digits: relu1 \d+ of 16 filters, relu2 \d+ of 32", printed,
                     re.M)


def test_every_plot_call_that_makes_a_figure_has_a_figsize(nb):
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for call in re.findall(r"fig = \w+_plot\((?:[^()]|\([^()]*\))*\)", cell.source, re.S):
            assert "figsize=" in call, f"cell {i + 1}: {call[:60]}"


def test_the_explorer_uses_validation_digits_and_has_a_static_figure_before_it(nb):
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "block_maps_explorer(" in c.source)
    assert "X_val, y_val" in nb.cells[index].source
    before = [c for c in nb.cells[index - 3:index] if c.cell_type == "code"]
    assert any("image/png" in o.get("data", {}) for c in before for o in c.get("outputs", []))
