"""Lesson 2 (02_convolution.ipynb) explorers, driven headless by setting their controls' values.

Every expected number is computed here from cnnmath (conv2d, convolve2d, conv_output_size), never copied
from the explorer.
"""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import (KERNEL_NAMES, conv2d, conv_output_size, conv_step, convolve2d, get_kernel,  # noqa: E402
                     load_photo, seed_image, seed_kernel)
from cnnmath.viz.plots import conv_step_plot, figure_png, format_number  # noqa: E402
from cnnmath.viz.widgets import (FLIP_KERNELS, conv_step_explorer, flip_explorer,  # noqa: E402
                                 kernel_editor_explorer, output_size_explorer)
from cnnmath.viz.widgets import lesson02 as lesson02_widgets  # noqa: E402
from cnnmath.viz.widgets.common import Explorer  # noqa: E402
from tests.helpers import count_redraws as _count_redraws  # noqa: E402
from tests.helpers import (check_error_hides_picture, check_one_picture_per_change, current_picture,  # noqa: E402
                           watch_pictures)


@pytest.fixture(scope="module")
def small_photo():
    return load_photo()[::2, ::2]


def _terms(window, kernel):
    return " + ".join(f"({format_number(a)})({format_number(b)})" for a, b in zip(window.ravel(), kernel.ravel()))


def _controls_have_descriptions(explorer):
    for name, control in explorer.controls.items():
        assert control.description, f"control {name} has no visible description"


# --- conv_step_explorer ---------------------------------------------------------------------------

def test_step_explorer_starts_with_the_worked_value():
    ex = conv_step_explorer()
    assert isinstance(ex, Explorer)
    _controls_have_descriptions(ex)
    I, K = seed_image(), seed_kernel()
    assert ex.state["value"] == -6 and (ex.state["i"], ex.state["j"]) == (0, 0)
    expected = ("Step 1 of 9: output[0, 0] = (1)(1) + (2)(0) + (3)(-1) + (6)(1) + (7)(0) + (8)(-1) + (11)(1) "
                "+ (12)(0) + (13)(-1) = -6")
    assert expected in ex.summary.value
    assert _terms(I[:3, :3], K) in expected
    np.testing.assert_array_equal(ex.state["output"], conv2d(I, K))
    assert ex.last_error is None


@pytest.mark.parametrize("position", [1, 4, 5, 8, 0])
def test_step_explorer_position_moves_the_window(position):
    ex = conv_step_explorer()
    ex.controls["position"].value = position
    I, K = seed_image(), seed_kernel()
    i, j = divmod(position, 3)
    window = I[i:i + 3, j:j + 3]
    np.testing.assert_array_equal(ex.state["window"], window)
    np.testing.assert_array_equal(ex.state["products"], window * K)
    assert ex.state["filled"] == position + 1
    assert f"Step {position + 1} of 9: output[{i}, {j}] = {_terms(window, K)} = -6" in ex.summary.value
    assert f"Outputs filled in so far: {position + 1} of 3 x 3 = 9" in ex.summary.value


def test_step_explorer_play_drives_the_slider_and_redraws_once_per_step():
    ex = conv_step_explorer()
    calls = _count_redraws(ex)
    play = ex.controls["play"]
    assert isinstance(play, widgets.Play)
    assert (play.min, play.max) == (ex.controls["position"].min, ex.controls["position"].max) == (0, 8)
    for step in (1, 2, 3):
        play.value = step
        assert ex.controls["position"].value == step
        assert ex.state["position"] == step
    assert len(calls) == 3                       # the Play moves the slider; only the slider redraws
    ex.controls["position"].value = 7            # and the slider moves the Play, so playing resumes there
    assert play.value == 7


def test_step_explorer_on_another_image_with_stride_and_padding():
    rng = np.random.default_rng(3)
    image = rng.integers(-5, 6, size=(6, 7)).astype(float)
    kernel = rng.integers(-2, 3, size=(2, 3)).astype(float)
    ex = conv_step_explorer(image, kernel, stride=2, padding=1)
    out = conv2d(image, kernel, stride=2, padding=1)
    assert ex.controls["position"].max == out.size - 1
    padded = np.pad(image, 1)
    for position in range(out.size):
        ex.controls["position"].value = position
        i, j = divmod(position, out.shape[1])
        assert ex.state["value"] == out[i, j]
        window = padded[2 * i:2 * i + 2, 2 * j:2 * j + 3]
        assert f"output[{i}, {j}] = {_terms(window, kernel)} = {format_number(out[i, j])}" in ex.summary.value
        assert "of the padded image" in ex.summary.value


def test_step_explorer_rejects_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match="kernel"):
        conv_step_explorer(np.ones((2, 2)), np.ones((3, 3)))


def test_step_explorer_clamps_a_starting_position():
    assert conv_step_explorer(position=99).state["position"] == 8
    assert conv_step_explorer(position=-3).state["position"] == 0


# --- kernel_editor_explorer -----------------------------------------------------------------------

def test_kernel_editor_has_every_preset_and_nine_labelled_boxes():
    ex = kernel_editor_explorer()
    _controls_have_descriptions(ex)
    assert list(ex.controls["preset"].options) == list(KERNEL_NAMES) + ["custom"]
    boxes = [ex.controls[f"k{m}{n}"] for m in range(3) for n in range(3)]
    assert [b.description for b in boxes] == [f"K[{m},{n}]" for m in range(3) for n in range(3)]
    assert all(isinstance(b, widgets.FloatText) for b in boxes)


@pytest.mark.parametrize("name", KERNEL_NAMES)
def test_kernel_editor_presets_set_the_boxes_and_the_map(name, small_photo):
    ex = kernel_editor_explorer(preset="identity" if name != "identity" else "sobel x")
    calls = _count_redraws(ex)
    ex.controls["preset"].value = name
    assert len(calls) == 1                       # nine boxes change, one redraw
    kernel = get_kernel(name)
    np.testing.assert_allclose(ex.state["kernel"], kernel)
    feature = conv2d(small_photo, kernel)
    np.testing.assert_allclose(ex.state["feature"], feature)
    assert ex.state["min"] == pytest.approx(feature.min())
    assert ex.state["max"] == pytest.approx(feature.max())
    assert ex.state["mean"] == pytest.approx(feature.mean())
    assert (f"Feature map 298 x 254 ({name} kernel): min {feature.min():.4g}, max {feature.max():.4g}, "
            f"mean {feature.mean():.4g}") in ex.summary.value
    words = "sum to 0" if abs(kernel.sum()) < 1e-9 else "sum to 1"
    assert words in ex.summary.value


def test_kernel_editor_typing_a_weight_turns_the_menu_to_custom_and_back(small_photo):
    ex = kernel_editor_explorer(preset="vertical edge")
    calls = _count_redraws(ex)
    ex.controls["k10"].value = 2.0
    ex.controls["k12"].value = -2.0              # now it is Sobel x
    assert ex.controls["preset"].value == "sobel x"
    ex.controls["k11"].value = 1.0
    assert ex.controls["preset"].value == "custom"
    expected = get_kernel("sobel x")
    expected[1, 1] = 1.0
    np.testing.assert_allclose(ex.state["kernel"], expected)
    np.testing.assert_allclose(ex.state["feature"], conv2d(small_photo, expected))
    assert "custom kernel" in ex.summary.value and "sum to 1" in ex.summary.value
    assert len(calls) == 3                       # one redraw per edited box
    ex.controls["preset"].value = "custom"       # choosing "custom" by hand keeps the numbers
    np.testing.assert_allclose(ex.state["kernel"], expected)


def test_kernel_editor_shows_a_bad_weight_in_words():
    ex = kernel_editor_explorer()
    ex.controls["k00"].value = float("nan")
    assert isinstance(ex.last_error, ValueError)
    assert "does not work" in ex.summary.value and "NaN" in ex.summary.value
    ex.controls["k00"].value = 1.0               # and recovers
    assert ex.last_error is None and "Feature map" in ex.summary.value


def test_kernel_editor_on_a_given_image_and_a_bad_preset():
    image = np.arange(36, dtype=float).reshape(6, 6)
    ex = kernel_editor_explorer(image, preset="box blur", downsample=1)
    np.testing.assert_allclose(ex.state["feature"], conv2d(image, get_kernel("box blur")))
    with pytest.raises(ValueError):
        kernel_editor_explorer(image, preset="no such kernel")
    with pytest.raises(ValueError):
        kernel_editor_explorer(image, downsample=0)


# --- output_size_explorer -------------------------------------------------------------------------

def _set(ex, **values):
    for name, value in values.items():
        ex.controls[name].value = value


@pytest.mark.parametrize(("h", "k", "s", "p"), [(5, 3, 1, 0), (5, 3, 1, 1), (7, 3, 2, 0), (6, 3, 2, 0),
                                                (7, 3, 2, 1), (12, 5, 3, 2), (5, 5, 1, 0), (1, 1, 4, 0),
                                                (9, 2, 4, 3)])
def test_output_size_explorer_fills_in_the_formula(h, k, s, p):
    ex = output_size_explorer()
    _controls_have_descriptions(ex)
    _set(ex, size=h, kernel=k, stride=s, padding=p)
    h_out = conv_output_size(h, k, s, p)
    assert conv2d(np.zeros((h, h)), np.zeros((k, k)), stride=s, padding=p).shape == (h_out, h_out)
    assert ex.state["h_out"] == h_out and ex.state["fits"]
    span = h + 2 * p - k
    assert f"H_out = ({h} + 2*{p} - {k}) // {s} + 1 = {span // s} + 1 = {h_out}" in ex.summary.value
    assert ex.state["whole"] == (span % s == 0)
    assert ex.state["skipped"] == h + 2 * p - ((h_out - 1) * s + k)
    assert ("is not whole" in ex.summary.value) == (span % s != 0)
    assert ex.last_error is None


def test_output_size_explorer_counts_skipped_pixels_and_padding():
    ex = output_size_explorer()
    _set(ex, size=6, kernel=3, stride=2, padding=0)
    assert ex.state["skipped"] == 1
    assert "the last 1 row and 1 column of the padded input (1 of real pixels)" in ex.summary.value
    _set(ex, size=8, kernel=2, stride=4, padding=1)      # span 8, 4 jumps of 4: whole
    assert ex.state["whole"] and ex.state["skipped"] == 0
    _set(ex, size=9, kernel=2, stride=4, padding=1)      # span 9: the last row is padding
    assert ex.state["skipped"] == 1 and "(1 of padding zeros)" in ex.summary.value
    _set(ex, size=12, kernel=3, stride=4, padding=2)     # span 13: 1 row, padding
    assert ex.state["skipped"] == 1


def test_output_size_explorer_explains_a_kernel_that_does_not_fit():
    ex = output_size_explorer()
    _set(ex, size=3, kernel=7, stride=1, padding=1)
    assert ex.state["fits"] is False and ex.state["h_out"] is None
    assert ex.last_error is None                          # explained, not raised
    assert "H_out = (3 + 2*1 - 7) // 1 + 1: no output." in ex.summary.value
    assert "H + 2P = 5" in ex.summary.value
    with pytest.raises(ValueError):                      # what conv2d does with the same numbers
        conv2d(np.zeros((3, 3)), np.zeros((7, 7)), padding=1)
    _set(ex, padding=2)                                   # 3 + 4 = 7: fits exactly once
    assert ex.state["h_out"] == 1 == conv_output_size(3, 7, 1, 2)


def test_output_size_explorer_names_same_padding():
    ex = output_size_explorer()
    _set(ex, size=8, kernel=5, stride=1, padding=2)
    assert ex.state["h_out"] == 8 and "'same' padding" in ex.summary.value
    _set(ex, padding=1)
    assert "'same' padding" not in ex.summary.value


@pytest.mark.parametrize("p", [0, 1, 2, 3])
def test_output_size_explorer_says_an_even_kernel_cannot_keep_the_size(p):
    ex = output_size_explorer()
    _set(ex, size=8, kernel=4, stride=1, padding=p)
    assert ex.state["h_out"] == conv_output_size(8, 4, 1, p) != 8     # 5, 7, 9, 11: never 8
    assert "is not whole for an even kernel size k = 4" in ex.summary.value
    assert "P = (k - 1) / 2 = 1.5" in ex.summary.value
    _set(ex, kernel=3, padding=1)                                      # odd: P = 1 keeps the size
    assert ex.state["h_out"] == 8 and "even kernel" not in ex.summary.value


# --- flip_explorer --------------------------------------------------------------------------------

def test_flip_explorer_starts_different_and_flipping_makes_them_equal():
    ex = flip_explorer()
    _controls_have_descriptions(ex)
    assert isinstance(ex.controls["flip"], widgets.ToggleButton)
    I, K = seed_image(), seed_kernel()
    assert ex.state["equal"] is False
    assert (f"conv2d(I, K)[0, 0] = {format_number(conv2d(I, K)[0, 0])} but convolve2d(I, K)[0, 0] = "
            f"{format_number(convolve2d(I, K)[0, 0])}: they differ") in ex.summary.value
    ex.controls["flip"].value = True
    assert ex.state["equal"] is True
    np.testing.assert_array_equal(ex.state["correlation"], convolve2d(I, K))
    assert (f"conv2d(I, flip(K)) equals convolve2d(I, K) at every position: output[0, 0] = "
            f"{format_number(convolve2d(I, K)[0, 0])} in both") in ex.summary.value


@pytest.mark.parametrize("name", list(FLIP_KERNELS))
@pytest.mark.parametrize("flip", [False, True])
def test_flip_explorer_every_kernel(name, flip):
    ex = flip_explorer()
    ex.controls["kernel"].value = name
    ex.controls["flip"].value = flip
    I, K = seed_image(), np.array(FLIP_KERNELS[name], dtype=float)
    used = K[::-1, ::-1] if flip else K
    np.testing.assert_allclose(ex.state["correlation"], conv2d(I, used))
    np.testing.assert_allclose(ex.state["convolution"], convolve2d(I, K))
    symmetric = np.array_equal(K, K[::-1, ::-1])
    assert ex.state["symmetric"] == symmetric
    assert ex.state["equal"] == (flip or symmetric)
    if symmetric and not flip:
        assert "unchanged by a 180-degree turn" in ex.summary.value


def test_flip_explorer_shift_kernel_picks_neighbouring_pixels():
    ex = flip_explorer(kernel="shift (a 1 left of centre)")
    I = seed_image()
    np.testing.assert_array_equal(ex.state["correlation"], I[1:4, 0:3])   # the pixel left of each centre
    np.testing.assert_array_equal(ex.state["convolution"], I[1:4, 2:5])   # the pixel right of it


def test_flip_explorer_rejects_an_unknown_kernel():
    with pytest.raises(ValueError, match="kernel"):
        flip_explorer(kernel="nope")


# --- every explorer -------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [conv_step_explorer, kernel_editor_explorer, output_size_explorer, flip_explorer])
def test_explorers_close_their_figures_and_time_themselves(make):
    before = plt.get_fignums()
    ex = make()
    ex.refresh()
    assert plt.get_fignums() == before
    assert 0 < ex.last_seconds < 30


def test_module_lists_its_public_names():
    assert set(lesson02_widgets.__all__) == {"conv_step_explorer", "kernel_editor_explorer",
                                             "output_size_explorer", "flip_explorer", "FLIP_KERNELS"}


# --- typed values (issue 14): a message in the summary, never a traceback --------------------------

def test_kernel_editor_refuses_huge_and_non_numbers_in_words(small_photo):
    from tests.test_checks_typed_inputs import drive_typed_values
    ex = kernel_editor_explorer(small_photo[:24, :24], downsample=1)
    for value in (-1e308, 1e308, "1e400", float("nan"), float("inf")):
        ex.controls["k00"].value = value if not isinstance(value, str) else float(value)
        ex.refresh()
        assert isinstance(ex.last_error, ValueError), value
        assert "K[0,0]" in ex.summary.value and "needs" in ex.summary.value, ex.summary.value
    ex.controls["k00"].value = 1e-320  # tiny: a number like any other
    ex.refresh()
    assert ex.last_error is None
    assert drive_typed_values(ex, names=("k00", "k12")) > 0  # the nine boxes share one reader


@pytest.mark.parametrize("make", [lambda: conv_step_explorer(), lambda: output_size_explorer(),
                                  lambda: flip_explorer()])
def test_typed_values_never_give_a_traceback(make):
    from tests.test_checks_typed_inputs import drive_typed_values
    drive_typed_values(make())


# --- one figure, updated in place; one picture per change; errors hide it -------------------------

_CHANGES = {  # explorer -> control changes a student makes (each must send exactly one picture)
    "conv_step": (conv_step_explorer, [("position", 3), ("position", 8), ("play", 2), ("position", 0)]),
    "kernel_editor": (lambda: kernel_editor_explorer(np.arange(400.0).reshape(20, 20) % 17, downsample=1),
                      [("preset", "sobel x"), ("k11", 4.0), ("preset", "box blur"), ("k00", -1.0)]),
    "output_size": (output_size_explorer, [("size", 9), ("kernel", 7), ("stride", 2), ("padding", 3),
                                           ("size", 1)]),
    "flip": (flip_explorer, [("flip", True), ("kernel", "sobel x"), ("flip", False),
                             ("kernel", "sharpen (the same after a 180-degree turn)")]),
}


@pytest.mark.parametrize("name", list(_CHANGES))
def test_each_change_sends_one_picture_of_the_one_figure(name):
    make, changes = _CHANGES[name]
    ex = make()
    check_one_picture_per_change(ex, changes)


def test_step_explorer_picture_is_the_plot_of_its_step():
    ex = conv_step_explorer()
    ex.controls["position"].value = 5
    fresh = conv_step_plot(step=conv_step(seed_image(), seed_kernel(), 5), figsize=(11, 3.0))
    assert current_picture(ex)[0] == figure_png(fresh)
    plt.close(fresh)


def test_step_explorer_calls_conv_step_once_per_redraw_and_the_plot_never(monkeypatch):
    import cnnmath.viz.plots.lesson02 as plots
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[2])
        return conv_step(*args, **kwargs)
    monkeypatch.setattr(lesson02_widgets, "conv_step", counted)

    def forbidden(*args, **kwargs):
        raise AssertionError("the plot recomputed the step")
    for fn in ("conv_step", "conv2d", "convolve2d", "conv_output_size"):
        monkeypatch.setattr(plots, fn, forbidden)
    ex = conv_step_explorer()
    assert len(calls) == 2                            # one to build the figure, one for the first picture
    for position in (1, 4, 8):
        ex.controls["position"].value = position
        assert ex.last_error is None
    assert calls[2:] == [1, 4, 8]                     # one call per redraw
    step = ex.state["step"]
    assert step.position == 8 and ex.state["value"] == step.value
    assert f"= {format_number(step.value)}</b>" in ex.summary.value   # the summary reads the same result


@pytest.mark.parametrize(("make", "control", "value", "counted"), [
    (lambda: kernel_editor_explorer(np.arange(100.0).reshape(10, 10), downsample=1), "preset", "sharpen",
     {"conv2d": 1}),
    (flip_explorer, "flip", True, {"conv2d": 1, "convolve2d": 1}),
    (output_size_explorer, "size", 8, {"conv_output_size": 1}),
])
def test_explorers_compute_once_per_redraw_and_their_plots_never(monkeypatch, make, control, value, counted):
    import cnnmath.viz.plots.lesson02 as plots
    ex = make()
    calls = {name: 0 for name in counted}

    def counting(name, fn):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper
    for name in counted:
        monkeypatch.setattr(lesson02_widgets, name, counting(name, getattr(lesson02_widgets, name)))

    def forbidden(*args, **kwargs):
        raise AssertionError("the plot recomputed what the explorer gave it")
    for fn in ("conv_step", "conv2d", "convolve2d", "conv_output_size"):
        monkeypatch.setattr(plots, fn, forbidden)
    ex.controls[control].value = value
    assert ex.last_error is None
    assert calls == counted


@pytest.mark.parametrize(("name", "math", "control", "bad", "good"), [
    ("conv_step", "conv_step", "position", 4, 5),
    ("flip", "conv2d", "flip", True, False),
    ("output_size", "conv_output_size", "size", 8, 9),
])
def test_an_error_hides_the_picture_and_a_good_setting_shows_it_again(monkeypatch, name, math, control, bad, good):
    check_error_hides_picture(_CHANGES[name][0](), monkeypatch, lesson02_widgets, math, control, bad, good)


def test_kernel_editor_hides_the_picture_for_a_bad_weight_and_shows_it_again():
    ex = kernel_editor_explorer(np.arange(100.0).reshape(10, 10), downsample=1)
    seen = watch_pictures(ex)
    ex.controls["k00"].value = float("nan")
    assert current_picture(ex) is None and seen == []
    assert "does not work" in ex.summary.value and "K[0,0]" in ex.summary.value
    ex.controls["k00"].value = 2.0
    assert current_picture(ex) is not None and len(seen) == 1
