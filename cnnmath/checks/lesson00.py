"""The warm-up of lesson 0 (``00_start_here.ipynb``): find x with the practice widget.

Its only purpose is to show how an exercise works: write an answer, run the cell, read the feedback.
The answer is read as every numeric answer of the course is (:mod:`cnnmath.checks.common`).
"""

from __future__ import annotations

from .common import Feedback, correct, incorrect, is_unanswered, never_raises, not_answered, read_number, snap

__all__ = ["WARMUP_CUBE", "check_warmup"]

#: The warm-up asks for the whole number x whose cube is this (the notebook's question quotes it).
WARMUP_CUBE = -343


@never_raises
def check_warmup(answer) -> Feedback:
    """Is ``answer`` the whole number x with x cubed equal to :data:`WARMUP_CUBE`? (lesson 0)"""
    if is_unanswered(answer):
        return not_answered()
    value, problem = read_number(answer, "one whole number, such as 5")
    if problem is not None:
        return problem
    value = float(snap(value))
    if value != round(value):
        return incorrect("the slider only gives whole numbers; the answer is one of them.")
    if abs(value) > 1000:
        return incorrect("that is far outside the slider's range (-10 to 10); move the slider and read x "
                         "from it.")
    x = int(round(value))
    if x ** 3 == WARMUP_CUBE:
        return correct(f"{x} cubed is {WARMUP_CUBE}. You have used a slider, a toggle and a check: "
                       "that is all the course asks of you.")
    if (-x) ** 3 == WARMUP_CUBE:
        return incorrect(f"{x} cubed is {x ** 3}: right size, wrong sign. Which sign does a cube keep?")
    return incorrect(f"{x} cubed is {x ** 3}, not {WARMUP_CUBE}. Choose 'cubed' in the practice widget "
                     "and move the slider until the summary shows the target.")
