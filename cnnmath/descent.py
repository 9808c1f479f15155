"""Gradient descent on a kernel, step by step, stopped when the loss blows up (lesson 6: ``06_backpropagation``).

``K <- K - lr * dL/dK``, repeated. A learning rate above ``2 / (largest curvature)`` makes every step jump
past the bottom of the loss bowl and land higher up the other side; the loss then grows geometrically, and
the run is stopped (``diverged``) before its numbers overflow, so the lesson can say so in words.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._validate import as_array

__all__ = ["gradient_descent", "DescentPath", "BLOWUP"]

#: A run is called diverged once its loss is this many times its start (or is no longer finite).
BLOWUP = 1e6


@dataclass(frozen=True)
class DescentPath:
    """Where gradient descent went: the kernel and its loss after 0, 1, ..., ``steps`` steps (lesson 6).

    Made by :func:`gradient_descent`; its arrays are read-only.
    """

    lr: float
    """The learning rate."""
    kernels: np.ndarray
    """shape (S + 1, KH, KW): ``kernels[k]`` is the kernel after k steps (``kernels[0]`` the start)."""
    losses: np.ndarray
    """shape (S + 1,): ``losses[k]`` is the loss of ``kernels[k]``."""
    gradient: np.ndarray
    """shape (KH, KW): dL/dK at the last kernel (what the next step would use)."""
    diverged: int | None
    """The step at which the loss passed ``blowup`` times its start or stopped being finite (the path ends
    there), or None."""
    blowup: float
    """The factor that defines ``diverged``."""

    @property
    def steps(self) -> int:
        """How many steps the path holds (S)."""
        return len(self.losses) - 1

    @property
    def kernel(self) -> np.ndarray:
        """shape (KH, KW): the kernel after the last step."""
        return self.kernels[-1]

    def first(self, steps):
        """The path of the first ``min(steps, S)`` steps, as a DescentPath (``diverged`` kept only if that
        step is among them). The same arrays, not copies."""
        n = _check_steps(steps)
        if n >= self.steps:
            return self
        return DescentPath(self.lr, self.kernels[:n + 1], self.losses[:n + 1], _NO_GRADIENT, None, self.blowup)


_NO_GRADIENT = np.full((0, 0), np.nan)  # a shortened path does not keep the gradient of its last kernel
_NO_GRADIENT.flags.writeable = False


def _check_steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, (numbers.Integral, np.integer)) or steps < 0:
        raise ValueError(f"steps is {steps!r} but needs a whole number >= 0")
    return int(steps)


def _loss_and_grad(loss_and_grad, kernel):
    loss, grad = loss_and_grad(kernel)
    loss = np.asarray(loss, dtype=np.float64)
    if loss.size != 1:
        raise ValueError(f"loss_and_grad returned a loss of shape {loss.shape} but needs one number")
    grad = np.array(grad, dtype=np.float64)  # a copy: the path owns (and freezes) it
    if grad.shape != kernel.shape:
        raise ValueError(f"loss_and_grad returned a gradient of shape {grad.shape} but needs {kernel.shape}, "
                         f"the kernel's shape")
    return float(loss.reshape(())), grad


def gradient_descent(loss_and_grad, K0, lr, steps, *, blowup=BLOWUP, resume=None):
    """``steps`` steps of ``K <- K - lr * dL/dK`` from ``K0``, stopped early if the loss blows up (lesson 6).

    Parameters
    ----------
    loss_and_grad : callable
        ``loss_and_grad(K) -> (loss, dL/dK)``: a number and an array shaped like ``K``.
    K0 : array_like, shape (KH, KW)
        The starting kernel (never changed).
    lr : float > 0
        The learning rate.
    steps : int >= 0
        How many steps to take.
    blowup : float > 1
        The run stops at the first step whose loss exceeds ``blowup`` times the starting loss (or is inf or
        NaN); that step is ``diverged``. No overflow or invalid-value warnings are raised on the way.
    resume : DescentPath, optional
        An earlier path from the same ``K0`` with the same ``lr`` and ``blowup``: it is continued instead of
        starting again (the numbers are the same, since each step depends only on the kernel before it).
        A path with at least ``steps`` steps, or one that diverged, is returned as it is.

    Returns
    -------
    DescentPath
        ``kernels`` (S + 1, KH, KW), ``losses`` (S + 1,), ``gradient`` (KH, KW), ``diverged`` (int or None),
        with ``S = steps``, or fewer if the run diverged.
    """
    if not callable(loss_and_grad):
        raise TypeError(f"loss_and_grad is {type(loss_and_grad).__name__} but needs a function "
                        f"K -> (loss, dL/dK)")
    K0 = as_array(K0, "K0", ndim=2, layout="(KH, KW)")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr is {lr!r} but needs a positive number such as 0.5")
    steps = _check_steps(steps)
    if isinstance(blowup, bool) or not isinstance(blowup, numbers.Real) or not blowup > 1:
        raise ValueError(f"blowup is {blowup!r} but needs a number > 1 such as 1e6")
    lr, blowup = float(lr), float(blowup)
    if resume is not None:
        if not isinstance(resume, DescentPath):
            raise TypeError(f"resume is {type(resume).__name__} but needs a DescentPath or None")
        if (resume.lr != lr or resume.blowup != blowup or resume.kernels.shape[1:] != K0.shape
                or not np.array_equal(resume.kernels[0], K0) or resume.gradient.shape != K0.shape):
            raise ValueError("resume is a path with another K0, lr or blowup (or a shortened one); it needs "
                             "the full path of this very run")
        if resume.steps >= steps or resume.diverged is not None:
            return resume
        kernels, losses, grad = list(resume.kernels), list(resume.losses), resume.gradient
    else:
        start = np.array(K0, dtype=np.float64)
        loss, grad = _loss_and_grad(loss_and_grad, start)
        kernels, losses = [start], [loss]
    diverged = None
    limit = blowup * max(losses[0], 1e-300)
    with np.errstate(all="ignore"):  # a blow-up is reported in words, never as a warning
        while len(kernels) <= steps:
            kernel = kernels[-1] - lr * grad
            loss, grad = _loss_and_grad(loss_and_grad, kernel)
            kernels.append(kernel)
            losses.append(loss)
            if not np.isfinite(loss) or loss > limit:
                diverged = len(kernels) - 1
                break
    kernels, losses = np.array(kernels), np.array(losses)
    for a in (kernels, losses, grad):
        a.flags.writeable = False
    return DescentPath(lr, kernels, losses, grad, diverged, blowup)
