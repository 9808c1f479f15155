"""Speed of cnnmath against PyTorch and SciPy on the course's own shapes, measured side by side.

Run from the repository root (``make bench`` does this)::

    .venv/bin/python benchmarks/run.py            # 1 and 2 threads, 9 timed repeats each
    .venv/bin/python benchmarks/run.py --threads 1 --repeats 15

Every case runs its candidates interleaved in this one process (repeat 1: cnnmath, torch, scipy; repeat 2:
...), after a warm-up, so machine noise hits all of them alike; the table shows medians. PyTorch and SciPy
are optional: a missing one is reported and its columns say so. numpy's BLAS and PyTorch are given the same
number of threads (threadpoolctl and ``torch.set_num_threads``); cnnmath's own threads (max pooling) follow
the same limit.

With two or more threads, a library's idle worker threads keep spinning for a while after each call
(OpenBLAS for about 0.1 s, PyTorch's OpenMP for several ms) and take cores from whichever candidate runs
next. ``--settle MS`` runs each candidate untimed for MS milliseconds before each timed call, so that each
is measured without the other's spinning threads (see README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import cnnmath as cm  # noqa: E402

try:
    import torch
    import torch.nn.functional as tF
except ImportError:  # optional: the course never needs it
    torch = None
try:
    from scipy import signal
except ImportError:
    signal = None
try:
    from threadpoolctl import threadpool_limits, threadpool_info
except ImportError:
    threadpool_limits = None


def median_times(candidates, repeats, warmup=2, settle=0.0, warmup_seconds=0.1):
    """Time each callable ``repeats`` times, interleaved; return {name: median seconds}.

    The warm-up runs the candidates interleaved, untimed, for at least ``warmup`` rounds and
    ``warmup_seconds``. Until the heap has grown to what both libraries' allocations need side by side,
    some calls page-fault on fresh memory (about 2x slower for these cases); in a fresh process that takes
    some 100 calls, which is why ``run`` gives its first case a longer warm-up.
    ``settle`` > 0: before each timed call, call the same candidate untimed for that many seconds (at
    least once), so that the previous candidate's idle worker threads have stopped spinning (see
    ``--settle``).
    """
    start, rounds = time.perf_counter(), 0
    while rounds < warmup or time.perf_counter() - start < warmup_seconds:
        for fn in candidates.values():
            fn()
        rounds += 1
    times = {name: [] for name in candidates}
    for _ in range(repeats):
        for name, fn in candidates.items():
            if settle:
                until = time.perf_counter() + settle
                fn()
                while time.perf_counter() < until:
                    fn()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# ------------------------------------------------------------------------------------------------ cases

def case_conv_layer(n, c, h, w, f, k, padding, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((f, c, k, k)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype)
    h_out, w_out = h + 2 * padding - k + 1, w + 2 * padding - k + 1
    dout = rng.standard_normal((n, f, h_out, w_out)).astype(dtype)

    def ours():
        out, cache = cm.conv2d_forward(x, wt, b, 1, padding)
        return cm.conv2d_backward(dout, cache)

    cands = {"cnnmath": ours}
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_(True)
        tw = torch.from_numpy(wt).requires_grad_(True)
        tb = torch.from_numpy(b).requires_grad_(True)
        tdout = torch.from_numpy(dout)

        def theirs():
            tx.grad = tw.grad = tb.grad = None
            out = tF.conv2d(tx, tw, tb, padding=padding)
            out.backward(tdout)
        cands["torch"] = theirs
    return cands


def case_pool(n, c, h, w, size, stride, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    h_out = (h - size) // stride + 1
    w_out = (w - size) // stride + 1
    dout = rng.standard_normal((n, c, h_out, w_out)).astype(dtype)

    def ours():
        out, cache = cm.maxpool2d_forward(x, size, stride)
        return cm.maxpool2d_backward(dout, cache)

    cands = {"cnnmath": ours}
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_(True)
        tdout = torch.from_numpy(dout)

        def theirs():
            tx.grad = None
            tF.max_pool2d(tx, size, stride).backward(tdout)
        cands["torch"] = theirs
    return cands


def case_photo(k, dtype):
    photo = cm.load_photo(normalize=True).astype(dtype)
    kernel = np.random.default_rng(0).standard_normal((k, k)).astype(dtype)
    cands = {"cnnmath": lambda: cm.conv2d(photo, kernel)}
    if torch is not None:
        tp = torch.from_numpy(photo)[None, None]
        tk = torch.from_numpy(kernel)[None, None]

        def theirs():
            with torch.no_grad():
                return tF.conv2d(tp, tk)
        cands["torch"] = theirs
    if signal is not None:
        cands["scipy"] = lambda: signal.correlate2d(photo, kernel, mode="valid")
    return cands


class TorchSequential:
    """The same network as a ``cnnmath.Sequential`` (TinyCNN included), in PyTorch, with the same first
    weights, trained by the same update: plain SGD, ``p <- p - lr * dL/dp`` (fit's default)."""

    def __init__(self, model, lr):
        self.model = model
        self.params = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
        self.opt = torch.optim.SGD(list(self.params.values()), lr=lr, momentum=0.0)

    def scores(self, x):
        for name, layer in zip(self.model.names, self.model.layers):
            if isinstance(layer, cm.Conv2D):
                x = tF.conv2d(x, self.params[name + "_w"], self.params[name + "_b"], stride=layer.stride,
                              padding=layer.padding)
            elif isinstance(layer, cm.ReLU):
                x = torch.relu(x)
            elif isinstance(layer, cm.MaxPool2D):
                x = tF.max_pool2d(x, layer.size, layer.stride)
            elif isinstance(layer, cm.Flatten):
                x = x.flatten(1)
            else:
                x = x @ self.params[name + "_w"] + self.params[name + "_b"]
        return x

    def step(self, xb, yb):
        loss = tF.cross_entropy(self.scores(xb), yb)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss


def case_epoch(**config):
    """One epoch of ``fit`` with its defaults on the digits, against the same epoch in PyTorch."""
    X, y, _, _ = cm.load_digits()
    defaults = cm.fit.__kwdefaults__
    batch, lr = defaults["batch_size"], defaults["lr"]
    order = np.random.default_rng(0).permutation(len(X))

    def ours():
        model = cm.TinyCNN(seed=0, **config)
        cm.fit(model, X, y, epochs=1, seed=0)

    cands = {"cnnmath": ours}
    if torch is not None:
        tX, ty = torch.from_numpy(X), torch.from_numpy(y)

        def theirs():
            net = TorchSequential(cm.TinyCNN(seed=0, **config), lr)
            perm = torch.from_numpy(order)
            for lo in range(0, len(X), batch):
                idx = perm[lo:lo + batch]
                net.step(tX[idx], ty[idx])
        cands["torch"] = theirs
    return cands


def time_to_97():
    """Seconds of ``fit`` (defaults) until the test accuracy first reaches 97 %, measured by its callback."""
    X, y, Xt, yt = cm.load_digits()
    reached = {}

    def cb(info):
        if info["val_acc"] >= 0.97:
            reached["seconds"] = info["seconds"]
            reached["epoch"] = info["epoch"]
            return False
        return True

    cm.fit(cm.TinyCNN(seed=0), X, y, X_val=Xt, y_val=yt, callback=cb)
    return reached


CASES = [
    # (label, shape text, factory, target ratio vs torch, target ratio vs scipy)
    ("conv fwd+bwd", "N64 C1 28x28 F8 3x3 p0", lambda d: case_conv_layer(64, 1, 28, 28, 8, 3, 0, d), 1.0, None),
    ("conv fwd+bwd", "N64 C8 14x14 F16 3x3 p1", lambda d: case_conv_layer(64, 8, 14, 14, 16, 3, 1, d), 1.5, None),
    ("maxpool fwd+bwd", "N64 C8 26x26 2x2 s2", lambda d: case_pool(64, 8, 26, 26, 2, 2, d), 1.0, None),
    ("maxpool fwd+bwd", "N64 C8 26x26 3x3 s1", lambda d: case_pool(64, 8, 26, 26, 3, 1, d), 1.0, None),
    ("conv2d photo", "600x512 * 3x3", lambda d: case_photo(3, d), 1.5, 1.0),
    ("conv2d photo", "600x512 * 5x5", lambda d: case_photo(5, d), 1.5, 1.0),
]


_BATCH = cm.fit.__kwdefaults__["batch_size"]
EPOCH_CASES = [
    # (label, shape text, TinyCNN settings, target ratio vs torch)
    ("TinyCNN epoch", f"digits 1437, batch {_BATCH}", {}, 0.5),
    ("2-block epoch", f"blocks=2 hidden=64 b{_BATCH}", {"blocks": 2, "hidden": 64}, 0.7),
]


def fmt_ms(s):
    return "-" if s is None else f"{s * 1e3:8.3f}"


def fmt_ratio(a, b, target):
    if a is None or b is None:
        return "-"
    r = a / b
    mark = "" if target is None else (" ok" if r <= target else f" >{target}")
    return f"{r:5.2f}x{mark}"


FIRST_WARMUP = 0.5  # seconds of warm-up for the first case of the process (see median_times)


def run(threads_list, repeats, dtypes, settle=0.0):
    rows = []
    for threads in threads_list:
        limiter = threadpool_limits(limits=threads) if threadpool_limits else None
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            for label, shape, factory, t_target, s_target in CASES:
                for dtype in dtypes:
                    med = median_times(factory(dtype), repeats, settle=settle,
                                       warmup_seconds=0.1 if rows else FIRST_WARMUP)
                    rows.append((label, shape, np.dtype(dtype).name, threads, med.get("cnnmath"),
                                 med.get("torch"), med.get("scipy"), t_target, s_target))
            for label, shape, config, target in EPOCH_CASES:
                med = median_times(case_epoch(**config), max(3, repeats // 2), warmup=1, settle=settle)
                rows.append((label, shape, "float64", threads, med.get("cnnmath"), med.get("torch"), None,
                             target, None))
        finally:
            if limiter is not None:
                limiter.unregister() if hasattr(limiter, "unregister") else None
    return rows


def print_table(rows):
    head = (f"{'operation':<16} {'shape':<24} {'dtype':<8} {'thr':>3} {'cnnmath ms':>10} {'torch ms':>9} "
            f"{'scipy ms':>9} {'vs torch':>12} {'vs scipy':>11}")
    print(head)
    print("-" * len(head))
    for label, shape, dtype, threads, ours, theirs, sp, t_target, s_target in rows:
        print(f"{label:<16} {shape:<24} {dtype:<8} {threads:>3} {fmt_ms(ours):>10} {fmt_ms(theirs):>9} "
              f"{fmt_ms(sp):>9} {fmt_ratio(ours, theirs, t_target):>12} {fmt_ratio(ours, sp, s_target):>11}")


MALLOC_CASES = [
    ("maxpool fwd+bwd", "N64 C8 26x26 2x2 s2", lambda: case_pool(64, 8, 26, 26, 2, 2, np.float64)),
    ("conv fwd+bwd", "N64 C8 14x14 F16 3x3 p1", lambda: case_conv_layer(64, 8, 14, 14, 16, 3, 1, np.float64)),
    ("TinyCNN epoch", f"digits 1437, batch {_BATCH}", case_epoch),
]


def malloc_probe(repeats, tuned):
    """cnnmath's medians for MALLOC_CASES at 1 thread, as JSON (run in a child with tuning on or off)."""
    import json
    if tuned:
        cm.tune_malloc()
    with threadpool_limits(limits=1):
        out = [median_times({"cnnmath": factory()["cnnmath"]}, repeats, warmup_seconds=0)["cnnmath"]
               for _, _, factory in MALLOC_CASES]
    from cnnmath._fast.malloc import malloc_tuned
    print(json.dumps({"tuned": malloc_tuned(), "medians": out}))


def malloc_comparison(repeats):
    """Run the probe in two fresh processes, glibc malloc tuned (as in the table above) and untuned."""
    import json
    import subprocess
    results = {}
    for tuned in ("1", "0"):
        proc = subprocess.run([sys.executable, __file__, "--malloc-probe", tuned, "--repeats", str(repeats)],
                              capture_output=True, text=True, check=True)
        results[tuned] = json.loads(proc.stdout.strip().splitlines()[-1])
    print("glibc malloc thresholds (cnnmath.tune_malloc, opt-in), 1 thread, fresh processes:")
    print(f"{'operation':<16} {'shape':<24} {'tuned ms':>9} {'untuned ms':>11} {'untuned/tuned':>14}")
    for (label, shape, _), on, off in zip(MALLOC_CASES, results["1"]["medians"], results["0"]["medians"]):
        print(f"{label:<16} {shape:<24} {on * 1e3:9.3f} {off * 1e3:11.3f} {off / on:13.2f}x")
    if not results["1"]["tuned"]:
        print("(malloc tuning is not available on this system: both columns are untuned)")


def _without_value_checks(fn):
    """``fn`` run with cnnmath's NaN/infinity check of every array argument replaced by nothing.

    An experiment, never a mode of the library: it measures what the lessons' input checks cost a training
    epoch (every layer function checks its arrays, about 16 checks per step of TinyCNN and 29 of the
    two-block network), to show how far the epoch rows are from their targets without them.
    """
    from cnnmath import _validate

    def run():
        checked = _validate._check_values
        _validate._check_values = lambda arr, name, allow_nonfinite: arr
        try:
            return fn()
        finally:
            _validate._check_values = checked
    return run


def validation_cost(repeats):
    """One epoch of each EPOCH_CASES network at 1 thread: as in the table, without the value checks, and
    PyTorch, interleaved."""
    print("what the input checks cost an epoch (1 thread; 'unchecked' skips the NaN/infinity check of every "
          "array,\nan experiment only):")
    print(f"{'network':<16} {'shape':<24} {'checked ms':>10} {'unchecked ms':>12} {'torch ms':>9} "
          f"{'checked':>8} {'unchecked':>10}")
    limiter = threadpool_limits(limits=1) if threadpool_limits else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        for label, shape, config, target in EPOCH_CASES:
            cands = case_epoch(**config)
            cands = {"checked": cands["cnnmath"], "unchecked": _without_value_checks(cands["cnnmath"]),
                     **({"torch": cands["torch"]} if "torch" in cands else {})}
            med = median_times(cands, repeats, warmup=1)
            ratios = [fmt_ratio(med[k], med.get("torch"), target) for k in ("checked", "unchecked")]
            print(f"{label:<16} {shape:<24} {fmt_ms(med['checked']):>10} {fmt_ms(med['unchecked']):>12} "
                  f"{fmt_ms(med.get('torch')):>9} {ratios[0]:>8} {ratios[1]:>10}")
    finally:
        if limiter is not None and hasattr(limiter, "unregister"):
            limiter.unregister()


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU model unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats per candidate (>= 7)")
    parser.add_argument("--float64-only", action="store_true")
    parser.add_argument("--malloc-probe", choices=["0", "1"], help=argparse.SUPPRESS)
    parser.add_argument("--no-malloc-tuning", action="store_true",
                        help="leave glibc malloc as it is (by default the benchmark calls cnnmath.tune_malloc(), "
                             "which importing cnnmath never does)")
    parser.add_argument("--no-malloc-comparison", action="store_true")
    parser.add_argument("--no-validation-cost", action="store_true",
                        help="skip the epochs timed without cnnmath's NaN/infinity checks")
    parser.add_argument("--settle", type=float, default=0.0, metavar="MS",
                        help="before each timed call, run the same candidate untimed for MS milliseconds, so "
                             "that the other library's idle threads (OpenBLAS, OpenMP) stop spinning on the "
                             "cores first; matters with more than one thread (default 0: plain interleaving)")
    args = parser.parse_args(argv)
    repeats = max(7, args.repeats)
    if args.malloc_probe:
        return malloc_probe(repeats, args.malloc_probe == "1")
    tuned = False if args.no_malloc_tuning else cm.tune_malloc()
    print(f"machine: {platform.machine()}, {_cpu_model()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"glibc malloc thresholds: {'raised by cnnmath.tune_malloc()' if tuned else 'left as they are'}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed (pip install torch to compare)'}, "
          f"scipy {__import__('scipy').__version__ if signal else 'not installed'}")
    if threadpool_limits:
        blas = [f"{i['internal_api']} {i['version']} ({i['num_threads']} threads)" for i in threadpool_info()]
        print(f"BLAS: {', '.join(blas)}")
    settle = f", each after {args.settle:g} ms of untimed calls of itself" if args.settle else ""
    print(f"medians of {repeats} interleaved repeats after a warm-up{settle}; "
          f"ratio = cnnmath / other (lower is better)")
    print()
    dtypes = [np.float64] if args.float64_only else [np.float64, np.float32]
    print_table(run(args.threads, repeats, dtypes, settle=args.settle / 1e3))
    reached = time_to_97()
    print()
    if reached:
        print(f"time to 97% test accuracy (fit defaults, TinyCNN seed 0): {reached['seconds']:.3f} s "
              f"(epoch {reached['epoch']}) {'ok' if reached['seconds'] < 1 else '> 1 s target'}")
    else:
        print("time to 97% test accuracy: not reached with fit's defaults")
    if not args.no_validation_cost:
        print()
        validation_cost(repeats)
    if not args.no_malloc_comparison:
        print()
        malloc_comparison(repeats)


if __name__ == "__main__":
    main()
