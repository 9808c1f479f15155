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


def check_one_picture_per_change(explorer, changes):
    """Make each change of ``changes`` in turn and check that it sends exactly one picture, of the one figure.

    ``changes`` is a sequence of ``(control name, value)``; the value ``"click"`` clicks a Button. Checks
    that the explorer shows a PNG with alt text at the start, that each change sends one new picture (the
    one it now shows), updates the same figure in place without an error, that the alt text sent last
    describes that figure, and that pyplot holds none of the explorer's figures.
    """
    import matplotlib.pyplot as plt

    from cnnmath.viz.plots import describe_figure

    assert explorer.output is None and explorer.figure is not None
    first = current_picture(explorer)
    assert first is not None and first[0].startswith(b"\x89PNG") and first[1]
    fig = explorer.figure
    seen = watch_pictures(explorer)
    for k, (control, value) in enumerate(changes, start=1):
        if value == "click":
            explorer.controls[control].click()
        else:
            explorer.controls[control].value = value
        assert len(seen) == k, f"{control} = {value!r} sent {len(seen) - k + 1} pictures"
        assert seen[-1] == current_picture(explorer)
        assert explorer.figure is fig  # the same figure, updated in place
        assert explorer.last_error is None, explorer.last_error
    assert seen[-1][1] == describe_figure(fig)  # the alt text describes the picture sent
    assert fig.number not in plt.get_fignums()  # pyplot holds no figure of the explorer


def count_calls(monkeypatch, module, *names):
    """Count the calls of ``module.<name>`` for each name; returns ``{name: [one entry per call]}``."""
    calls = {name: [] for name in names}

    def wrap(name, fn):
        def counted(*args, **kwargs):
            calls[name].append(1)
            return fn(*args, **kwargs)
        return counted

    for name in names:
        monkeypatch.setattr(module, name, wrap(name, getattr(module, name)))
    return calls


def forbid_cnnmath(monkeypatch, module):
    """Make every public cnnmath function (outside cnnmath.viz) that ``module`` can reach raise if called.

    For checking that a plot module draws what it is given and computes nothing. Input checks
    (``check_*``, private ``_*``) may still run. Returns the names.
    """
    def forbidden(*args, **kwargs):
        raise AssertionError("the plot computed what the explorer gave it")

    names = [name for name, value in vars(module).items() if callable(value)
             and not name.startswith(("_", "check_"))
             and getattr(value, "__module__", "").startswith("cnnmath.")
             and not getattr(value, "__module__", "").startswith("cnnmath.viz")]
    for name in names:
        monkeypatch.setattr(module, name, forbidden)
    return names


def check_error_hides_picture(explorer, monkeypatch, module, name, control=None, bad_value=None, good_value=None,
                              *, change=None):
    """Make ``module.<name>`` raise a ValueError, set ``control`` to ``bad_value``: the picture must be hidden
    and the summary must say why; then restore it, set ``good_value``: the picture must be back.

    ``change``, a function of no arguments (a button's click), replaces setting the control: it is called once
    for each of the two steps."""
    original = getattr(module, name)

    def failing(*args, **kwargs):
        raise ValueError("a setting the explorer refuses")

    def step(value):
        if change is not None:
            change()
        else:
            explorer.controls[control].value = value

    monkeypatch.setattr(module, name, failing)
    step(bad_value)
    assert current_picture(explorer) is None and isinstance(explorer.last_error, ValueError)
    assert "does not work" in explorer.summary.value and "a setting the explorer refuses" in explorer.summary.value
    monkeypatch.setattr(module, name, original)
    step(good_value)
    assert current_picture(explorer) is not None and explorer.last_error is None
