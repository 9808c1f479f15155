"""Named 3x3 teaching kernels: the presets of the kernel editor (lessons 2 and 5).

Each call returns a fresh float64 array, so a student who edits one changes nothing else.
The edge kernels follow the lessons' sign convention: ``vertical_edge`` has rows ``[1, 0, -1]`` (the
seed's kernel), so it answers positively where the image is brighter on the left than on the right.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array

__all__ = ["KERNEL_NAMES", "get_kernel", "kernel_bank", "HAND_FILTERS", "most_similar_filters"]

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

#: The hand-designed edge kernels that lessons 7 and 8 compare learned filters with.
HAND_FILTERS = ("vertical edge", "horizontal edge", "diagonal edge", "anti-diagonal edge")


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


def most_similar_filters(conv_w, names=HAND_FILTERS):
    """For each named hand-designed kernel, the learned filter most like it (lessons 7 and 8).

    Similarity is the cosine of the angle between the two 3x3 kernels seen as 9-vectors: 1 means the same
    pattern up to scale, -1 the same pattern with the sign flipped, 0 unrelated. The filter with the
    largest ``|cosine|`` wins.

    Parameters
    ----------
    conv_w : array_like, shape (F, 1, 3, 3)
        A first layer's filter bank (one grayscale channel); (F, 3, 3) is read the same way.
    names : sequence of str
        Kernel names of :func:`get_kernel`.

    Returns
    -------
    list of (name, filter index, cosine)
        One item per name, in order; the index is in ``0..F-1``, the cosine in [-1, 1].
    """
    w = as_array(conv_w, "conv_w", (3, 4), "(F, 1, 3, 3)").astype(np.float64, copy=False)
    if w.shape[1:] not in ((1, 3, 3), (3, 3)):
        raise ValueError(f"conv_w has shape {w.shape} but needs ({w.shape[0]}, 1, 3, 3): 3x3 filters on "
                         f"one channel")
    if isinstance(names, str):
        raise TypeError(f"names is the string {names!r} but needs a sequence of kernel names, such as "
                        f"{list(HAND_FILTERS[:2])}")
    w = w.reshape(len(w), -1)
    w = w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    out = []
    for name in names:
        k = get_kernel(name).ravel()
        cos = w @ (k / np.linalg.norm(k))
        best = int(np.argmax(np.abs(cos)))
        out.append((name, best, float(cos[best])))
    return out
