"""Input checks shared by every operation.

Students call these functions with hand-made arrays, so a mistake should be explained in the student's
terms (the argument, the shape it got, the shape it needs) before numpy sees it and raises something
cryptic from deep inside a broadcast or a reshape.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_array", "check_int", "check_seed", "check_position", "shape_str", "out_shape2d"]


def shape_str(shape) -> str:
    """Write a shape the way the lessons do: ``5x5`` for (5, 5), ``(2, 1, 8, 8)`` for higher ranks."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return "a scalar"
    if len(shape) <= 2:
        return "x".join(str(s) for s in shape)
    return str(shape)


_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


def as_array(x, name: str, ndim: int | tuple[int, ...] | None = None, layout: str = "",
             allow_nonfinite: bool = False) -> np.ndarray:
    """Return ``x`` as a float ndarray after checking its type, rank and values.

    Parameters
    ----------
    x : array_like
        The value to check. It is never modified; a new array is made only when the dtype changes.
    name : str
        The argument's name, used in every message.
    ndim : int or tuple of int, optional
        The rank(s) accepted.
    layout : str
        How the needed shape is spelled in messages, for example ``"(N, C, H, W)"``.
    allow_nonfinite : bool
        Accept NaN and infinity (only ``softmax`` and friends need large values, never NaN).

    Returns
    -------
    ndarray
        float32 if ``x`` is float32, float64 otherwise.
    """
    if type(x) is np.ndarray and x.dtype in _FLOATS and x.size and (ndim is None or x.ndim == ndim):
        # The common case inside a network: a float array of the right rank. Only its values need a look.
        return _check_values(x, name, allow_nonfinite)
    if x is None:
        raise TypeError(f"{name} is None but needs an array of numbers{_needs(ndim, layout)}")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} is a {type(x).__name__} but needs an array of numbers{_needs(ndim, layout)}")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as err:  # ragged nested lists
        raise ValueError(f"{name} could not be read as a rectangular array ({err}); "
                         f"it needs equal-length rows{_needs(ndim, layout)}") from None
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} has dtype bool but needs numbers (int or float); "
                        f"convert it with {name}.astype(float) if you meant 0 and 1")
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} has dtype {arr.dtype} but needs real numbers (int or float)")
    if ndim is not None:
        ranks = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in ranks:
            got = f"shape {arr.shape} ({arr.ndim}-D)"
            need = " or ".join(f"{r}-D" for r in ranks)
            raise ValueError(f"{name} has {got} but needs a {need} array{' ' + layout if layout else ''}")
    if arr.size == 0:
        raise ValueError(f"{name} has shape {arr.shape} with no entries but needs at least one value"
                         f"{_needs(ndim, layout)}")
    if arr.dtype != np.float32:
        arr = arr.astype(np.float64, copy=False)
    return _check_values(arr, name, allow_nonfinite)


def _check_values(arr, name, allow_nonfinite):
    """``arr`` itself if its values are allowed: finite (or, with ``allow_nonfinite``, at least not NaN)."""
    if allow_nonfinite:
        if np.isnan(arr).any():
            raise ValueError(f"{name} contains NaN values but needs numbers (large values are fine)")
    elif not _all_finite(arr):  # count only when something is wrong
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains NaN or infinite values ({bad} of {arr.size} entries) "
                         f"but needs finite numbers")
    return arr


def _all_finite(arr) -> bool:
    """Whether every entry of the float array ``arr`` is finite (no NaN, no infinity).

    ``np.isfinite(arr).all()``; for small arrays the count of finite entries is compared with the size
    instead, which skips ``all``'s Python-level wrapper (about half the time of the check on a batch's
    biases or class scores; every layer checks its inputs, a dozen times per training step). Neither
    way does arithmetic on the values, so neither can overflow or warn.
    """
    if arr.size <= _COUNT_MAX:
        return np.count_nonzero(np.isfinite(arr)) == arr.size
    return bool(np.isfinite(arr).all())


_COUNT_MAX = 8192  # up to here counting is faster than all(); above it the two cost the same


def _needs(ndim, layout: str) -> str:
    if layout:
        return f" of shape {layout}"
    if ndim is None:
        return ""
    return f" ({ndim}-D)" if isinstance(ndim, int) else ""


def check_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as a Python int, raising if it is not an integer ``>= minimum``."""
    if type(value) is int and value >= minimum:  # the common case, without the isinstance checks below
        return value
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} is {value!r} ({type(value).__name__}) but needs a whole number "
                            f">= {minimum}")
    value = int(value)
    if value < minimum:
        why = {1: "a step or window of zero or fewer pixels would never move or cover nothing",
               0: "padding adds that many rows and columns of zeros, so it cannot be negative"}
        raise ValueError(f"{name} is {value} but needs a whole number >= {minimum}: "
                         f"{why.get(minimum, 'it is too small')}")
    return value


def check_seed(seed) -> int:
    """Return ``seed`` as a Python int, raising TypeError if it is not an int (a bool is not)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed is {seed!r} but needs an int")
    return int(seed)


def out_shape2d(h: int, w: int, kh: int, kw: int, stride: int, padding: int = 0, *,
               image: str = "image", kernel: str = "kernel") -> tuple[int, int]:
    """Output shape ``((H + 2P - KH) // S + 1, (W + 2P - KW) // S + 1)``, or an error that explains why not.

    A window larger than the padded input would give an empty output: that raises. A stride that does not
    divide evenly is allowed and floors, as in every deep-learning library: the last rows or columns that
    a full window cannot reach are skipped.
    """
    ph, pw = h + 2 * padding, w + 2 * padding
    if kh > ph or kw > pw:
        pad_note = f" ({h}x{w} plus {padding} of zero padding on each side)" if padding else ""
        raise ValueError(
            f"{kernel} is {kh}x{kw} but the padded {image} is only {ph}x{pw}{pad_note}: the window would "
            f"not fit even once, so the output would be empty; use a smaller {kernel} or more padding")
    return (ph - kh) // stride + 1, (pw - kw) // stride + 1


def check_position(position, count, shape):
    """``position`` (reading order, 0-based) as an int in ``0..count-1``, or an error naming the valid range
    and the output ``shape`` it walks over (the explorers' step functions)."""
    if isinstance(position, bool) or not isinstance(position, (numbers.Integral, np.integer)):
        raise TypeError(f"position is {position!r} ({type(position).__name__}) but needs a whole number "
                        f"0..{count - 1}")
    position = int(position)
    if not 0 <= position < count:
        raise ValueError(f"position is {position} but needs 0..{count - 1}: the output is "
                         f"{shape_str(shape)}, {count} position(s) in reading order")
    return position
