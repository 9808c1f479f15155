"""Feedback for exercises: right answers get a confirmation, wrong ones a hint, never the answer.

Every check returns a :class:`Feedback`, which shows itself as a coloured box in a notebook (with a word,
not just a colour, saying whether it is right) and is truthy when the answer is right.

One way of reading answers, for every check of every lesson (``DESIGN.md``, "Exercises"):

- A numeric answer is read with ``np.asarray(answer, dtype=float)`` and its size-1 dimensions are
  squeezed, so an int, a float, any numpy scalar, float32, a 0-d or one-element array, a list or a tuple of
  the right values are the same answer. :func:`read_array`, :func:`read_number`, :func:`read_int`,
  :func:`read_side`, :func:`read_pair` and :func:`read_shape` do this and nothing else.
- Text (even "7"), True/False, complex numbers, NaN, infinity, ragged lists, None inside a list and
  arbitrary objects are not numbers: the reader returns a hint that says what kind of answer is wanted.
- An answer is right when it equals the expected value within the tolerance below (:func:`close`); a
  function's output is judged the same way whatever its dtype (float32, int, a list).
- ``None`` and ``...`` (the placeholder the notebooks start from) mean "not answered yet".

Tolerance: an entry is right when it is within ``RTOL`` times the scale of the expected answer, the
scale being the largest absolute value among the expected entries, or 1 when that is smaller. So the
default is a relative tolerance of 1e-6, and an entry that should be 0 may be off by 1e-6 at most
(float32 rounding and answers written with six decimals pass; every slip the checks name is far larger).
A hand computation that a question asks for "to two decimals" is compared with
``close(..., decimals=2)``, which also accepts the rounding to two decimals (half a unit of the last
place); the question then says so. (No exercise asks for rounded answers today: lesson 6's batch exercise
uses ``decimals=2`` only to tell a rounded answer "very nearly" and ask for all its decimals.) Whole numbers (sizes, counts, positions) must be whole within the same
tolerance and are then compared exactly.
"""

from __future__ import annotations

import functools
import html

import numpy as np

__all__ = ["Feedback", "arrangement_hint", "correct", "incorrect", "not_answered", "is_unanswered", "never_raises",
           "read_array", "read_number", "read_int", "read_side", "read_pair", "read_shape", "read_numbers",
           "close", "snap", "count_off", "typed_number", "TYPED_LIMIT", "call_student", "student_array", "RTOL",
           "ATOL"]

#: Relative tolerance of every numeric answer (see the module's docstring for the scale it applies to).
RTOL = 1e-6
#: The smallest absolute tolerance: ``RTOL`` times a scale of at least 1, for entries that should be 0.
ATOL = RTOL * 1.0


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


def is_unanswered(answer) -> bool:
    """None or ``...``: the placeholders an exercise cell starts from."""
    return answer is None or answer is Ellipsis


# ---------------------------------------------------------------------------------------------- checks

_UNREADABLE = ("your answer could not be read. Give plain numbers: one number, a tuple, or a list (of "
               "lists) of numbers; a numpy array works too.")


def never_raises(check):
    """Decorator: whatever the answer is, the check answers with feedback, never with a traceback.

    ``None`` and ``...`` are "not answered yet" for every check that has no message of its own for them.
    """
    @functools.wraps(check)
    def wrapper(answer=None, *args, **kwargs):
        try:
            result = check(answer, *args, **kwargs)
        except Exception:  # an answer no reader foresaw: say so in words
            return incorrect(_UNREADABLE)
        return result if isinstance(result, Feedback) else incorrect(_UNREADABLE)
    return wrapper


# ---------------------------------------------------------------------------------------------- readers

def _kind_problem(raw, what, allow_bool=False):
    """A Feedback when an answer holds something that is not a real number, else None."""
    if isinstance(raw, (str, bytes)):
        return incorrect(f"your answer is text (in quotes); write {what} without quotes.")
    if isinstance(raw, (bool, np.bool_)) and not allow_bool:
        return incorrect(f"True and False are not numbers here; give {what}.")
    if callable(raw) and not isinstance(raw, (np.ndarray, np.generic, type)):
        return incorrect(f"you passed a function; give {what} (the result, not the function).")
    if isinstance(raw, (dict, set, frozenset)):
        return incorrect(f"your answer is a {type(raw).__name__}; give {what}, as a number, a tuple or a list.")
    if isinstance(raw, (list, tuple)):
        return _items_problem(raw, what, allow_bool)
    elif isinstance(raw, np.ndarray):
        kind = raw.dtype.kind
        if kind in "US":
            return incorrect(f"your answer is text (in quotes); write {what} without quotes.")
        if kind == "b" and not allow_bool:
            return incorrect(f"True and False are not numbers here; give {what}.")
        if kind == "c":
            return incorrect(f"your answer holds complex numbers; give {what}, real numbers only.")
        if kind in "MmV":
            return incorrect(f"your answer holds dates or records, not numbers; give {what}.")
        if kind == "O" and raw.ndim:
            return _items_problem(raw.ravel(), what, allow_bool)
    elif isinstance(raw, complex) or isinstance(raw, np.complexfloating):
        return incorrect(f"your answer is a complex number; give {what}, real numbers only.")
    return None


def _items_problem(items, what, allow_bool):
    for item in items:
        if is_unanswered(item):
            return incorrect(f"part of your answer is still None or ...; give {what}.")
        problem = _kind_problem(item, what, allow_bool)
        if problem is not None:
            return problem
    return None


def read_array(answer, what="numbers", shape=None, *, allow_bool=False):
    """Read a numeric answer: ``(array, None)`` or ``(None, Feedback)``.

    The array is ``np.asarray(answer, dtype=float)`` with its size-1 dimensions squeezed (a 0-d array for
    one number). With ``shape``, the squeezed answer must have the squeezed ``shape`` (so a (1, 3) row and
    three numbers are the same answer), else the Feedback says which shape is needed. ``what`` names the
    wanted answer as a noun phrase ("one number, the weight's new value"). ``allow_bool`` lets True/False
    stand for 1/0 (masks). ``None``/``...`` give "not answered".
    """
    if is_unanswered(answer):
        return None, not_answered()
    problem = _kind_problem(answer, what, allow_bool)
    if problem is not None:
        return None, problem
    try:
        raw = np.asarray(answer)
        problem = _kind_problem(raw, what, allow_bool)
        if problem is not None:
            return None, problem
        arr = np.asarray(answer, dtype=np.float64)
    except OverflowError:
        return None, incorrect(f"your answer holds a number too large for this exercise; give {what}.")
    except Exception:  # ragged lists, objects that are not numbers, objects that fail when converted
        return None, incorrect(f"your answer could not be read as numbers (are some rows longer than others, "
                               f"or is something in it not a number?); give {what}, for example as a list "
                               f"or a numpy array.")
    if arr.size == 0:
        return None, incorrect(f"your answer is empty; give {what}.")
    if np.isnan(arr).any():
        return None, incorrect(f"your answer holds NaN (not a number), which no exercise here expects; give "
                               f"{what}.")
    if not np.isfinite(arr).all():
        return None, incorrect(f"your answer holds an infinite (or too large) number, which no exercise here "
                               f"expects; give {what}.")
    arr = np.squeeze(arr)
    if shape is not None:
        want = tuple(d for d in shape if d != 1)
        hint = arrangement_hint(arr, want)
        if hint is not None:
            return None, hint
        if arr.shape != want:
            need = "one number" if not want else f"shape {tuple(shape)}"
            return None, incorrect(f"give {what}: {need}; your answer has "
                                   f"{arr.size} number{'s' if arr.size != 1 else ''}"
                                   f"{'' if arr.ndim < 2 else f' in shape {arr.shape}'}.")
    return arr, None


def arrangement_hint(arr, shape):
    """The hint for a grid typed with the right count of numbers in another arrangement (one flat list of 9
    for 3 rows of 3, or 3 rows of 4 for 4 rows of 3), or None when the shape is right or the count differs.

    Parameters
    ----------
    arr : ndarray, a read (squeezed) answer
    shape : tuple (R, C), the grid the exercise asks for
    """
    if len(shape) != 2 or arr.shape == tuple(shape) or arr.size != shape[0] * shape[1]:
        return None
    rows, cols = shape
    got = "one flat list" if arr.ndim == 1 else f"shape {arr.shape}"
    return incorrect(f"your answer has the right count of numbers, {arr.size}, but as {got}: a grid of {rows} "
                     f"rows and {cols} columns is needed, written as a list of {rows} lists of {cols} numbers "
                     f"each (or an array of shape {tuple(shape)}), row by row from the top.")


def read_numbers(answer, what):
    """``read_array(answer, what)``: kept for the checks written before :func:`read_array` had a shape."""
    return read_array(answer, what)


def read_number(answer, what="one number"):
    """One number: ``(float, None)`` or ``(None, Feedback)`` (a 0-d or one-element array counts as one)."""
    arr, problem = read_array(answer, what)
    if problem is not None:
        return None, problem
    if arr.size != 1:
        return None, incorrect(f"give {what}; your answer has {arr.size} numbers where one number is wanted.")
    return float(arr.reshape(())), None


def _whole(value, scale=None):
    return abs(value - round(value)) <= RTOL * max(1.0, abs(value) if scale is None else scale)


def snap(values):
    """``values`` rounded to whole numbers when every entry is whole within the tolerance (at the scale of
    the largest entry), else unchanged: a float array."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return arr
    scale = float(np.abs(arr).max())
    if all(_whole(float(v), scale) for v in arr.ravel()):
        return np.round(arr)
    return arr


def read_int(answer, what="one whole number"):
    """One whole number: ``(int, None)`` or ``(None, Feedback)``; 13.0 and np.int8(13) read as 13."""
    value, problem = read_number(answer, what)
    if problem is not None:
        return None, problem
    if not _whole(value):
        return None, incorrect(f"{what[0].upper()}{what[1:]} is a whole number; yours has a fractional part.")
    return int(round(value)), None


def read_side(answer, what="one whole number, the side of the square"):
    """The side of a square: one whole number, or two equal whole numbers (the square's shape)."""
    arr, problem = read_array(answer, what)
    if problem is not None:
        return None, problem
    if arr.size == 2:
        if not np.allclose(arr[0], arr[1], rtol=RTOL, atol=ATOL):
            return None, incorrect(f"the square has equal sides, but your two numbers differ; give one number, "
                                   f"{what} (or two equal ones).")
        arr = arr.ravel()[0]
    return read_int(arr, what)


def read_shape(answer, count, what):
    """``count`` whole numbers of 0 or more (a shape or a position): ``(tuple of ints, None)`` or
    ``(None, Feedback)``."""
    arr, problem = read_array(answer, what)
    if problem is not None:
        return None, problem
    arr = np.atleast_1d(snap(arr))
    if arr.ndim != 1 or arr.size != count:
        return None, incorrect(f"give {what}: {count} whole numbers; your answer has {arr.size} number"
                               f"{'s' if arr.size != 1 else ''}.")
    if not all(_whole(float(v)) for v in arr):
        return None, incorrect(f"every entry of {what} is a whole number; yours has a fractional part.")
    values = tuple(int(round(float(v))) for v in arr)
    if any(v < 0 for v in values):
        return None, incorrect(f"every entry of {what} is a whole number of 0 or more.")
    return values, None


def read_pair(answer, what="a position (row, column)"):
    """Two whole numbers of 0 or more, such as a (row, column) position."""
    return read_shape(answer, 2, what)


def close(a, b, decimals=None) -> bool:
    """Whether answer ``a`` equals the expected ``b`` within the module's tolerance (same squeezed shape).

    ``decimals`` (for a question that asks to round) also accepts ``b`` rounded to that many decimals.
    """
    a = np.squeeze(np.asarray(a, dtype=np.float64))
    b = np.squeeze(np.asarray(b, dtype=np.float64))
    if a.shape != b.shape or not np.isfinite(a).all() or not np.isfinite(b).all():
        return False
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    tol = RTOL * scale
    if decimals is not None:
        tol += 0.5 * 10.0 ** (-decimals) * (1 + 1e-9)
    return bool(np.all(np.abs(a - b) <= tol))


# ------------------------------------------------------------------------------------- typed in explorers

#: The largest magnitude an explorer takes for a typed number (kernel weights, biases, ...): far beyond any
#: value the lessons use, and small enough that a 3x3 kernel on 0..255 pixels stays far from overflow.
TYPED_LIMIT = 1e6


def typed_number(value, name, *, limit=TYPED_LIMIT, need=None):
    """A number a student typed into an explorer (a number box, a slider, one token of a text box), read by
    the rule of the exercises (``np.asarray(value, dtype=float)``, size-1 dimensions squeezed): a float.

    Raises
    ------
    ValueError
        Text that is not a number, an empty box, NaN, infinity or a magnitude above ``limit``; the message
        names the box (``name``), says what it got and what it needs, so an explorer shows it in its summary.
    TypeError
        None, True/False or an object that is not a number.
    """
    need = need or f"a finite number between {-limit:g} and {limit:g}"
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(f"{name} is empty but needs {need}")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{name} is {value!r}, which is not a number; it needs {need}") from None
    if value is None or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} is {value!r} but needs {need}")
    arr, problem = read_array(value, need)
    if problem is not None or arr.size != 1:
        if problem is not None and "NaN" in problem.message:
            raise ValueError(f"{name} is nan (NaN: not a number) but needs {need}")
        if problem is not None and ("infinite" in problem.message or "too large" in problem.message):
            raise ValueError(f"{name} is infinite (or too large to hold) but needs {need}")
        raise TypeError(f"{name} is {type(value).__name__} {str(value)[:40]!r} but needs {need}")
    number = float(arr.reshape(()))
    if abs(number) > limit:
        raise ValueError(f"{name} is {number:g}, too large (at most {limit:g} in size): it needs {need}")
    return number


# ------------------------------------------------------------------------------------ student functions

def call_student(func, case, *args, **kwargs):
    """Call the student's ``func(*args, **kwargs)`` on a hidden case: ``(result, None)``, or
    ``(None, Feedback)`` naming the case (``case``, words such as "on a 4x6 image") and the exception."""
    try:
        return func(*args, **kwargs), None
    except Exception as err:  # the student's code: any error becomes a hint in their terms
        text = str(err)
        text = f": {text}" if text and len(text) < 300 else ""
        return None, incorrect(f"{case}, your function raised {type(err).__name__}{text}.")


def student_array(result, case, what):
    """A student function's result as a float array: ``(array, None)`` or ``(None, Feedback)``, read by the
    same rule as typed answers (any dtype, lists too), but not squeezed."""
    arr, problem = read_array(result, what)
    if problem is not None:
        if problem.ok is None:
            return None, incorrect(f"{case}, your function returned None.")
        return None, incorrect(f"{case}, {problem.message}")
    try:
        return np.asarray(result, dtype=np.float64), None
    except Exception:  # already read once above, so this is only a guard
        return None, incorrect(f"{case}, your function's result could not be read as numbers.")


def _plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def count_off(a, b):
    """How many entries of ``a`` differ from ``b`` beyond the tolerance, as words ("1 entry is")."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(1.0, float(np.abs(b).max())) if b.size else 1.0
    n = int(np.sum(np.abs(a - b) > RTOL * scale))
    return n, ("1 entry is" if n == 1 else f"{n} entries are")

