"""A number a lesson's prose quotes is the number its checked cells print (DESIGN.md, "Truth in prose").

nbval compares the printed output of every ``# NBVAL_CHECK_OUTPUT`` cell with the committed one, so a
computation that changes fails nbval. But once the notebook is re-executed and the new output committed,
nbval is happy again, and a sentence that still quotes the old number would go unnoticed. These tests
close that gap with two rules:

1. ``QUOTES``, an explicit table: (notebook, a pattern in its markdown, a pattern on the printed output of
   its checked cells). Each pattern captures one number in group 1: the prose pattern as the sentence quotes
   it, the output pattern the same quantity as the cell prints it. The quote and the print must be the same
   string (the convention: quote numbers exactly as printed). A pattern that no longer matches fails too,
   so a rewritten sentence or a reformatted print shows up here and the table is updated with it.
2. A sweep over the lessons in ``SWEPT``: every percentage and every decimal number in a markdown cell's
   prose (outside $math$, `code`, code blocks and the folded solutions) must appear, exactly as written, in
   the printed output of a checked cell of the same notebook, unless ``NOT_MEASURED`` lists it with the
   reason it is not a measurement (a constant, a setting, a threshold). This catches a new quote nobody
   added to the table.

Each rule is a plain function returning a list of problems; the tests at the end run both on made-up
notebooks to show that they fire.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"

# Lessons whose prose the sweep reads. Lesson 6 is written elsewhere; add it here (with its NOT_MEASURED
# entries) once its prose follows the convention.
SWEPT = ["00_start_here", "01_image_as_matrix", "02_convolution", "03_relu", "04_pooling", "05_feature_maps",
         "07_full_pipeline", "08_deeper"]

NUM = r"(-?\d[\d,]*(?:\.\d+)?)"  # a number as printed: sign, thousands commas, decimals

# (notebook, pattern in the markdown (whitespace collapsed), pattern on a checked cell's printed output)
QUOTES = [
    # lesson 1: weights that add up to 1 but are not all non-negative
    ("01_image_as_matrix", rf"get grey values from {NUM} to", rf"grey from {NUM} to"),
    ("01_image_as_matrix", rf"grey values from -?[\d.]+ to {NUM},", rf"grey from -?[\d.]+ to {NUM};"),
    ("01_image_as_matrix", rf"with {NUM}% of the pixels outside 0\.\.255", rf"{NUM}% of the pixels fall outside"),
    # lesson 2: most of the edge map is near 0
    ("02_convolution", rf"the flat areas: {NUM}% of the pixels answer with less than 20",
     rf"\|response\| < 20 \(.*\): {NUM}%"),
    ("02_convolution", rf"which is {NUM}% of the strongest answer", rf"\|response\| < 20 \({NUM}% of the strongest"),
    ("02_convolution", rf"of the strongest answer \({NUM}\)", rf"of the strongest, {NUM}\)"),
    ("02_convolution", rf"and {NUM}% with less than 10", rf"\|response\| < 10 \(.*\): {NUM}%"),
    # lesson 3: the edge map's mask, and the dead ReLU
    ("03_relu", rf"About half of the map passes: {NUM}%", rf"fraction of pixels that pass ReLU's gradient: {NUM}%"),
    ("03_relu", rf"every entry passes from step {NUM} on", rf"leaky ReLU \(0\.01\) \|.*\| +{NUM} \| -$"),
    ("03_relu", rf"dead from step {NUM},", rf"\|\s+10 \|.*\| {NUM}$"),
    ("03_relu", rf"\$b\$ ends at \${NUM}\$", rf"\|\s+10 \| +{NUM} \|"),
    ("03_relu", rf"ends where it began, \$b = {NUM}\$", rf"b = 0 \| +ReLU \| +0\.5 \| +{NUM} \|"),
    ("03_relu", rf"section 4 counts {NUM}% of the photo's edge map", rf"exactly 0 \(the corner\): .* = +{NUM}%"),
    # lesson 4: shifts and pooling
    ("04_pooling", rf"after a one-pixel shift {NUM}% of the full map's entries change",
     rf"change at all after a 1 px shift: full map {NUM}%"),
    ("04_pooling", rf"entries change and {NUM}% of the 2x2 max-pooled map's", rf"max pooled 2x2 {NUM}%$"),
    ("04_pooling", rf"a one-pixel shift left 3 of 6 unchanged after pooling \({NUM}%\)",
     rf"moved right by 1 px: 3 of 6 positions unchanged after pooling \({NUM}%\)"),
    ("04_pooling", rf'"every 2nd pixel" changes by {NUM}', rf"^every 2nd pixel \(no pooling\) +{NUM}"),
    ("04_pooling", rf"as much as the full map \({NUM}\)", rf"^no pooling \(full map\) +{NUM}"),
    ("04_pooling", rf"2x2 max pooling to {NUM}", rf"^max pool 2x2, stride 2 +{NUM}"),
    ("04_pooling", rf"{NUM}% less than the full map", rf"cuts the change by {NUM}% compared with the full map"),
    ("04_pooling", rf"{NUM}% less than every 2nd pixel", rf"and by {NUM}% compared with every 2nd pixel"),
    ("04_pooling", rf"average pooling to {NUM}\)", rf"^average pool 2x2, stride 2 +{NUM}"),
    ("04_pooling", rf"\({NUM} after one pixel\)", rf"^max pool 4x4, stride 4 +{NUM}"),
    ("04_pooling", rf"2x2 max-pooled map changes by {NUM}", rf"^max pool 2x2, stride 2 +[\d.]+ +[\d.]+ +{NUM}"),
    ("04_pooling", rf"close to the full map's {NUM}", rf"^no pooling \(full map\) +[\d.]+ +[\d.]+ +{NUM}"),
    ("04_pooling", rf"from {NUM} \(the full map\) to", rf"^no pooling \(full map\) +{NUM}"),
    ("04_pooling", rf"\(the full map\) to {NUM},", rf"^max pool 2x2, stride 2 +{NUM}"),
    ("04_pooling", rf"without pooling did not \({NUM}\)", rf"^every 2nd pixel \(no pooling\) +{NUM}"),
    # lesson 5: most of each map is near 0; why convolution
    ("05_feature_maps", rf"at least {NUM}% of every map lies within 0\.1 of 0", rf"^vertical edge .* +{NUM}%$"),
    ("05_feature_maps", rf"against answers of up to {NUM}\.", rf"^vertical edge +-?[\d.]+ +{NUM} "),
    ("05_feature_maps", rf"The dense layer would need {NUM} numbers", rf"^dense: every pixel, own weights +{NUM} "),
    ("05_feature_maps", rf"numbers, {NUM} bytes", rf"^dense: every pixel.* = +{NUM} bytes"),
    ("05_feature_maps", rf"the convolution needs {NUM}\.", rf"^convolution: 3x3 window, shared +{NUM} "),
    ("05_feature_maps", rf"Locality alone brings it down to {NUM},", rf"^local: 3x3 window, own weights +{NUM} "),
    ("05_feature_maps", rf"\(hatched, {NUM} positions\)", rf"columns: {NUM} positions"),
    ("05_feature_maps", rf"differs from its bias by up to {NUM} ", rf"differ from the bias by up to {NUM},"),
    ("05_feature_maps", rf"border answers is negative, {NUM},", rf"the strongest border answer, {NUM},"),
    ("05_feature_maps", rf"the largest positive one is \+{NUM}\)", rf"from -?[\d.]+ to \+{NUM} \(the photo"),
    ("05_feature_maps", rf"still miss by up to {NUM},", rf"still miss by up to {NUM} "),
    ("05_feature_maps", rf"the pair.s answers reach {NUM}\.", rf"the pair.s answers reach {NUM}\)"),
    ("05_feature_maps", rf"the photo's own strongest answer is {NUM}\)", rf"own strongest answer: {NUM}\)"),
    ("05_feature_maps", rf"where a dense layer on the same photo needs {NUM};",
     rf"^dense: every pixel, own weights +{NUM} "),
    # lesson 7: training, the test set, the learning rates, the filters and their baselines
    ("07_full_pipeline", rf"stays between {NUM}% and", rf"between {NUM}% and [\d.]+% over the last"),
    ("07_full_pipeline", rf"stays between [\d.]+% and {NUM}% over the second half",
     rf"between [\d.]+% and {NUM}% over the last"),
    ("07_full_pipeline", rf"this network gets {NUM}% of the test digits right", rf"^test accuracy: {NUM}%"),
    ("07_full_pipeline", rf"test digits right \({NUM} of 360\)", rf"^test accuracy: [\d.]+% \({NUM} of 360"),
    ("07_full_pipeline", rf"it is still {NUM} times the default run's", rf"last loss {NUM} times the default"),
    ("07_full_pipeline", rf"lower \({NUM}% against", rf"^ +0\.001 \|.*\| +{NUM}% \|"),
    ("07_full_pipeline", rf"% against {NUM}%\)", rf"^ +0\.3 \|.*\| +{NUM}% \|"),
    ("07_full_pipeline", rf"That is right for {NUM}% of them", rf"^ +10 \|.*\| +{NUM}% \|"),
    ("07_full_pipeline", rf"already reaches {NUM}% or more of the best trained", rf"already reach {NUM}% or more"),
    ("07_full_pipeline", rf"random start runs from {NUM} to", rf"random start: {NUM} to"),
    ("07_full_pipeline", rf"runs from [\d.]+ to {NUM} \(median", rf"random start: [\d.]+ to {NUM}"),
    ("07_full_pipeline", rf"\(median {NUM}\)", rf"\(median {NUM}\)"),
    ("07_full_pipeline", rf"The trained networks score {NUM}% to", rf"^trained network \(fit\) .*\| {NUM}% to"),
    ("07_full_pipeline", rf"The trained networks score [\d.]+% to {NUM}%", rf"^trained network \(fit\) .* to {NUM}%$"),
    ("07_full_pipeline", rf"logistic regression on top score {NUM}% to", rf"^untrained filters .*\| {NUM}% to"),
    ("07_full_pipeline", rf"on top score [\d.]+% to {NUM}%", rf"^untrained filters .* to {NUM}%$"),
    ("07_full_pipeline", rf"raw pixels scores {NUM}%", rf"^raw pixels \+ logistic regression +\| +{NUM}%"),
    ("07_full_pipeline", rf"\(one digit is {NUM}%\)", rf"\(one digit is {NUM}%\)"),
    ("07_full_pipeline", rf"the medians, {NUM}% and", rf"^medians {NUM}% and"),
    ("07_full_pipeline", rf"the medians, [\d.]+% and {NUM}%", rf"^medians [\d.]+% and {NUM}%"),
    ("07_full_pipeline", rf"less than the {NUM} digits by which", rf"spread over {NUM} digits"),
    ("07_full_pipeline", rf"\({NUM}% to [\d.]+% on validation against", rf"^untrained filters .*\| {NUM}% to"),
    ("07_full_pipeline", rf"on validation against {NUM}% to", rf"^trained network \(fit\) .*\| {NUM}% to"),
    ("07_full_pipeline", rf"with a relative error of {NUM};", rf"dL/db relative error {NUM}$"),
    # lesson 8: the first epoch's two losses, the dead and live filters, what five seeds can reveal
    ("08_deeper", rf"the order is the other way round: {NUM} for two blocks",
     rf"^two blocks: epoch 1: .* at its end {NUM},"),
    ("08_deeper", rf"for two blocks against {NUM} for one", rf"^one block : epoch 1: .* at its end {NUM},"),
    ("08_deeper", rf"its weights moved by only {NUM} in all", rf"^dead conv1 filter f\d+: its weights moved by {NUM} "),
    ("08_deeper", rf"keep a cosine of {NUM} to", rf"cosine with their own random start {NUM} to"),
    ("08_deeper", rf"grew to {NUM} to", rf"; length {NUM} to"),
    ("08_deeper", rf"grew to [\d.]+ to {NUM} times", rf"; length [\d.]+ to {NUM} times"),
    ("08_deeper", rf"real only beyond {NUM} standard errors", rf"beyond t = {NUM} standard errors"),
    ("08_deeper", rf"that is beyond {NUM} digits", rf"= {NUM} digits, [\d.]+% of the test digits; measured"),
    ("08_deeper", rf"beyond [\d.]+ digits, {NUM}% of the test digits", rf"digits, {NUM}% of the test digits; measured"),
    ("08_deeper", rf"detected in only {NUM}%", rf"detect it in {NUM}% of such"),
]

# Numbers in swept prose that are not measurements, each with the reason.
NOT_MEASURED = {
    "04_pooling": {"99.5": "a display setting: the colour scale stops at the 99.5th percentile"},
    "05_feature_maps": {
        "0.299": "lesson 1's grey weights, constants", "0.587": "lesson 1's grey weights, constants",
        "0.114": "lesson 1's grey weights, constants",
        "0.1": "a chosen bias (-0.1) and the threshold the table's last column counts with",
    },
    "07_full_pipeline": {
        "97%": "the goal fit's defaults were chosen to meet; the test-set cell asserts it",
        "0.001": "a setting on the slider", "0.5": "a grey level of the drawing pad",
        "0.9": "the threshold for 'confidently wrong' that the mistakes cell counts with",
    },
    "08_deeper": {"97%": "the goal fit's defaults were chosen to meet on load_digits(seed=s)'s test digits",
                  "15%": "a setting: the validation share of load_digits(seed=s, validation=0.15)"},
}

SWEEP_NUMBER = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?%|\d+\.\d+)(?![\w])")


# --- reading a notebook ------------------------------------------------------------------------------

def is_checked(cell) -> bool:
    lines = (line.strip() for line in cell.source.splitlines())
    return cell.cell_type == "code" and (CHECK_OUTPUT_MARKER in lines
                                         or "nbval-check-output" in cell.metadata.get("tags", []))


def printed(cell) -> str:
    """The text a code cell printed or displayed (the part nbval compares), one string."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            parts.append(output.get("text", ""))
        elif "data" in output and "image/png" not in output["data"]:
            parts.append(output["data"].get("text/plain", ""))
    return "".join(parts)


def checked_output(nb) -> str:
    return "\n".join(printed(cell) for cell in nb.cells if is_checked(cell))


def markdown(nb) -> str:
    """All markdown cells, whitespace collapsed, so a quoted phrase may wrap across lines."""
    return " ".join(" ".join(cell.source.split()) for cell in nb.cells if cell.cell_type == "markdown")


def prose(source: str) -> str:
    """A markdown cell without what is not prose: folded solutions, code blocks, inline code, math."""
    text = re.sub(r"<details>.*?</details>", " ", source, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    return re.sub(r"\$[^$]*\$", " ", text)


# --- the two rules -----------------------------------------------------------------------------------

def quote_problems(nb, quotes) -> list[str]:
    """Rule 1: each (prose pattern, output pattern) pair finds the same number in both places."""
    text, out = markdown(nb), checked_output(nb)
    problems = []
    for said, shown in quotes:
        in_prose = re.findall(said, text)
        in_output = re.search(shown, out, flags=re.M)
        if not in_prose:
            problems.append(f"no sentence matches {said!r} any more: update the prose or QUOTES")
        elif in_output is None:
            problems.append(f"no checked cell prints {shown!r} (the sentence quotes {in_prose[0]})")
        else:
            wrong = [q for q in in_prose if q != in_output.group(1)]
            if wrong:
                problems.append(f"the prose says {wrong[0]} where a checked cell prints {in_output.group(1)} "
                                f"({said!r})")
    return problems


def sweep_problems(nb, allowed) -> list[str]:
    """Rule 2: every percentage or decimal in the prose is printed by a checked cell, or is allowed."""
    out = checked_output(nb)
    problems = []
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "markdown":
            continue
        for quoted in SWEEP_NUMBER.findall(prose(cell.source)):
            if quoted in allowed:
                continue
            if not re.search(rf"(?<![\d.]){re.escape(quoted)}(?![\d])", out):
                problems.append(f"cell {number} says {quoted}, which no checked cell prints "
                                f"(quote the printed number, or list it in NOT_MEASURED with a reason)")
    return problems


# --- the lessons -------------------------------------------------------------------------------------

def _load(stem):
    path = NOTEBOOK_DIR / f"{stem}.ipynb"
    if not path.exists():
        pytest.skip(f"{path.name} does not exist")
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("stem", sorted({q[0] for q in QUOTES}))
def test_quoted_numbers_are_the_printed_ones(stem):
    quotes = [(said, shown) for nb_stem, said, shown in QUOTES if nb_stem == stem]
    problems = quote_problems(_load(stem), quotes)
    assert not problems, f"{stem}.ipynb:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("stem", SWEPT)
def test_every_percentage_and_decimal_in_the_prose_is_printed(stem):
    problems = sweep_problems(_load(stem), NOT_MEASURED.get(stem, {}))
    assert not problems, f"{stem}.ipynb:\n  " + "\n  ".join(problems)


def test_the_table_and_the_allowances_name_real_lessons():
    stems = {p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")}
    assert {q[0] for q in QUOTES} <= stems and set(NOT_MEASURED) <= set(SWEPT) <= stems
    for _, said, shown in QUOTES:
        assert re.compile(said).groups == 1 and re.compile(shown).groups == 1, (said, shown)
    assert all(reason for allowed in NOT_MEASURED.values() for reason in allowed.values())


# --- the rules themselves, on made-up notebooks: a rule that never fires would pass silently ------------

def _notebook(prose_text, printed_text, checked=True):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell(("# NBVAL_CHECK_OUTPUT\n" if checked else "") + "print(...)")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed_text)]
    nb.cells = [code, nbformat.v4.new_markdown_cell(prose_text)]
    return nb


QUOTE = [(rf"Most of the map, {NUM}%,", rf"near 0: {NUM}%")]


def test_a_matching_quote_passes():
    nb = _notebook("Most of the map, 41%, is\nnear 0.", "pixels near 0: 41%\n")
    assert quote_problems(nb, QUOTE) == [] and sweep_problems(nb, {}) == []


def test_a_stale_quote_fails_both_rules():
    nb = _notebook("Most of the map, 41%, is near 0.", "pixels near 0: 43%\n")
    assert quote_problems(nb, QUOTE)[0].startswith("the prose says 41 where a checked cell prints 43")
    assert "says 41%" in sweep_problems(nb, {})[0]


def test_a_rewritten_sentence_or_print_is_reported():
    assert "no sentence matches" in quote_problems(_notebook("A third of the map is near 0.", "near 0: 41%"),
                                                   QUOTE)[0]
    assert "no checked cell prints" in quote_problems(_notebook("Most of the map, 41%, is near 0.", "41%"),
                                                      QUOTE)[0]


def test_only_checked_cells_count():
    nb = _notebook("Most of the map, 41%, is near 0.", "pixels near 0: 41%\n", checked=False)
    assert "no checked cell prints" in quote_problems(nb, QUOTE)[0]
    assert sweep_problems(nb, {})


def test_the_sweep_skips_math_code_solutions_and_allowed_numbers():
    text = ("Weights $0.299$ and `0.587`, a threshold of 0.9, and\n"
            "<details><summary>Solution</summary>13.5</details>\n```python\nx = 2.5\n```")
    nb = _notebook(text, "nothing printed here")
    assert sweep_problems(nb, {"0.9": "a threshold"}) == []
    assert sweep_problems(nb, {}) == ["cell 2 says 0.9, which no checked cell prints (quote the printed "
                                      "number, or list it in NOT_MEASURED with a reason)"]


def test_the_sweep_matches_whole_numbers_only():
    # 7.3% is not a quote of 17.3%, and 0.5 is not a quote of 0.55
    assert sweep_problems(_notebook("About 7.3% and 0.5 of it.", "17.3% and 0.55"), {})[0].startswith(
        "cell 2 says 7.3%")
    assert len(sweep_problems(_notebook("About 7.3% and 0.5 of it.", "17.3% and 0.55"), {})) == 2
    assert sweep_problems(_notebook("From -28.5 up.", "grey from -28.5 to 363.5"), {}) == []
