"""Pictures (``cnnmath.viz.plots``, matplotlib only) and explorers (``cnnmath.viz.widgets``, ipywidgets).

Plot functions take ``ax=None`` and return the figure; widget factories return a widget and never
display themselves.
"""
