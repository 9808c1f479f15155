"""Small helpers several test modules share (fixtures live in conftest.py)."""


def count_redraws(explorer):
    """Make ``explorer`` count its redraws; returns the list that grows by one per redraw."""
    calls = []
    original = explorer._redraw

    def counting():
        calls.append(1)
        original()

    explorer._redraw = counting
    return calls


def watch_pictures(explorer):
    """Record every picture ``explorer`` sends from now on; returns the list of ``(png_bytes, alt)``.

    Works for an explorer with a ``picture`` (an ``ipywidgets.Image`` whose value is replaced) and, for the
    explorers that draw into their ``output``, reads the PNGs put there (call it before changing a control;
    for those, the list is filled when read through :func:`pictures_now`).
    """
    seen = []
    picture = getattr(explorer, "picture", None)
    if picture is not None:
        picture.observe(lambda change: seen.append((bytes(change["new"]), picture.tooltip)), names="value")
    return seen


def current_picture(explorer):
    """``(png_bytes, alt)`` of the picture ``explorer`` shows now, or None if it shows none.

    Reads ``explorer.picture`` (an ``ipywidgets.Image``; None while it is hidden after an error) or, for an
    explorer drawing into its ``Output``, the last PNG in ``explorer.output.outputs`` (alt from its metadata).
    """
    import base64

    picture = getattr(explorer, "picture", None)
    if picture is not None:
        if picture.layout.display == "none" or not picture.value:
            return None
        return bytes(picture.value), picture.tooltip
    for out in reversed(explorer.output.outputs):
        data = out.get("data", {})
        if "image/png" in data:
            png = data["image/png"]
            png = base64.b64decode(png) if isinstance(png, str) else png
            return png, out.get("metadata", {}).get("image/png", {}).get("alt", "")
    return None
