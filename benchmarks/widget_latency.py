"""How quickly every explorer answers: kernel-side callback time, and key-to-screen time in a browser.

    .venv/bin/python benchmarks/widget_latency.py

Part 1 builds each explorer headless and sets each of its controls to several values in turn, reading the
explorer's ``last_seconds`` (compute plus drawing the PNG), and prints the median per control. Part 2 reads
``test-artifacts/latency.json``, written by the browser tests (`make test`), and prints the median time from
a key press in Chromium to the updated text on screen, per widget. Targets: callbacks under 100 ms, screen
updates under 300 ms (medians, on a 2-core machine).
"""

from __future__ import annotations

import contextlib
import io
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import ipywidgets as widgets  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import cnnmath as cm  # noqa: E402
import cnnmath.viz.widgets as W  # noqa: E402


def explorers():
    """(name, factory) for every explorer of the lessons."""
    zero_arg = ["practice_explorer", "zoom_explorer", "gray_weights_explorer", "conv_step_explorer",
                "kernel_editor_explorer", "output_size_explorer", "flip_explorer", "relu_explorer",
                "relu_bias_explorer", "pooling_explorer", "pool_shift_explorer", "pool_gradient_explorer",
                "filter_bank_explorer", "receptive_field_explorer", "upload_explorer"]
    for name in zero_arg:
        if hasattr(W, name):
            yield name, getattr(W, name)
    X, y, Xt, yt = cm.load_digits()
    model = cm.TinyCNN()
    cm.fit(model, X, y)
    yield "feature_map_explorer", lambda: W.feature_map_explorer(model, Xt, yt)
    yield "drawing_pad", lambda: W.drawing_pad(model)


def values_for(control):
    """A few values a student would try, in an order that changes the value every time."""
    if isinstance(control, widgets.Button):
        return []
    options = getattr(control, "options", None)
    if options:
        labels = [o[1] if isinstance(o, tuple) else o for o in options]
        return labels[1:4] + labels[:1]
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider,
                            widgets.BoundedIntText, widgets.BoundedFloatText)):
        lo, hi = control.min, control.max
        return [lo + (hi - lo) * f for f in (0.25, 0.5, 0.75)] + [control.value]
    if isinstance(control, widgets.ToggleButton) or isinstance(control, widgets.Checkbox):
        return [not control.value, control.value]
    return []


def measure_callbacks():
    rows = []
    for name, factory in explorers():
        with contextlib.redirect_stdout(io.StringIO()):
            explorer = factory()
        for cname, control in getattr(explorer, "controls", {}).items():
            times = []
            for value in values_for(control):
                if isinstance(control, widgets.IntSlider) or isinstance(control, widgets.BoundedIntText):
                    value = int(round(value))
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        before = explorer.last_seconds
                        control.value = value
                except Exception:  # a value the control refuses (e.g. outside a dependent range)
                    continue
                if explorer.last_seconds != before:
                    times.append(explorer.last_seconds)
            if times:
                rows.append((name, cname, statistics.median(times), max(times), len(times)))
    return rows


def main():
    print("Kernel-side callback time (compute + drawing), headless, per control:")
    print(f"{'explorer':<26} {'control':<18} {'median ms':>9} {'max ms':>8} {'n':>3}")
    rows = measure_callbacks()
    for name, cname, med, worst, n in rows:
        flag = "" if med < 0.1 else "  > 100 ms"
        print(f"{name:<26} {cname:<18} {med * 1e3:9.1f} {worst * 1e3:8.1f} {n:3d}{flag}")
    path = ROOT / "test-artifacts" / "latency.json"
    print()
    if not path.exists():
        print(f"No browser measurements at {path}: run `make test` (browser tests) first.")
        return
    records = json.loads(path.read_text())["records"]
    by_widget = defaultdict(list)
    for r in records:
        by_widget[(r["notebook"], r["widget"])].append(r["ms"])
    print("Key press to updated text in Chromium (browser tests), per widget:")
    print(f"{'notebook':<28} {'widget':<30} {'median ms':>9} {'n':>3}")
    for (nb, widget), ms in sorted(by_widget.items()):
        med = statistics.median(ms)
        print(f"{nb:<28} {widget:<30} {med:9.0f} {len(ms):3d}{'' if med < 300 else '  > 300 ms'}")


if __name__ == "__main__":
    main()
