"""Named 3x3 teaching kernels: the presets of the kernel editor (lessons 2 and 5).

Each call returns a fresh float64 array, so a student who edits one changes nothing else.
The edge kernels follow the lessons' sign convention: ``vertical_edge`` has rows ``[1, 0, -1]`` (the
seed's kernel), so it answers positively where the image is brighter on the left than on the right.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KERNEL_NAMES", "get_kernel", "kernel_bank"]

_KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "box blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "vertical edge": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal edge": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
    "diagonal edge": [[0, 1, 1], [-1, 0, 1], [-1, -1, 0]],
    "anti-diagonal edge": [[1, 1, 0], [1, 0, -1], [0, -1, -1]],
    "sobel x": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "sobel y": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
}

#: The preset names, in the order the kernel editor lists them.
KERNEL_NAMES = tuple(_KERNELS)


def get_kernel(name: str) -> np.ndarray:
    """A named 3x3 kernel as a new float64 array of shape (3, 3) (lessons 2 and 5).

    Parameters
    ----------
    name : str
        One of :data:`KERNEL_NAMES` (case and ``_``/``-`` versus space do not matter).

    Returns
    -------
    ndarray, shape (3, 3)
    """
    if not isinstance(name, str):
        raise TypeError(f"name is {type(name).__name__} but needs a kernel name, one of {list(KERNEL_NAMES)}")
    key = name.strip().lower().replace("_", " ")
    if key not in _KERNELS:
        key = key.replace("-", " ")
        matches = [k for k in _KERNELS if k.replace("-", " ") == key]
        if not matches:
            raise ValueError(f"name is {name!r} but needs one of {list(KERNEL_NAMES)}")
        key = matches[0]
    return np.array(_KERNELS[key], dtype=np.float64)


def kernel_bank(*names: str) -> np.ndarray:
    """Stack named kernels into a filter bank of shape (F, 1, 3, 3) for one grayscale channel (lesson 5).

    Parameters
    ----------
    *names : str
        F kernel names.

    Returns
    -------
    ndarray, shape (F, 1, 3, 3)
    """
    if not names:
        raise ValueError("names is empty but needs at least one kernel name")
    return np.stack([get_kernel(n) for n in names])[:, None]
