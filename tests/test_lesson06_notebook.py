"""Lesson 6's notebook (06_backpropagation.ipynb) as committed: its worked-example numbers are the ones
cnnmath computes, every folded solution passes its exercise's check, every exercise is committed
unanswered, and every cell carries slide metadata.
"""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import cnnmath.checks as checks

from cnnmath import conv2d_grad, seed_image, seed_kernel

from .test_lesson06_gradients import B_LIVE, forward_backward, live_kernel, loss_only

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_backpropagation.ipynb"
CHECK_CALL = re.compile(r"^(check_\w+)\(answer\)\s*$", re.MULTILINE)
SOLUTION_ANSWER = re.compile(r"^answer = (.+)$", re.MULTILINE)
MARKER = "# NBVAL_CHECK_OUTPUT"

pytestmark = pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")


@pytest.fixture(scope="module")
def nb():
    return nbformat.read(NOTEBOOK, as_version=4)


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _cell_printing(nb, needle):
    found = [c for c in nb.cells if c.cell_type == "code" and needle in _stdout(c)]
    assert found, f"no cell prints {needle!r}"
    return found[0]


def _exercises(nb):
    pairs = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and CHECK_CALL.search(cell.source):
            pairs.append((cell, nb.cells[k + 1]))
    return pairs


def test_at_least_three_exercises_each_with_a_folded_solution(nb):
    pairs = _exercises(nb)
    assert len(pairs) >= 3
    for cell, solution in pairs:
        assert cell.source.startswith("answer = None  # your answer here")
        assert "Your turn" in "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert "solution" in solution.metadata.get("tags", [])
        assert solution.metadata["slideshow"]["slide_type"] == "skip"
        assert solution.source.startswith("<details><summary>Solution</summary>")
        assert solution.source.rstrip().endswith("</details>")


def test_every_solution_passes_its_check(nb):
    for cell, solution in _exercises(nb):
        check = getattr(checks, CHECK_CALL.search(cell.source).group(1))
        answer = eval(SOLUTION_ANSWER.search(solution.source).group(1), {"np": np})  # our own notebook
        assert check(answer).ok is True, (check.__name__, answer)


def test_every_cell_has_slide_metadata(nb):
    allowed = {"slide", "subslide", "fragment", "-", "skip", "notes"}
    for number, cell in enumerate(nb.cells, start=1):
        assert cell.metadata.get("slideshow", {}).get("slide_type") in allowed, number


def test_the_update_is_written_out_with_the_numbers_cnnmath_computes(nb):
    K = live_kernel()
    v = forward_backward(K, B_LIVE)
    K_new = K - 0.001 * v["dK"]
    cell = _cell_printing(nb, "K[0,0]: 1 - 0.001 * (")
    assert MARKER in cell.source.splitlines()
    text = _stdout(cell)
    for m in range(3):
        for n in range(3):
            assert f"K[{m},{n}]: {K[m, n]:g} - 0.001 * ({v['dK'][m, n]:.4f}) = {K_new[m, n]:.4f}" in text
    before, after = loss_only(K, B_LIVE), loss_only(K_new, B_LIVE)
    assert after < before
    assert f"loss before: {before:.4f}" in text and f"loss after : {after:.4f}" in text


def test_the_worked_example_stages_are_printed_and_checked(nb):
    v = forward_backward(live_kernel(), B_LIVE)
    np.set_printoptions(precision=4, suppress=True)
    try:
        expected = {
            "O = I * K + b:": str(v["O"][0, 0]),
            "A = ReLU(O):": str(v["A"][0, 0]),
            "P = maxpool(A):": str(v["P"][0, 0]),
            "p = softmax(z) = " + str(v["p"][0]): "",
            "dL/dA (each window's gradient at its switch):": str(v["dA"][0, 0]),
            "dL/dO = dL/dA x mask:": str(v["dO"][0, 0]),
        }
    finally:
        np.set_printoptions()
    for heading, block in expected.items():
        cells = [c for c in nb.cells if c.cell_type == "code" and (heading + "\n" + block if block else heading) in _stdout(c)]
        assert cells, heading
        assert MARKER in cells[0].source.splitlines(), heading
    switches = _stdout(_cell_printing(nb, "window (1,1)"))
    assert "window (1,0) = A[1:3, 0:2] -> max 3 at A[2,1]" in switches
    dead = _stdout(_cell_printing(nb, "logits z = [0. 0. 0.]"))
    assert f"L = {np.log(3):.4f}" in dead


def test_explorers_and_static_figures_are_there(nb):
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any(s.startswith("gradcheck_explorer(") for s in sources)
    assert any(s.startswith("kernel_descent_explorer(") for s in sources)
    pngs = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert pngs >= 7
    last = nb.cells[-1].source
    assert "07_full_pipeline.ipynb" in last


# --- section 4 and the numbers the prose quotes ---------------------------------------------------------------

# Numbers in the prose that are settings or counts, not results: nothing computes them.
NOT_RESULTS = {"0.001": "the learning rate of section 3", "180": "degrees", "1000": "the logits chosen in "
               "section 1", "1.26": "the explorer's arrow-key factor, 10^0.1", "0.01": "a learning rate to try",
               "100": "a number of steps"}
PROSE_NUMBER = re.compile(r"(?<![\w.^{\\-])-?\d+\.\d{2,}(?!\d)|(?<![\w.^{\\-])\d{3,}(?!\w|\.\d)")


def test_every_result_quoted_in_the_prose_is_printed_nearby(nb):
    """A number with two or more decimals, or three or more digits, in a lesson's text is printed by a code
    cell at most four cells away (DESIGN.md, "Truth in prose"); solutions are worked by hand instead."""
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or "solution" in cell.metadata.get("tags", []):
            continue
        near = " ".join(_stdout(c) for c in nb.cells[max(0, k - 4):k + 5] if c.cell_type == "code")
        for number in PROSE_NUMBER.findall(cell.source):
            if number in NOT_RESULTS:
                continue
            assert number in near, (k + 1, number, cell.source[:80])


def _checked_cell_printing(nb, needle):
    cell = _cell_printing(nb, needle)
    assert MARKER in cell.source.splitlines(), needle
    return _stdout(cell)


def test_the_new_derivations_are_printed_in_checked_cells(nb):
    I, K = seed_image(), seed_kernel()
    G = np.array([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0], [-1.0, 0.0, 1.0]])
    np.set_printoptions(precision=4, suppress=True)
    try:
        dI = conv2d_grad(I, K, G)[0]
        text = _checked_cell_printing(nb, "dL/dI = (G padded) * (K turned) =")
        assert str(dI) in text and "= 2\n" in text
        assert "agrees with numerical_gradient to 1e-7: True" in text
        v = forward_backward(live_kernel(), B_LIVE)
        text = _checked_cell_printing(nb, "dL/dW = f^T (p - y) =")
        assert str(v["dW"] + 0.0) in text and str(v["dc"]) in text
        text = _checked_cell_printing(nb, "the batch loss is their mean")
        assert "to 1e-7: True" in text
        text = _checked_cell_printing(nb, "dL/dW has the bank's shape (2, 2, 3, 3)")
        assert "together: 12" in text and "to 1e-7: True" in text
        text = _checked_cell_printing(nb, "average pooling, dL/dA")
        assert "to 1e-7: True" in text
        text = _checked_cell_printing(nb, "without the shift: exp(z) = [inf inf inf]")
        assert "p = [nan nan nan]" in text and "to 1e-7: True" in text
        text = _checked_cell_printing(nb, "changed by 100 steps")
        assert "K False   b False   W False   c True" in text
    finally:
        np.set_printoptions()


def test_one_symbol_for_convolution(nb):
    """Lesson 2 writes I * K; this lesson too, and names the one other symbol (true convolution) when used."""
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert r"\star" not in text
    assert r"\circledast" in nb.cells[0].source  # the goals say why the second symbol appears


def test_the_dead_kernel_text_says_which_parameters_are_stuck(nb):
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "cannot learn" not in text
    dead = next(c.source for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("Every response"))
    assert "dense biases" in dead and r"\frac{\partial L}{\partial b} = 0" in dead
