"""The warm-up of lesson 0 (``00_start_here.ipynb``): find x with the practice widget.

Its only purpose is to show how an exercise works: write an answer, run the cell, read the feedback.
"""

from __future__ import annotations

import numbers

from .common import Feedback, correct, incorrect, not_answered

__all__ = ["WARMUP_CUBE", "check_warmup"]

#: The warm-up asks for the whole number x whose cube is this (the notebook's question quotes it).
WARMUP_CUBE = -343


def check_warmup(answer) -> Feedback:
    """Is ``answer`` the whole number x with x cubed equal to :data:`WARMUP_CUBE`? (lesson 0)"""
    if answer is None:
        return not_answered()
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return incorrect(f"the answer should be a number such as 5, not {type(answer).__name__}.")
    if float(answer) != round(float(answer)):
        return incorrect("the slider only gives whole numbers; the answer is one of them.")
    x = int(round(float(answer)))
    if x ** 3 == WARMUP_CUBE:
        return correct(f"{x} cubed is {WARMUP_CUBE}. You have used a slider, a toggle and a check: "
                       "that is all the course asks of you.")
    if (-x) ** 3 == WARMUP_CUBE:
        return incorrect(f"{x} cubed is {x ** 3}: right size, wrong sign. Which sign does a cube keep?")
    return incorrect(f"{x} cubed is {x ** 3}, not {WARMUP_CUBE}. Choose 'cubed' in the practice widget "
                     "and move the slider until the summary shows the target.")
