"""Shared fixtures and helpers for the package and lesson tests (the browser tests have their own)."""

import matplotlib

matplotlib.use("Agg")  # headless: no window, no display needed
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnmath import load_photo, load_photo_rgb  # noqa: E402

# Colormap.__call__ as matplotlib defines it: the judge samples maps with it, unrecorded.
_COLORMAP_CALL = mcolors.Colormap.__call__
# Diverging maps whose two arms stay apart for red-green colour-blind viewers (blue/red, purple/orange).
COLOUR_BLIND_SAFE_DIVERGING = {"RdBu", "RdBu_r", "PuOr", "PuOr_r"}


def colormap_problem(cmap: mcolors.Colormap) -> str | None:
    """Why ``cmap`` would fail a student reading it in grey or without red-green vision; None if it is fine.

    Judged on the map's lightness (Rec. 709 luma of its colours), not its name:

    - grey maps, and maps whose lightness only rises (or only falls), read the same in grey and for every
      kind of colour vision: the value is carried by lightness;
    - a diverging map (lightest in the middle, darkening symmetrically towards both ends) shows magnitude in
      grey; the sign is then carried by hue, so the hues must be a colour-blind-safe pair.
    """
    n = cmap.N if isinstance(cmap, mcolors.ListedColormap) else 65
    rgb = np.asarray(_COLORMAP_CALL(cmap, np.linspace(0.0, 1.0, n)))[:, :3]
    lightness = rgb @ np.array([0.2126, 0.7152, 0.0722])
    steps = np.diff(lightness)
    if np.ptp(rgb, axis=1).max() < 0.02 or np.all(steps >= -1e-3) or np.all(steps <= 1e-3):
        if np.ptp(lightness) < 0.3:
            return f"{cmap.name}: its lightness spans only {np.ptp(lightness):.2f}; in grey it is one shade"
        return None
    middle = int(np.argmax(lightness))
    symmetric = np.abs(lightness - lightness[::-1]).max() < 0.15
    ramps = np.all(steps[:middle] >= -1e-3) and np.all(steps[middle:] <= 1e-3)
    if not (symmetric and ramps and abs(middle - (n - 1) / 2) <= 1):
        return f"{cmap.name}: its lightness goes up and down, so in grey different values look alike"
    if cmap.name not in COLOUR_BLIND_SAFE_DIVERGING:
        return f"{cmap.name}: a diverging map whose two hues are not known to be colour-blind safe"
    return None


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    """Close every figure a test made, so hundreds of plot tests do not pile up memory.

    On the way, every colormap the test used is judged by ``colormap_problem``: those applied while drawing
    (an explorer renders its PNG and closes the figure) and those on the images of figures still open (a
    plot test builds a figure without drawing it). Any figure the package makes must read in grey and for
    colour-blind students.
    """
    drawn = {}

    def recording_call(cmap, *args, **kwargs):
        drawn[id(cmap)] = cmap
        return _COLORMAP_CALL(cmap, *args, **kwargs)

    monkeypatch.setattr(mcolors.Colormap, "__call__", recording_call)
    yield drawn
    # Figures left open were built but maybe never drawn: read the colormaps off their images and meshes.
    for number in plt.get_fignums():
        for artist in plt.figure(number).findobj(lambda a: hasattr(a, "get_cmap") and hasattr(a, "get_array")):
            cmap = artist.get_cmap()
            drawn[id(cmap)] = cmap
    plt.close("all")
    monkeypatch.undo()
    problems = [p for p in map(colormap_problem, drawn.values()) if p]
    assert not problems, "colormaps that fail in grey or for colour-blind students: " + "; ".join(problems)


@pytest.fixture(scope="module")
def photo():
    """The course photo in grey, (600, 512), values 0..255 (lessons 1-3; lessons 4 and 5 define their own)."""
    return load_photo()


@pytest.fixture(scope="module")
def rgb():
    """The course photo in colour, (600, 512, 3)."""
    return load_photo_rgb()
