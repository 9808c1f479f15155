"""The course's data (cnnmath/data.py): the lesson-4 example maps, the shrunk photo, uploaded images, and
an import of cnnmath that loads no plotting, widget or image library.

load_digits is tested in test_network.py, beside the network it feeds.
"""

import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from cnnmath import (UPLOAD_MAX_SIDE, avg_pool2d, image_from_bytes, load_photo, pool_example_inputs, relu,
                     rgb_to_gray, seed_pool_input, small_photo)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def image_bytes(array, fmt="PNG", mode=None):
    buf = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buf, fmt)
    return buf.getvalue()


def test_import_cnnmath_loads_no_matplotlib_ipywidgets_or_pillow():
    probe = ("import sys, json, cnnmath; "
             "print(json.dumps(sorted(m for m in ('matplotlib', 'ipywidgets', 'PIL', 'IPython') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_pool_example_inputs_are_the_lessons_maps_and_fresh_each_time():
    maps = pool_example_inputs()
    assert list(maps) == ["4x4 example", "4x4 after ReLU (ties)", "6x6 after ReLU"]
    np.testing.assert_array_equal(maps["4x4 example"], seed_pool_input())
    tie = maps["4x4 after ReLU (ties)"]
    assert tie.shape == (4, 4) and tie.dtype == np.float64 and (tie >= 0).all()
    np.testing.assert_array_equal(tie, relu(tie))
    assert tie[0:2, 2:4].tolist() == [[0, 0], [0, 0]]          # one window of four tied zeros
    assert tie[2:4, 0:2].max() == tie[2, 0] == tie[2, 1] == 2  # one window with two equal maxima
    assert maps["6x6 after ReLU"].shape == (6, 6) and (maps["6x6 after ReLU"] >= 0).all()
    tie[:] = -1  # the student's copy: the next call is unchanged
    assert (pool_example_inputs()["4x4 after ReLU (ties)"] >= 0).all()


def test_small_photo_is_the_averaged_photo_and_a_fresh_copy():
    photo = avg_pool2d(load_photo(normalize=True), size=5, stride=5)
    img = small_photo()
    assert img.shape == (120, 102)
    np.testing.assert_array_equal(img, photo)
    img[:] = 0  # the student's copy; the cache must not change
    np.testing.assert_array_equal(small_photo(), photo)
    assert small_photo(8).shape == (75, 64) and small_photo(4).shape == (150, 128)
    with pytest.raises(ValueError, match="factor"):
        small_photo(0)
    with pytest.raises(TypeError, match="factor"):
        small_photo(2.5)


def test_image_from_bytes_is_lesson_ones_gray_and_shrinks_large_images():
    rgb = np.random.default_rng(0).integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    gray, shape = image_from_bytes(image_bytes(rgb), "noise.png")
    assert shape == (20, 30)
    np.testing.assert_allclose(gray, rgb_to_gray(rgb))
    big = np.full((600, 300, 3), 200, dtype=np.uint8)
    gray, shape = image_from_bytes(memoryview(image_bytes(big, "JPEG")))
    assert shape == (600, 300) and gray.shape == (UPLOAD_MAX_SIDE, UPLOAD_MAX_SIDE // 2) == (256, 128)
    gray, _ = image_from_bytes(image_bytes(big), max_side=60)
    assert gray.shape == (60, 30)


def test_transparent_png_lies_on_white():
    clear = np.zeros((10, 10, 4), dtype=np.uint8)  # fully transparent
    gray, shape = image_from_bytes(image_bytes(clear, "PNG", "RGBA"), "clear.png")
    assert shape == (10, 10)
    np.testing.assert_allclose(gray, 255.0)


@pytest.mark.parametrize(("content", "expected"), [
    (b"these are my notes, not a picture\n", "notes.txt is not an image that can be read"),
    (b"", "notes.txt is empty (0 bytes)"),
    (None, "notes.txt looks like an image but is damaged"),
], ids=["text", "empty", "truncated"])
def test_image_from_bytes_explains_what_is_wrong(content, expected):
    if content is None:
        content = image_bytes(np.zeros((64, 64, 3), dtype=np.uint8) + 7)[:60]
    with pytest.raises(ValueError, match=re.escape(expected)):
        image_from_bytes(content, "notes.txt")


def test_image_from_bytes_bad_max_side():
    with pytest.raises(ValueError, match="max_side"):
        image_from_bytes(image_bytes(np.zeros((4, 4, 3), dtype=np.uint8)), max_side=0)


# --- the feature maps lessons 3 and 4's explorers start from ------------------------------------------

from cnnmath import KERNEL_NAMES, conv2d, get_kernel  # noqa: E402
from cnnmath.data import photo_feature_map, shift_test_strip  # noqa: E402


@pytest.mark.parametrize("name", ["vertical edge", "sobel x"])
def test_photo_feature_map_is_the_photo_convolved_and_shared_read_only(name):
    fmap = photo_feature_map(name)
    np.testing.assert_array_equal(fmap, conv2d(load_photo(), get_kernel(name)))
    assert fmap.shape == (598, 510)
    assert photo_feature_map(name) is fmap  # computed once
    with pytest.raises(ValueError):
        fmap[0, 0] = 1.0


@pytest.mark.parametrize("bad", ["blur everything", None, 3])
def test_photo_feature_map_names_the_kernels_it_knows(bad):
    with pytest.raises(ValueError, match="kernel is .* but needs one of") as err:
        photo_feature_map(bad)
    assert KERNEL_NAMES[0] in str(err.value)


def test_shift_test_strip_holds_every_shifted_map():
    photo = load_photo(normalize=True)
    top, left, side, max_shift = 150, 150, 20, 3
    strip = shift_test_strip(top=top, left=left, side=side, max_shift=max_shift)
    assert strip.shape == (side, side + max_shift) and (strip >= 0).all()
    for s in range(max_shift + 1):  # columns s .. s + side - 1: the map of the crop moved s pixels right
        crop = photo[top:top + side + 2, left + s:left + s + side + 2]
        np.testing.assert_allclose(strip[:, s:s + side], relu(conv2d(crop, get_kernel("vertical edge"))))


def test_shift_test_strip_on_an_image_of_your_own_leaves_it_alone():
    img = np.arange(100.0).reshape(10, 10) % 7
    copy = img.copy()
    strip = shift_test_strip(img, top=1, left=0, side=4, max_shift=2)
    np.testing.assert_array_equal(strip, relu(conv2d(img[1:7, 0:8], get_kernel("vertical edge"))))
    np.testing.assert_array_equal(img, copy)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"top": 590}, ValueError, r"image has shape \(600, 512\) but the crop needs at least \(704, 268\)"),
    ({"left": 400, "max_shift": 10}, ValueError, "crop needs at least"),
    ({"top": -1}, ValueError, "top is -1"),
    ({"side": 0}, ValueError, "side is 0"),
    ({"max_shift": 1.5}, TypeError, "max_shift is 1.5"),
])
def test_shift_test_strip_refuses_a_crop_that_does_not_fit(kwargs, error, match):
    with pytest.raises(error, match=match):
        shift_test_strip(**kwargs)


def test_shift_test_strip_refuses_a_colour_image():
    with pytest.raises(ValueError, match="image"):
        shift_test_strip(np.zeros((200, 200, 3)))


# --- the upload explorer's sample photo and the drawing pad's levels ---------------------------------

from cnnmath.data import nearest_levels, sample_photo  # noqa: E402


def test_sample_photo_is_the_photo_every_third_pixel_by_default():
    gray, shape = sample_photo()
    photo = load_photo()
    assert shape == photo.shape
    np.testing.assert_array_equal(gray, photo[::3, ::3])
    assert max(gray.shape) <= 256 and not gray.flags.writeable
    small, _ = sample_photo(100)
    step = -(-max(photo.shape) // 100)
    np.testing.assert_array_equal(small, photo[::step, ::step])
    assert max(small.shape) <= 100


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "256"])
def test_sample_photo_refuses_a_side_that_is_not_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="max_side"):
        sample_photo(bad)


def test_nearest_levels_rounds_each_value_to_the_nearest_level():
    x = np.array([[0.0, 0.2, 0.25, 0.3], [0.74, 0.75, 0.9, 1.7]])
    np.testing.assert_array_equal(nearest_levels(x, (0.0, 0.5, 1.0)),
                                  [[0.0, 0.0, 0.0, 0.5], [0.5, 0.5, 1.0, 1.0]])  # 0.25, 0.75: the first
    copy = x.copy()
    nearest_levels(x, [1.0])
    np.testing.assert_array_equal(x, copy)
    with pytest.raises(ValueError, match="levels has shape"):
        nearest_levels(x, [])
