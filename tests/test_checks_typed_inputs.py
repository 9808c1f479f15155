"""Numbers a student types into an explorer are read by the exercises' rule (``typed_number`` in
``cnnmath/checks/common.py``): huge, tiny, NaN, infinite, empty or non-numeric entries give a message in
the explorer's summary, never a traceback (issue 14, point 5).

``drive_typed_values`` is what each lesson's widget test calls on its explorers.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib
import numpy as np
import pytest
import traitlets

matplotlib.use("Agg")

from IPython.utils.capture import capture_output  # noqa: E402

from cnnmath.checks.common import TYPED_LIMIT, typed_number  # noqa: E402

#: What a student may type: huge, tiny, NaN, infinite, empty, not a number (as values and as text).
TYPED_VALUES = (float("nan"), float("inf"), -float("inf"), -1e308, 1e308, 1e-320, -5e-324, 10 ** 400, 0.0,
                "", " ", "abc", "nan", "inf", "-1e308", "1e400", "1,2", "1/0", None, True)

_NOT_TYPED = (widgets.Button, widgets.Play, widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons,
              widgets.Checkbox, widgets.ToggleButton, widgets.FileUpload)


def drive_typed_values(explorer, names=None, values=TYPED_VALUES):
    """Set every typed value into each numeric or text control of ``explorer`` (or those in ``names``).

    A value the control itself refuses (ipywidgets raises ``TraitError``: a slider's or number box's own
    validation, which in a browser keeps the old value) never reaches the explorer. Every other value must
    redraw without a traceback: either a message in words (``last_error`` a ValueError/TypeError shown in
    the summary) or a picture whose summary holds no nan/inf. Returns how many values reached the explorer.
    """
    reached = 0
    for name, control in list(explorer.controls.items()):
        if names is not None and name not in names:
            continue
        if isinstance(control, _NOT_TYPED) or not hasattr(control, "value"):
            continue
        good = control.value
        seen = {repr(good)}
        for value in values:
            try:
                with capture_output():
                    control.value = value  # the explorer redraws on the change, as in a browser
            except traitlets.TraitError:
                continue
            if repr(control.value) in seen:  # clamped to a value already tried: no new redraw
                continue
            seen.add(repr(control.value))
            reached += 1
            summary = explorer.summary.value
            err = explorer.last_error
            assert "<pre" not in summary and "Traceback" not in summary, (name, value, summary)
            assert err is None or isinstance(err, (ValueError, TypeError)), (name, value, repr(err))
            if err is None:
                words = summary.lower().replace("infinite", "")
                assert not any(t in words for t in (" nan", " inf", "e+30")), (name, value, summary)
            else:
                assert "does not work" in summary, (name, value, summary)
            with capture_output():
                control.value = good
            assert explorer.last_error is None, (name, "did not recover", explorer.summary.value)
    return reached


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1e308, "", "abc", "1e400", None, True, [1, 2],
                                   10 ** 400, 2 * TYPED_LIMIT])
def test_typed_number_refuses_in_words(value):
    with pytest.raises((ValueError, TypeError), match="K\\[0,0\\] is .*needs"):
        typed_number(value, "K[0,0]")


@pytest.mark.parametrize(("value", "expected"), [(1, 1.0), ("2.5", 2.5), (" -3 ", -3.0), (np.float32(0.5), 0.5),
                                                 (np.array([4]), 4.0), ([[7]], 7.0), (1e-320, 1e-320),
                                                 (-TYPED_LIMIT, -TYPED_LIMIT)])
def test_typed_number_reads_numbers_by_the_exercise_rule(value, expected):
    assert typed_number(value, "x") == expected


def test_the_practice_explorer_of_lesson_0_never_gives_a_traceback():
    from cnnmath.viz.widgets import practice_explorer
    drive_typed_values(practice_explorer())
