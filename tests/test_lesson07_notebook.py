"""Lesson 7's notebook (07_full_pipeline.ipynb) as committed: it teaches the update ``fit`` really runs,
tunes on validation digits and reads the test digits in one marked cell, and never types in ``fit``'s
defaults (they may be re-tuned: the notebook reads and prints them).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cnnmath import fit

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_full_pipeline.ipynb"
TEST_CELL_MARKER = "THE TEST SET, READ ONCE"
USES_TEST_DIGITS = re.compile(r"\b(accuracy|predict|predict_proba|forward|fit|training_explorer)\([^)]*X_test")


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NOTEBOOK, as_version=4)


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _test_cell_index(nb):
    found = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and TEST_CELL_MARKER in c.source]
    assert len(found) == 1, f"{len(found)} code cells are marked {TEST_CELL_MARKER!r}; there must be one"
    return found[0]


def test_no_word_of_what_fit_does_not_do(nb):
    """fit is plain gradient descent: the lesson says nothing of momentum or a decaying learning rate."""
    for i, cell in enumerate(nb.cells):
        text = cell.source.lower()
        for word in ("momentum", "decay", "shrinking by"):
            assert word not in text, f"cell {i + 1} mentions {word!r}"


def test_the_update_rule_is_written_as_fit_applies_it(nb):
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert r"\theta \leftarrow \theta - \eta\,\frac{\partial L}{\partial \theta}" in markdown
    assert "mini-batch gradient descent" in markdown
    checked = [c for c in nb.cells if c.cell_type == "code" and "batch_size=len(X_train)" in c.source]
    assert checked and "equals theta - " in _stdout(checked[0])


def test_fits_defaults_are_read_never_typed_in(nb):
    defaults = fit.__kwdefaults__
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "fit.__kwdefaults__" in code
    assert not re.search(r"^\s*(EPOCHS|LR|BATCH_SIZE)\s*=\s*[\d.]", code, re.M)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for phrase in (f"{defaults['epochs']} epochs", f"{defaults['epochs']} passes",
                   f"learning rate {defaults['lr']:g}", f"rate of {defaults['lr']:g}", f"eta = {defaults['lr']:g}",
                   f"batch size {defaults['batch_size']}", f"{defaults['batch_size']} digits per step",
                   "10 epochs", "learning rate 0.1"):
        assert phrase not in markdown, f"the prose types in {phrase!r}"
    printed = [c for c in nb.cells if c.cell_type == "code" and "fit's defaults:" in _stdout(c)]
    assert printed, "no cell prints fit's defaults"
    assert (f"fit's defaults: {defaults['epochs']} epochs, learning rate eta = {defaults['lr']:g}, "
            f"batch size {defaults['batch_size']}") in _stdout(printed[0])


def test_settings_are_tuned_on_validation_digits(nb):
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    joined = "\n".join(code)
    assert "load_digits(seed=0, validation=0.15)" in joined
    assert "training_explorer(X_train, y_train, X_val, y_val)" in joined
    training = [s for s in code if "callback=show_progress" in s]
    assert len(training) == 1 and "X_val=X_val, y_val=y_val" in training[0]
    assert "X_val=X_test" not in joined and "y_val=y_test" not in joined


def test_the_test_digits_are_read_once_after_training(nb):
    """No cell before the marked one measures or predicts test digits; the marked cell follows the training."""
    marked = _test_cell_index(nb)
    training = next(i for i, c in enumerate(nb.cells) if "callback=show_progress" in c.source)
    assert training < marked
    for i, cell in enumerate(nb.cells[:marked]):
        if cell.cell_type == "code":
            assert not USES_TEST_DIGITS.search(cell.source), f"cell {i + 1} uses the test digits before cell {marked + 1}"
    heading = nb.cells[marked - 1]
    assert heading.cell_type == "markdown" and heading.source.startswith("### The test set, read once")
    assert "optimistic" in heading.source or "optimistic" in "".join(c.source for c in nb.cells[:marked])
    out = _stdout(nb.cells[marked])
    assert re.search(r"^test accuracy: \d+\.\d\d% \(\d+ of 360 test digits right\)", out, re.M)


def test_the_network_is_printed_and_its_chain_checked(nb):
    out = "".join(_stdout(c) for c in nb.cells if c.cell_type == "code")
    for layer in ("Conv2D(1, 16, kernel_size=3, padding=1)", "ReLU()", "MaxPool2D(2)", "Flatten()", "Dense(256, 10)"):
        assert layer in out
    assert "by hand == model.forward at every stage, and == model.loss for the loss and all four gradients" in out
    chain = next(c.source for c in nb.cells if "conv2d_backward(dconv" in c.source)
    for name in ("conv2d_forward", "relu_forward", "maxpool2d_forward", "flatten_forward", "dense_forward",
                 "softmax_cross_entropy", "dense_backward", "flatten_backward", "maxpool2d_backward",
                 "relu_backward", "conv2d_backward"):
        assert f"{name}(" in chain


def test_accuracy_numbers_in_the_prose_are_computed(nb):
    """Any percentage the markdown states outright must be printed by some cell (only the asserted 97% goal
    is allowed to stand alone)."""
    out = "".join(_stdout(c) for c in nb.cells if c.cell_type == "code")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for pct in re.findall(r"(\d+(?:\.\d+)?)\s*%", cell.source):
            assert pct == "97" or f"{pct}%" in out, f"cell {i + 1} states {pct}% but no cell prints it"
