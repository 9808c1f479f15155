"""Feedback for exercises: right answers get a confirmation, wrong ones a hint, never the answer.

Every check returns a :class:`Feedback`, which shows itself as a coloured box in a notebook (with a word,
not just a colour, saying whether it is right) and is truthy when the answer is right.
"""

from __future__ import annotations

import functools
import html

import numpy as np

__all__ = ["Feedback", "correct", "incorrect", "not_answered", "never_raises", "read_numbers", "close",
           "RTOL", "ATOL"]

#: Relative tolerance of a numeric answer (the hand computations give short decimals).
RTOL = 1e-6
#: Absolute tolerance, for entries that should be exactly 0.
ATOL = 1e-9


class Feedback:
    """The result of a check: ``ok`` (True, False, or None when not answered yet) and a message."""

    def __init__(self, ok, message):
        self.ok = ok
        self.message = message

    def __bool__(self):
        return bool(self.ok)

    def _label(self):
        return {True: "Correct", False: "Not yet", None: "Your turn"}[self.ok]

    def __repr__(self):
        return f"{self._label()}: {self.message}"

    def _repr_html_(self):
        colour = {True: "#1b7f3b", False: "#b00020", None: "#555555"}[self.ok]
        mark = {True: "&#10004;", False: "&#10008;", None: "&#9998;"}[self.ok]
        return (f"<div style='border-left:6px solid {colour};padding:4px 10px;margin:4px 0'>"
                f"<b style='color:{colour}'>{mark} {self._label()}:</b> {html.escape(self.message)}</div>")


def correct(message="well done."):
    return Feedback(True, message)


def incorrect(hint):
    return Feedback(False, hint)


def not_answered(what="replace the ... (or None) with your answer and run the cell again."):
    return Feedback(None, what)


# ---------------------------------------------------------------------------------------------- readers

def never_raises(check):
    """Decorator: whatever the answer is, the check answers with feedback, never with a traceback."""
    @functools.wraps(check)
    def wrapper(answer, *args, **kwargs):
        try:
            return check(answer, *args, **kwargs)
        except Exception:  # an answer no reader foresaw: say so in words
            return incorrect("your answer could not be read. Give plain numbers: one number, a tuple, or a "
                             "list (of lists) of numbers; a numpy array works too.")
    return wrapper


def read_numbers(answer, what):
    """A numeric answer as DESIGN.md reads it: ``np.asarray(answer, dtype=float)`` with size-1 dimensions
    squeezed, so int, float, any numpy scalar, a 0-d or one-element array, a list or a tuple of the right
    values are the same answer.

    Returns ``(array, None)``, or ``(None, Feedback)`` saying what kind of answer is wanted for text,
    booleans, NaN or infinity and ragged lists. ``what`` names the wanted answer as a noun phrase, for
    example "one number, the weight's new value".
    """
    if isinstance(answer, (str, bytes)):
        return None, incorrect(f"your answer is text (in quotes); give {what}, written as numbers without "
                               f"quotes.")
    if isinstance(answer, (bool, np.bool_)):
        return None, incorrect(f"True and False are not numbers here; give {what}.")
    try:
        if np.asarray(answer).dtype == bool:
            return None, incorrect(f"True and False are not numbers here; give {what}.")
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None, incorrect(f"your answer could not be read as numbers (are some rows longer than others, "
                               f"or is something in it not a number?); give {what}, for example as a list "
                               f"or a numpy array.")
    if not np.all(np.isfinite(arr)):
        return None, incorrect(f"your answer holds NaN or infinity, which no exercise here expects; give "
                               f"{what}.")
    return np.squeeze(arr), None


def close(a, b):
    """Whether an answer equals the expected value within :data:`RTOL` and :data:`ATOL`."""
    return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))
