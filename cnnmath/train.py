"""Training by mini-batch gradient descent, ``p <- p - lr * dL/dp`` for every parameter p (lessons 6 and 7).

``fit`` does no plotting and prints nothing: it reports through ``callback`` so that a notebook can draw
a live loss curve or move a progress bar while a test trains silently.
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np

from ._validate import as_array, check_int

__all__ = ["fit", "accuracy", "sgd_step", "EPOCHS", "LR", "BATCH_SIZE"]

# fit's defaults: plain gradient descent that trains TinyCNN() on the digits to 97 % for seeds 0-9
EPOCHS = 20
LR = 0.3
BATCH_SIZE = 16


def accuracy(model, X, y) -> float:
    """Fraction of examples whose predicted label equals ``y`` (lesson 7)."""
    y = np.asarray(y)
    return float(np.mean(model.predict(X) == y))


def sgd_step(params, grads, lr, velocity=None, momentum=0.0):
    """One gradient-descent step on a dict of arrays, in place: ``p -= lr * g`` (lessons 6 and 7).

    That is lesson 6's rule ``K_new = K_old - eta * dL/dK`` with ``eta = lr``, for every array at once.
    Only with ``momentum > 0`` (never by default) does the step follow a running sum of past gradients
    instead: ``v <- momentum * v - lr * g``, then ``p <- p + v``.

    Parameters
    ----------
    params, grads : dict of ndarray with the same keys and shapes
    lr : float > 0
    velocity : dict of ndarray or None
        Momentum buffers, updated in place; made on first use when None and ``momentum > 0``.
    momentum : float in [0, 1)

    Returns
    -------
    velocity : dict of ndarray, or None when ``momentum`` is 0
    """
    if not momentum:
        for key, p in params.items():
            p -= lr * grads[key]
        return None
    if velocity is None:
        velocity = {k: np.zeros_like(v) for k, v in params.items()}
    for key, p in params.items():
        v = velocity[key]
        v *= momentum
        v -= lr * grads[key]
        p += v
    return velocity


def fit(model, X, y, *, epochs=EPOCHS, lr=LR, batch_size=BATCH_SIZE, momentum=0.0, lr_decay=1.0, seed=0,
        callback=None, X_val=None, y_val=None, blas_threads=1):
    """Train ``model`` by mini-batch gradient descent on (X, y) (lessons 6 and 7).

    Every epoch shuffles the examples (with ``seed``) and cuts them into batches; for each batch it computes
    the mean loss and the gradients (``model.loss(X_batch, y_batch)``) and applies lesson 6's update to
    every parameter, ``p <- p - lr * dL/dp`` (:func:`sgd_step`). Nothing else, unless asked: ``momentum``
    and ``lr_decay`` are off by default.

    The defaults train ``TinyCNN(seed=s)`` on ``load_digits(seed=s)`` to at least 97 % test accuracy for
    every seed s from 0 to 9, and ``TinyCNN(blocks=2, hidden=64)`` too (``tests/test_training_seeds.py``).

    Parameters
    ----------
    model : object with ``params`` (dict of arrays), ``loss(X, y) -> (loss, grads)`` and ``predict``
    X : array_like, shape (N, C, H, W)
    y : array_like of int, shape (N,)
    epochs : int >= 1
    lr : float > 0
        The learning rate eta.
    batch_size : int >= 1
    momentum : float in [0, 1)
        0 (the default) is the plain update of the lessons. Above 0, each step adds ``momentum`` times the
        previous step: ``v <- momentum * v - lr * g; p <- p + v`` (not taught in the lessons).
    lr_decay : float in (0, 1]
        1 (the default) keeps ``lr`` fixed. Below 1, the learning rate of epoch e is
        ``lr * lr_decay ** (e - 1)``: big steps first, finer ones later.
    seed : int
        Seed of the shuffling; the same seed gives the same training run.
    callback : callable or None
        Called after every epoch as ``callback(info)`` with a dict: ``epoch`` (1-based), ``epochs``,
        ``loss``, ``train_acc``, ``val_acc`` (None without validation data), ``seconds`` (since the start)
        and ``history``. If it returns ``False``, training stops early.
    X_val, y_val : array_like, optional
        Validation data, measured after every epoch (``val_acc``): tune settings on it, and read the
        test set once at the end (:func:`cnnmath.load_digits` with ``validation=`` splits one off).
    blas_threads : int or None
        Threads numpy's matrix products may use while ``fit`` runs (through threadpoolctl; the setting
        before the call is restored when it returns or fails). The default 1 is fastest for a batch of
        small images: the products are too small to share between cores, and a second thread that has
        to wait for a busy core slowed the two-block network's epoch from 0.07 s to 0.09 s here, and up
        to 10 times on a loaded machine. None leaves the threads as they are.

    Returns
    -------
    history : dict of lists, one entry per epoch
        ``loss`` (mean training loss over the epoch's batches), ``train_acc`` (accuracy on the training
        batches as they were seen, before each step: free, and close to the end-of-epoch accuracy),
        ``val_acc`` (None without validation data), ``seconds`` (cumulative).
    """
    X = as_array(X, "X", 4, "(N, C, H, W)")
    y = np.asarray(y)
    if y.dtype.kind not in "iu" or y.shape != (X.shape[0],):
        raise ValueError(f"y has shape {y.shape} and dtype {y.dtype} but needs integer labels of shape "
                         f"({X.shape[0]},), one per image of X")
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"lr is {lr!r} but needs a positive number such as 0.05")
    if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum < 1:
        raise ValueError(f"momentum is {momentum!r} but needs a number in [0, 1)")
    if isinstance(lr_decay, bool) or not isinstance(lr_decay, numbers.Real) or not 0 < lr_decay <= 1:
        raise ValueError(f"lr_decay is {lr_decay!r} but needs a number in (0, 1], such as 0.9")
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val need to be given together")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback is {type(callback).__name__} but needs a function callback(info)")
    if X_val is not None:
        X_val = as_array(X_val, "X_val", 4, "(N, C, H, W)")
        y_val = np.asarray(y_val)

    num_classes = getattr(model, "num_classes", None)
    if isinstance(num_classes, numbers.Integral) and (y.min() < 0 or y.max() >= num_classes):
        # checked here once, so that a bad label fails before training rather than in some later batch
        raise ValueError(f"y has labels from {y.min()} to {y.max()} but the model has {num_classes} classes: "
                         f"labels need 0..{num_classes - 1}")

    if blas_threads is not None:
        blas_threads = check_int(blas_threads, "blas_threads")
        controller = _blas_controller()
        if controller is not None:
            with controller.limit(limits=blas_threads, user_api="blas"):
                return _train(model, X, y, epochs, lr, batch_size, momentum, lr_decay, seed, callback, X_val, y_val)
    return _train(model, X, y, epochs, lr, batch_size, momentum, lr_decay, seed, callback, X_val, y_val)


_controller = None


def _blas_controller():
    """threadpoolctl's view of the thread pools loaded in this process, made on the first call and kept
    (None without threadpoolctl). Making it means scanning every loaded library, about 2 ms: as long as
    a whole epoch of the digits would take a tenth of. numpy's BLAS, the one fit limits, is loaded with
    numpy, so it is always in the view."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # without threadpoolctl the threads stay as they are
            return None
        _controller = ThreadpoolController()
    return _controller


def _train(model, X, y, epochs, lr, batch_size, momentum, lr_decay, seed, callback, X_val, y_val):
    """The loop of :func:`fit`, on checked arguments."""
    rng = np.random.default_rng(seed)
    history = {"loss": [], "train_acc": [], "val_acc": [], "seconds": []}
    velocity = None
    n = X.shape[0]
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total_loss, correct = 0.0, 0
        for lo in range(0, n, batch_size):
            idx = order[lo:lo + batch_size]
            xb, yb = X[idx], y[idx]
            loss, grads = model.loss(xb, yb)
            if not math.isfinite(loss):
                raise FloatingPointError(f"the loss became {loss} at epoch {epoch}: the learning rate lr={lr} "
                                         f"is too large; try a smaller one")
            total_loss += loss * len(idx)
            scores = getattr(model, "last_scores", None)
            if scores is not None and len(scores) == len(idx):
                correct += int(np.count_nonzero(scores.argmax(axis=1) == yb))
            else:  # a model that does not keep its scores: ask it (one more forward pass)
                correct += int(np.count_nonzero(model.predict(xb) == yb))
            velocity = sgd_step(model.params, grads, lr * lr_decay ** (epoch - 1), velocity, momentum)
        history["loss"].append(total_loss / n)
        history["train_acc"].append(correct / n)
        history["val_acc"].append(None if X_val is None else accuracy(model, X_val, y_val))
        history["seconds"].append(time.perf_counter() - start)
        if callback is not None:
            info = {"epoch": epoch, "epochs": epochs, "loss": history["loss"][-1],
                    "train_acc": history["train_acc"][-1], "val_acc": history["val_acc"][-1],
                    "seconds": history["seconds"][-1], "history": history}
            if callback(info) is False:
                break
    return history
