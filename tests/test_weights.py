"""save_weights / load_weights (lesson 7): round trip, every kind of mismatch, no pickles, atomic saves."""

from __future__ import annotations

import os

import numpy as np
import pytest

from cnnmath import TinyCNN
from cnnmath import weights as weights_module
from cnnmath.weights import load_weights, save_weights


def snapshot(model):
    """Copies of the params plus the identity of each array, to prove a failed load touched nothing."""
    return {k: (v.copy(), id(v)) for k, v in model.params.items()}


def assert_unchanged(model, snap):
    assert set(model.params) == set(snap)
    for key, (value, ident) in snap.items():
        assert id(model.params[key]) == ident, key
        np.testing.assert_array_equal(model.params[key], value)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


def test_round_trip_restores_every_array_exactly(tmp_path):
    trained, fresh = TinyCNN(seed=0), TinyCNN(seed=1)
    path = save_weights(trained, tmp_path / "w.npz")
    assert path == tmp_path / "w.npz"
    assert files_in(tmp_path) == ["w.npz"]
    assert load_weights(fresh, path) is fresh
    for key, value in trained.params.items():
        np.testing.assert_array_equal(fresh.params[key], value)
        assert fresh.params[key].dtype == value.dtype
        assert fresh.params[key] is not value  # the model owns new arrays
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(trained.params)


def test_round_trip_with_str_path_and_other_filter_count(tmp_path):
    a, b = TinyCNN(seed=3, num_filters=4), TinyCNN(seed=4, num_filters=4)
    save_weights(a, str(tmp_path / "four.npz"))
    load_weights(b, str(tmp_path / "four.npz"))
    X = np.random.default_rng(0).random((5, 1, 8, 8))
    np.testing.assert_array_equal(a.loss(X), b.loss(X))


def test_save_replaces_an_earlier_file(tmp_path):
    path = tmp_path / "w.npz"
    save_weights(TinyCNN(seed=0), path)
    save_weights(TinyCNN(seed=5), path)
    loaded = load_weights(TinyCNN(seed=9), path)
    np.testing.assert_array_equal(loaded.params["conv_w"], TinyCNN(seed=5).params["conv_w"])
    assert files_in(tmp_path) == ["w.npz"]


def write_npz(path, arrays):
    np.savez(path, **arrays)  # numpy's own writer, which does pickle object arrays when asked
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.update(conv_w=np.zeros((8, 1, 3, 3))),
         "array 'conv_w' has shape (8, 1, 3, 3) in the file but the model needs (16, 1, 3, 3)"),
        (lambda p: p.pop("dense_b"), "missing array 'dense_b' (the model needs shape (10,), dtype float64)"),
        (lambda p: p.update(extra=np.zeros(3)), "extra array 'extra'"),
        (lambda p: p.update(dense_w=p["dense_w"].astype(np.float32)),
         "array 'dense_w' has dtype float32 in the file but the model needs float64"),
        (lambda p: p.update(conv_b=np.array([None] * 16, dtype=object)),
         "array 'conv_b' is a pickled object array"),
        (lambda p: p["dense_b"].__setitem__(3, np.nan), "array 'dense_b' holds NaN or infinite values"),
    ],
    ids=["wrong-shape", "missing", "extra", "wrong-dtype", "pickled-object", "nan"],
)
def test_mismatch_is_named_and_model_unchanged(tmp_path, change, expected):
    arrays = {k: v.copy() for k, v in TinyCNN(seed=1).params.items()}
    change(arrays)
    path = write_npz(tmp_path / "bad.npz", arrays)
    model = TinyCNN(seed=0)
    snap = snapshot(model)
    with pytest.raises(ValueError) as info:
        load_weights(model, path)
    message = str(info.value)
    assert expected in message
    assert "nothing was changed" in message
    assert str(path) in message
    assert_unchanged(model, snap)


def test_every_problem_is_listed_at_once(tmp_path):
    arrays = {k: v.copy() for k, v in TinyCNN().params.items()}
    arrays["conv_w"] = np.zeros((2, 1, 3, 3))
    del arrays["dense_b"]
    arrays["bias"] = np.zeros(1)
    path = write_npz(tmp_path / "bad.npz", arrays)
    model = TinyCNN()
    snap = snapshot(model)
    with pytest.raises(ValueError) as info:
        load_weights(model, path)
    lines = [ln for ln in str(info.value).splitlines() if ln.strip().startswith("- ")]
    assert len(lines) == 3
    assert_unchanged(model, snap)


class _Payload:
    """Unpickling this would call `_boom`, which records that code ran: the loader must never do it."""

    ran = []

    def __reduce__(self):
        return (_boom, ())


def _boom():
    _Payload.ran.append(True)
    return 0


def test_pickled_object_is_refused_without_running_it(tmp_path):
    arrays = {k: v.copy() for k, v in TinyCNN().params.items()}
    arrays["conv_w"] = np.array([_Payload()], dtype=object)
    path = write_npz(tmp_path / "evil.npz", arrays)
    model = TinyCNN()
    snap = snapshot(model)
    _Payload.ran.clear()
    with pytest.raises(ValueError, match="pickled object array"):
        load_weights(model, path)
    assert _Payload.ran == []
    assert_unchanged(model, snap)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"hello, I am a text file\n", "not an .npz archive"),
        (b"", "not an .npz archive"),
        ("npy", "single .npy array"),
    ],
    ids=["text", "empty", "npy"],
)
def test_files_that_are_not_npz(tmp_path, content, expected):
    path = tmp_path / "w.npz"
    if content == "npy":
        with open(path, "wb") as fh:
            np.save(fh, np.zeros(3))
    else:
        path.write_bytes(content)
    model = TinyCNN()
    snap = snapshot(model)
    with pytest.raises(ValueError, match=expected):
        load_weights(model, path)
    assert_unchanged(model, snap)


def test_damaged_member_is_reported(tmp_path):
    import zipfile

    path = tmp_path / "w.npz"
    good = {k: v for k, v in TinyCNN().params.items()}
    write_npz(path, good)
    with zipfile.ZipFile(path) as zin:  # rebuild the archive with conv_w cut short
        members = {n: zin.read(n) for n in zin.namelist()}
    members["conv_w.npy"] = members["conv_w.npy"][:7]
    with zipfile.ZipFile(path, "w") as zout:
        for n, data in members.items():
            zout.writestr(n, data)
    model = TinyCNN(seed=2)
    snap = snapshot(model)
    with pytest.raises(ValueError, match="array 'conv_w' is damaged"):
        load_weights(model, path)
    assert_unchanged(model, snap)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_weights(TinyCNN(), tmp_path / "nope.npz")


def test_bad_model_and_bad_paths(tmp_path):
    with pytest.raises(TypeError, match="params"):
        save_weights(object(), tmp_path / "w.npz")
    with pytest.raises(TypeError, match="params"):
        load_weights(object(), tmp_path / "w.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_weights(TinyCNN(), tmp_path / "no-such-folder" / "w.npz")
    with pytest.raises(IsADirectoryError):
        save_weights(TinyCNN(), tmp_path)
    assert files_in(tmp_path) == []


@pytest.mark.parametrize("where", ["savez", "replace"])
@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "interrupt"])
def test_interrupted_save_keeps_earlier_file_and_leaves_no_temp(tmp_path, monkeypatch, where, error):
    path = tmp_path / "w.npz"
    earlier = TinyCNN(seed=0)
    save_weights(earlier, path)
    before = path.read_bytes()

    real_savez = np.savez

    def savez_then_fail(file, **arrays):
        real_savez(file, **{k: arrays[k] for k in list(arrays)[:1]})  # half the archive is on disk
        raise error

    def replace_fails(src, dst):
        raise error

    if where == "savez":
        monkeypatch.setattr(weights_module.np, "savez", savez_then_fail)
    else:
        monkeypatch.setattr(weights_module.os, "replace", replace_fails)
    with pytest.raises(type(error)):
        save_weights(TinyCNN(seed=7), path)
    monkeypatch.undo()

    assert files_in(tmp_path) == ["w.npz"]  # no temporary file left behind
    assert path.read_bytes() == before
    loaded = load_weights(TinyCNN(seed=3), path)
    for key, value in earlier.params.items():
        np.testing.assert_array_equal(loaded.params[key], value)


def test_interrupted_first_save_leaves_nothing(tmp_path, monkeypatch):
    def fail(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(weights_module.os, "replace", fail)
    with pytest.raises(OSError):
        save_weights(TinyCNN(), tmp_path / "w.npz")
    assert files_in(tmp_path) == []


def test_save_does_not_change_the_model(tmp_path):
    model = TinyCNN()
    snap = snapshot(model)
    save_weights(model, tmp_path / "w.npz")
    assert_unchanged(model, snap)
    assert os.path.getsize(tmp_path / "w.npz") > 0


def test_round_trip_of_any_sequential(tmp_path):
    """save_weights/load_weights work with the two-block TinyCNN and a hand-built Sequential: same scores."""
    from cnnmath import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
    X = np.random.default_rng(1).random((3, 1, 8, 8))
    for make in (lambda s: TinyCNN(seed=s, blocks=2, hidden=64),
                 lambda s: Sequential([Conv2D(1, 3, 3), ReLU(), MaxPool2D(3, stride=1), Flatten(), Dense(48, 5)],
                                      seed=s)):
        trained, fresh = make(0), make(1)
        load_weights(fresh, save_weights(trained, tmp_path / "w.npz"))
        np.testing.assert_array_equal(fresh.loss(X), trained.loss(X))


def test_one_block_weights_do_not_load_into_two_blocks(tmp_path):
    """The names tell the networks apart: every missing and extra array is listed, the model is unchanged."""
    path = save_weights(TinyCNN(), tmp_path / "one.npz")
    model = TinyCNN(blocks=2, hidden=64)
    snap = snapshot(model)
    with pytest.raises(ValueError) as info:
        load_weights(model, path)
    message = str(info.value)
    for key in ("conv1_w", "conv2_b", "dense1_w", "dense2_b"):
        assert f"missing array '{key}'" in message
    for key in ("conv_w", "dense_b"):
        assert f"extra array '{key}'" in message
    assert_unchanged(model, snap)
