"""Feedback for exercises: right answers get a confirmation, wrong ones a hint, never the answer.

Every check returns a :class:`Feedback`, which shows itself as a coloured box in a notebook (with a word,
not just a colour, saying whether it is right) and is truthy when the answer is right.
"""

from __future__ import annotations

import html

__all__ = ["Feedback", "correct", "incorrect", "not_answered"]


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
