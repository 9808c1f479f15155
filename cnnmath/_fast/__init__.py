"""The speed room: faster twins of public functions, and the process and thread tuning they may use.

Nothing here is taught and nothing here is public. Each function's docstring names the public reference it
must equal, and the tests compare the two (``tests/test_fast_paths.py``). Only the public layer functions in
:mod:`cnnmath.conv` and :mod:`cnnmath.pooling` call into this package, when the shapes allow; models,
training and the pictures never do.

- :mod:`.conv`: stride-1 convolution on the "wide grid" (im2col with contiguous copies, col2im as shifted
  adds), the twin of :func:`cnnmath.conv._im2col` and the readable backward pass.
- :mod:`.pool`: 2x2 stride-2 max pooling on neighbouring pairs, and stride-1 max pooling on the flat
  batch, twins of the running maximum in :mod:`cnnmath.pooling`.
- :mod:`.threads`: splits element-wise work over the cores the process may use.
- :mod:`.malloc`: an opt-in glibc setting for benchmarks and long training runs (never applied on import).
"""
