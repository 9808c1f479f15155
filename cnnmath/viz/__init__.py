"""Pictures (``cnnmath.viz.plots``, matplotlib only) and explorers (``cnnmath.viz.widgets``, ipywidgets).

Conventions, true of every lesson module:

- A plot function draws one picture from arrays that ``cnnmath`` computed; it computes no math itself.
  It takes ``ax=None`` when it draws one panel and ``axes=None`` when it draws several (a sequence of that
  many axes); without them it makes its own figure of an explicit ``figsize``. It returns the figure.
- A picture an explorer redraws has an ``update_<name>_plot(fig, ...)`` twin that changes the figure in
  place (artists' data, texts, colours, limits), drawing exactly what a fresh call would.
- Shared pieces (colour maps, the explorers' ``DPI``, a row of axes, signed maps centred at 0 with
  their symmetric limit, matrices with their numbers, window outlines, map mosaics) live in
  ``plots/common.py``; text alternatives in ``plots/alt_text.py``.
- An explorer function returns an ``Explorer`` built by ``widgets.common.make_explorer`` and never
  displays itself: it builds its figure once, and each change of a control computes once, updates the
  figure and sends it as one PNG (``explorer.picture``).
"""
