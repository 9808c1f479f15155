"""The course's data: the lesson's small examples, a real photograph, real handwritten digits.

Nothing is downloaded: the photo ships inside matplotlib and the digits inside scikit-learn, so the course
works with no internet.
"""

from __future__ import annotations

import functools
import io
import numbers

import numpy as np

from ._validate import as_array, check_int, check_seed
from .activations import relu
from .conv import conv2d
from .kernels import KERNEL_NAMES, get_kernel
from .pooling import avg_pool2d

__all__ = [
    "seed_image", "seed_kernel", "seed_pool_input", "pool_example_inputs",
    "load_photo", "load_photo_rgb", "rgb_to_gray", "GRAY_WEIGHTS", "small_photo",
    "image_from_bytes", "UPLOAD_MAX_SIDE", "photo_feature_map", "shift_test_strip", "sample_photo",
    "nearest_levels",
    "load_digits",
]

#: Uploaded images are shrunk so their longer side is at most this many pixels (quick to convolve and draw).
UPLOAD_MAX_SIDE = 256

#: ITU-R BT.601 luma weights for R, G, B: green counts most because the eye is most sensitive to it.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def seed_image() -> np.ndarray:
    """The 5x5 worked-example image with values 1..25 in reading order (lesson 2). Shape (5, 5), float64."""
    return np.arange(1, 26, dtype=np.float64).reshape(5, 5)


def seed_kernel() -> np.ndarray:
    """The worked-example 3x3 kernel with every row ``[1, 0, -1]`` (lesson 2). Shape (3, 3), float64."""
    return np.array([[1, 0, -1]] * 3, dtype=np.float64)


def seed_pool_input() -> np.ndarray:
    """A 4x4 feature map for the max-pooling example (lesson 4). Shape (4, 4), float64.

    Each 2x2 quadrant has a different maximum in a different corner, so every output can be traced to
    its window by eye.
    """
    return np.array([[1, 3, 2, 1],
                     [4, 6, 5, 0],
                     [3, 1, 1, 2],
                     [0, 2, 4, 3]], dtype=np.float64)


# A pre-activation with negative entries: after ReLU it has the zeros (and one pair of equal values)
# that make ties in max pooling.
_TIE_PREACTIVATION = ((-2, 3, -1, -4),
                      (1, -5, -2, -3),
                      (2, 2, -1, 4),
                      (-3, 0, 1, -2))
_RELU_6X6_PREACTIVATION = ((-1, 4, 2, -3, 0, 5),
                           (3, -2, -4, 1, 6, -1),
                           (-5, 7, 1, -2, -3, 2),
                           (2, -1, -3, -6, 4, 3),
                           (0, 5, -2, 8, -1, -4),
                           (-3, 1, 3, -2, 2, 0))


def pool_example_inputs():
    """The feature maps the lesson-4 explorers offer, by name (lesson 4).

    Returns
    -------
    dict of str -> ndarray, float64, fresh arrays
        "4x4 example" (:func:`seed_pool_input`, shape (4, 4)), "4x4 after ReLU (ties)" (``relu`` of a map
        with negatives, shape (4, 4): one all-zero window and one window with two equal maxima),
        "6x6 after ReLU" (shape (6, 6)).
    """
    return {
        "4x4 example": seed_pool_input(),
        "4x4 after ReLU (ties)": relu(np.array(_TIE_PREACTIVATION, dtype=np.float64)),
        "6x6 after ReLU": relu(np.array(_RELU_6X6_PREACTIVATION, dtype=np.float64)),
    }


def load_photo_rgb() -> np.ndarray:
    """Matplotlib's bundled photograph of Grace Hopper, shape (600, 512, 3), dtype uint8 (lesson 1)."""
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        return np.array(Image.open(fh).convert("RGB"))


def rgb_to_gray(rgb, weights=GRAY_WEIGHTS) -> np.ndarray:
    """Grayscale as a weighted sum of channels, ``0.299 R + 0.587 G + 0.114 B`` by default (lesson 1).

    Parameters
    ----------
    rgb : array_like, shape (H, W, 3)
    weights : sequence of 3 floats

    Returns
    -------
    ndarray, shape (H, W), float64, same scale as the input (0..255 for uint8 photos)
    """
    rgb = as_array(rgb, "rgb", 3, "(H, W, 3)")
    if rgb.shape[2] != 3:
        raise ValueError(f"rgb has shape {rgb.shape} but needs (H, W, 3): three colour channels last")
    w = as_array(weights, "weights", 1, "(3,)")
    if w.shape != (3,):
        raise ValueError(f"weights has shape {w.shape} but needs (3,), one weight per channel")
    return rgb.astype(np.float64) @ w.astype(np.float64)


def load_photo(gray: bool = True, normalize: bool = False) -> np.ndarray:
    """The sample photo as the lessons use it (lessons 1, 2, 5).

    Parameters
    ----------
    gray : bool
        True: a grayscale matrix of shape (600, 512) with integer values 0..255 (rounded weighted sum).
        False: the colour photo, shape (600, 512, 3).
    normalize : bool
        Divide by 255 so values lie in [0, 1].

    Returns
    -------
    ndarray, float64
    """
    rgb = load_photo_rgb()
    img = np.round(rgb_to_gray(rgb)) if gray else rgb.astype(np.float64)
    return img / 255.0 if normalize else img


@functools.lru_cache(maxsize=4)
def _small_photo(factor):
    img = avg_pool2d(load_photo(normalize=True), size=factor, stride=factor)
    img.setflags(write=False)  # cached and shared: nobody may change it
    return img


def small_photo(factor: int = 5) -> np.ndarray:
    """The grayscale photo in [0, 1], shrunk by averaging ``factor x factor`` blocks (lesson 5).

    ``avg_pool2d(load_photo(normalize=True), size=factor, stride=factor)``: 120x102 for the default,
    small enough for a filter-bank explorer to redraw at once.

    Parameters
    ----------
    factor : int, >= 1

    Returns
    -------
    ndarray, shape (600 // factor, 512 // factor), float64, a fresh copy
    """
    return np.array(_small_photo(check_int(factor, "factor")))


@functools.lru_cache(maxsize=len(KERNEL_NAMES))
def _photo_feature_map(kernel):
    fmap = conv2d(load_photo(), get_kernel(kernel))
    fmap.setflags(write=False)  # cached and shared: nobody may change it
    return fmap


def photo_feature_map(kernel: str = "vertical edge") -> np.ndarray:
    """The photo filtered by a named kernel: ``conv2d(load_photo(), get_kernel(kernel))`` (lesson 3).

    What ReLU acts on in lesson 3's bias explorer; computed once per kernel, then remembered.

    Parameters
    ----------
    kernel : str
        One of :data:`cnnmath.KERNEL_NAMES` (3x3 kernels).

    Returns
    -------
    ndarray, shape (598, 510), float64, read-only
        ``(600 - 3 + 1, 512 - 3 + 1)``. Read-only because it is shared between calls: copy it
        (``np.array(...)``) to change it.
    """
    if not isinstance(kernel, str) or kernel not in KERNEL_NAMES:
        raise ValueError(f"kernel is {kernel!r} but needs one of {list(KERNEL_NAMES)}")
    return _photo_feature_map(kernel)


def shift_test_strip(image=None, *, top=150, left=150, side=112, max_shift=4) -> np.ndarray:
    """The edge map of a photo crop, wide enough to be shifted right by up to ``max_shift`` pixels (lesson 4).

    ``relu(conv2d(crop, get_kernel("vertical edge")))`` of ``crop = image[top : top + side + 2,
    left : left + side + 2 + max_shift]``. Columns ``s .. s + side - 1`` of the result are the
    ``side x side`` feature map of the crop moved ``s`` pixels right (convolution commutes with shifts), so
    ``strip[:, :side]`` and ``strip[:, s:s + side]`` are the shift test's "before" and "after".

    Parameters
    ----------
    image : array_like, shape (H, W), optional
        Default: the course photo in [0, 1], ``load_photo(normalize=True)`` (600 x 512).
    top, left : int, >= 0
        The crop's top-left corner in ``image``.
    side : int, >= 1
        The side of the feature map.
    max_shift : int, >= 0

    Returns
    -------
    ndarray, shape (side, side + max_shift), float64, entries >= 0

    Raises
    ------
    ValueError
        A crop that does not fit in ``image`` (it needs ``top + side + 2`` rows and
        ``left + side + 2 + max_shift`` columns), a negative corner or shift, or a side below 1.
    TypeError
        A corner, side or shift that is not a whole number.
    """
    image = load_photo(normalize=True) if image is None else as_array(image, "image", 2, "(H, W)")
    top, left = check_int(top, "top", 0), check_int(left, "left", 0)
    side, max_shift = check_int(side, "side"), check_int(max_shift, "max_shift", 0)
    rows, cols = top + side + 2, left + side + 2 + max_shift
    if rows > image.shape[0] or cols > image.shape[1]:
        raise ValueError(f"image has shape {image.shape} but the crop needs at least ({rows}, {cols}): "
                         f"rows top + side + 2 and columns left + side + 2 + max_shift")
    crop = image[top:rows, left:cols]
    return relu(conv2d(crop, get_kernel("vertical edge")))


@functools.lru_cache(maxsize=4)
def _sample_photo(max_side):
    photo = load_photo()
    step = -(-max(photo.shape) // max_side)
    gray = photo[::step, ::step]
    gray.setflags(write=False)  # cached and shared
    return gray, photo.shape


def sample_photo(max_side=UPLOAD_MAX_SIDE):
    """The course's photo as the upload explorer shows it before an upload (lesson 7).

    Every ``step``-th pixel of :func:`load_photo`, with the smallest ``step`` that brings the longer side
    to at most ``max_side`` (``load_photo()[::3, ::3]``, 200 x 171, for the default 256).

    Parameters
    ----------
    max_side : int
        At least 1.

    Returns
    -------
    gray : ndarray, shape (ceil(H / step), ceil(W / step)), values 0..255, read-only (cached and shared)
    shape : (int, int)
        The photo's own shape (H, W) before subsampling.
    """
    if isinstance(max_side, bool) or not isinstance(max_side, (int, np.integer)) or max_side < 1:
        raise ValueError(f"max_side is {max_side!r} but needs a whole number >= 1")
    return _sample_photo(int(max_side))


def nearest_levels(image, levels):
    """Each value of ``image`` replaced by the nearest of ``levels`` (the first of two equally near).

    The drawing pad of lesson 7 copies a test digit this way onto its few intensities.

    Parameters
    ----------
    image : array_like, shape (...)
    levels : sequence of float, length >= 1

    Returns
    -------
    ndarray of float, the shape of ``image``
    """
    image = np.asarray(image, dtype=float)
    lv = np.asarray(levels, dtype=float)
    if lv.ndim != 1 or lv.size == 0 or not np.isfinite(lv).all():
        raise ValueError(f"levels has shape {lv.shape} but needs a non-empty 1-D sequence of finite numbers")
    return lv[np.abs(image[..., None] - lv).argmin(axis=-1)]


def image_from_bytes(content, name="the file", max_side=UPLOAD_MAX_SIDE):
    """Decode an uploaded PNG/JPEG to a grayscale matrix 0..255 (lessons 1 and 7).

    Transparent parts are laid on white; the image is shrunk so its longer side is at most ``max_side``;
    grayscale is lesson 1's weighted sum :func:`rgb_to_gray`.

    Parameters
    ----------
    content : bytes or memoryview
        The file's bytes.
    name : str
        Used in messages.
    max_side : int, >= 1

    Returns
    -------
    gray : ndarray, shape (H, W), float64 in 0..255, ``max(H, W) <= max_side``
    original_shape : (H, W) of the file's image, before shrinking

    Raises
    ------
    ValueError
        If the content is not an image Pillow can read, is damaged, or is too large.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    max_side = check_int(max_side, "max_side")
    data = bytes(content)
    if not data:
        raise ValueError(f"{name} is empty (0 bytes); upload a PNG or JPEG image")
    try:
        img = Image.open(io.BytesIO(data))
        img.draft("RGB", (max_side, max_side))  # JPEG: decode at reduced size, much faster for big photos
        img = ImageOps.exif_transpose(img)  # phone photos store their rotation separately
        original = (img.size[1], img.size[0])  # Pillow says (W, H); the course says H x W
        img.thumbnail((max_side, max_side))
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            img = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img.alpha_composite(rgba)
        rgb = np.asarray(img.convert("RGB"))
    except UnidentifiedImageError:
        raise ValueError(f"{name} is not an image that can be read; upload a PNG or JPEG file") from None
    except Image.DecompressionBombError:
        raise ValueError(f"{name} has too many pixels to open safely; upload a smaller PNG or JPEG") from None
    except (OSError, SyntaxError) as err:  # truncated or corrupt files
        raise ValueError(f"{name} looks like an image but is damaged ({err}); try another file") from None
    return rgb_to_gray(rgb), original


def load_digits(seed=0, test_size=0.2, validation=None):
    """Real 8x8 handwritten digits from scikit-learn (no download), split for training (lessons 7 and 8).

    Parameters
    ----------
    seed : int
        Seed of the stratified shuffle splits.
    test_size : float in (0, 1)
        Fraction of all the digits held out for testing.
    validation : float in (0, 1) or None
        Fraction of all the digits held out for validation, taken from what is left after the test split
        (the test set is the same as without it). None: no validation split.

    Returns
    -------
    X_train, y_train, X_test, y_test
        Without ``validation``: X as (N, 1, 8, 8) float64 in [0, 1], y int64 labels 0..9.
    X_train, y_train, X_val, y_val, X_test, y_test
        With ``validation``: tune settings on (X_val, y_val) and read the test set once, at the end.
    """
    from sklearn.datasets import load_digits as _sk_load_digits
    from sklearn.model_selection import train_test_split

    seed = check_seed(seed)
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size is {test_size!r} but needs a fraction between 0 and 1, such as 0.2")
    if validation is not None and (isinstance(validation, bool) or not isinstance(validation, numbers.Real)
                                   or not 0 < validation < 1 - test_size):
        raise ValueError(f"validation is {validation!r} but needs a fraction between 0 and 1 - test_size = "
                         f"{1 - test_size:g}, such as 0.15, or None")
    digits = _sk_load_digits()
    X = (digits.images / 16.0).astype(np.float64)[:, None, :, :]  # pixel values are 0..16
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y)
    if validation is None:
        return X_train, y_train, X_test, y_test
    X_train, X_val, y_train, y_val = train_test_split(
        X_train, y_train, test_size=validation / (1 - test_size), random_state=seed, stratify=y_train)
    return X_train, y_train, X_val, y_val, X_test, y_test
