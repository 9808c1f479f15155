"""cnnmath: the mathematics of convolutional neural networks, in numpy, for the hands-on course.

Lesson level (one 2-D array, exactly the lessons' formulas): :func:`conv2d`, :func:`convolve2d`,
:func:`relu`, :func:`relu_derivative`, :func:`max_pool2d`, :func:`avg_pool2d`, :func:`softmax`.

Layer level (batched; forward returns ``(out, cache)``, backward takes ``(dout, cache)``):
:func:`conv2d_forward`/:func:`conv2d_backward`, :func:`relu_forward`/:func:`relu_backward`,
:func:`maxpool2d_forward`/:func:`maxpool2d_backward`, :func:`flatten_forward`/:func:`flatten_backward`,
:func:`dense_forward`/:func:`dense_backward`, :func:`softmax_cross_entropy`, and the checks
:func:`numerical_gradient` and :func:`rel_error`.

Everything one step of an explorer shows, as one value: :func:`conv_step`
(lesson 2) and :func:`pool_step` (lesson 4); with them the lessons' smaller computations, such as
:func:`pool_routes`, :func:`pooled_by_mode`, :func:`best_line_fit`, :func:`most_similar_filters` and
:func:`central_difference`, and their data, :func:`small_photo`, :func:`pool_example_inputs`,
:func:`image_from_bytes`.

Layers and networks (each layer's forward and backward call exactly the public pair above):
:class:`Conv2D`, :class:`ReLU`, :class:`MaxPool2D`, :class:`Flatten`, :class:`Dense`, chained by
:class:`Sequential`; :class:`TinyCNN`, the lessons' network; :func:`fit`, :func:`load_digits`.

Importing ``cnnmath`` changes nothing in the process: no allocator or thread settings. :func:`tune_malloc`
is an opt-in for programs that own their process (the benchmarks call it).

Pictures live in :mod:`cnnmath.viz.plots`, explorers in :mod:`cnnmath.viz.widgets`, exercise feedback in
:mod:`cnnmath.checks`; importing ``cnnmath`` loads none of them (and no matplotlib or ipywidgets).
"""

from ._fast.malloc import tune_malloc
from .activations import best_line_fit, relu, relu_backward, relu_derivative, relu_forward
from .conv import (ConvStep, conv2d, conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive,
                   conv2d_grad, conv2d_grad_naive, conv2d_naive, conv_output_size, conv_step, convolve2d)
from .data import (GRAY_WEIGHTS, UPLOAD_MAX_SIDE, image_from_bytes, load_digits, load_photo, load_photo_rgb,
                   nearest_levels, photo_feature_map, pool_example_inputs, rgb_to_gray, sample_photo, seed_image,
                   seed_kernel, seed_pool_input, shift_test_strip, small_photo)
from .descent import BLOWUP, DescentPath, gradient_descent
from .dense import dense_backward, dense_forward, flatten_backward, flatten_forward
from .gradcheck import (EPS_GRID, CentralDifference, GradientCheck, GradientCheckCurves, central_difference,
                        gradient_check, gradient_check_curves, numerical_gradient, rel_error)
from .kernels import HAND_FILTERS, KERNEL_NAMES, get_kernel, kernel_bank, most_similar_filters
from .losses import cross_entropy, log_softmax, softmax, softmax_cross_entropy
from .layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU
from .model import Sequential, TinyCNN, dead_filters, map_peaks
from .receptive import receptive_field, receptive_field_regions, receptive_field_steps
from .pooling import (POOL_MODES, TIE_RULES, PoolGradientStep, PoolStep, avg_pool2d, avg_pool2d_naive, avgpool2d_backward,
                      avgpool2d_forward, max_pool2d, max_pool2d_naive, max_pool2d_switches, maxpool2d_backward,
                      maxpool2d_backward_naive, maxpool2d_forward, maxpool2d_forward_naive, pool_gradient_dx,
                      pool_gradient_step, pool_output_size, pool_routes, pool_step, pooled_by_mode,
                      relative_l2_change, shifted_pooling)
from .train import accuracy, fit, sgd_step
from .weights import load_weights, save_weights

__version__ = "0.1.0"

__all__ = [
    # lesson level
    "conv2d", "convolve2d", "conv2d_naive", "conv2d_grad", "conv2d_grad_naive", "conv_output_size",
    "relu", "relu_derivative",
    "max_pool2d", "avg_pool2d", "max_pool2d_naive", "avg_pool2d_naive", "max_pool2d_switches",
    "pool_output_size", "receptive_field", "receptive_field_steps",
    "softmax", "log_softmax", "cross_entropy",
    # one step of an explorer, and the lessons' other small computations
    "conv_step", "ConvStep", "pool_step", "PoolStep", "POOL_MODES", "pooled_by_mode", "relative_l2_change",
    "TIE_RULES", "pool_routes", "pool_gradient_dx", "pool_gradient_step", "PoolGradientStep", "shifted_pooling",
    "best_line_fit", "receptive_field_regions",
    "gradient_check", "GradientCheck", "gradient_check_curves", "GradientCheckCurves", "EPS_GRID",
    "gradient_descent", "DescentPath", "BLOWUP",
    # layer level
    "conv2d_forward", "conv2d_backward", "conv2d_forward_naive", "conv2d_backward_naive",
    "relu_forward", "relu_backward",
    "maxpool2d_forward", "maxpool2d_backward", "maxpool2d_forward_naive", "maxpool2d_backward_naive",
    "avgpool2d_forward", "avgpool2d_backward",
    "flatten_forward", "flatten_backward", "dense_forward", "dense_backward",
    "softmax_cross_entropy", "numerical_gradient", "central_difference", "CentralDifference", "rel_error",
    # layers and networks
    "Layer", "Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense", "Sequential",
    # network level
    "TinyCNN", "fit", "accuracy", "sgd_step", "load_digits", "save_weights", "load_weights", "map_peaks",
    "dead_filters",
    # data and kernels
    "seed_image", "seed_kernel", "seed_pool_input", "pool_example_inputs", "load_photo", "load_photo_rgb",
    "rgb_to_gray", "GRAY_WEIGHTS", "small_photo", "image_from_bytes", "UPLOAD_MAX_SIDE", "photo_feature_map",
    "shift_test_strip", "sample_photo", "nearest_levels",
    "KERNEL_NAMES", "get_kernel", "kernel_bank", "HAND_FILTERS", "most_similar_filters",
    # speed, opt-in
    "tune_malloc",
]
