"""Save and load a trained model's weights as a ``.npz`` file, safely (lesson 7).

A model here is anything with a ``params`` dict of numpy arrays (``TinyCNN`` has ``conv_w``, ``conv_b``,
``dense_w``, ``dense_b``). Two promises:

- :func:`save_weights` never leaves a half-written file: it writes a temporary file in the same folder and
  renames it over the target with ``os.replace`` (atomic on one file system), so a crash or a full disk
  midway leaves the earlier file as it was and removes the temporary one.
- :func:`load_weights` never unpickles (``allow_pickle=False``: a pickle can run any code), checks every
  array's name, shape and dtype against the model *before* touching it, reports every mismatch at once,
  and leaves the model unchanged on any error.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["save_weights", "load_weights"]


def _params_of(model) -> dict:
    params = getattr(model, "params", None)
    if not isinstance(params, dict) or not params:
        raise TypeError(f"model is {type(model).__name__} but needs a model with a non-empty `params` dict "
                        f"of arrays, such as TinyCNN()")
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"model.params has the key {name!r} but every key needs to be a plain name")
        if not isinstance(value, np.ndarray) or value.dtype.hasobject:
            raise TypeError(f"model.params[{name!r}] is {type(value).__name__} but needs a numeric numpy array")
    return params


def save_weights(model, path) -> Path:
    """Write ``model.params`` to ``path`` as an ``.npz`` archive, atomically (lesson 7).

    Parameters
    ----------
    model : object with ``params``, a dict of str -> ndarray
    path : str or os.PathLike
        The file to write, exactly as named (``.npz`` is the usual suffix). Its folder must exist.
        An existing file is replaced only once the new one is completely written.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    params = _params_of(model)
    path = Path(os.fspath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"path is {str(path)!r} but its folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"path is {str(path)!r}, a folder, but needs a file name such as 'weights.npz'")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **{name: np.asarray(value) for name, value in params.items()})
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the rename, so a power cut cannot leave an empty file
        os.replace(tmp_name, path)
    except BaseException:  # also KeyboardInterrupt: never leave the temporary file behind
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
    return path


def _header(npz, name):
    """(shape, dtype) of one array of an open npz, read from its header without loading its data."""
    member = name + ".npy" if name + ".npy" in npz.zip.namelist() else name
    with npz.zip.open(member) as fp:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
    return tuple(shape), dtype


def load_weights(model, path):
    """Load weights saved by :func:`save_weights` into ``model.params``, checking them first (lesson 7).

    Every array in the file must match the model's array of the same name in shape and dtype, and no
    array may be missing or extra. Pickled (object) arrays are refused without being unpickled.

    Parameters
    ----------
    model : object with ``params``, a dict of str -> ndarray
    path : str or os.PathLike
        An ``.npz`` file.

    Returns
    -------
    model
        The same model, its ``params`` replaced by the file's arrays (new arrays, not views of the file).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not an ``.npz`` archive, or does not match the model; the message lists every
        missing array, extra array, wrong shape, wrong dtype, pickled object array and non-finite value.
        The model is unchanged.
    """
    params = _params_of(model)
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"path is {str(path)!r} but there is no such file")
    where = f"{str(path)!r}"
    if not zipfile.is_zipfile(path):  # an .npz is a zip archive; say what it is instead, in plain words
        with open(path, "rb") as fh:
            single = fh.read(6) == b"\x93NUMPY"
        what = ("it holds a single .npy array, not an .npz archive of named arrays" if single else
                "it is not an .npz archive (not even a zip file: a text file or an image?)")
        raise ValueError(f"cannot load weights from {where}: {what}; save one with save_weights(model, path)")
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"cannot load weights from {where}: it is not an .npz archive of arrays "
                         f"(numpy says: {err}); save one with save_weights(model, path)") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):  # cannot happen for a zip file, but never guess
        raise ValueError(f"cannot load weights from {where}: it is not an .npz archive of named arrays")
    problems, loaded = [], {}
    with npz:
        names = list(npz.files)
        for name in [n for n in params if n not in names]:
            need = params[name]
            problems.append(f"missing array {name!r} (the model needs shape {need.shape}, dtype {need.dtype})")
        for name in [n for n in names if n not in params]:
            problems.append(f"extra array {name!r}: this model has no parameter of that name "
                            f"(it has {', '.join(map(repr, params))})")
        for name in [n for n in params if n in names]:
            need = params[name]
            try:
                shape, dtype = _header(npz, name)
            except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
                problems.append(f"array {name!r} is damaged and cannot be read ({err})")
                continue
            if dtype.hasobject:
                problems.append(f"array {name!r} is a pickled object array (dtype {dtype}); it is refused "
                                f"because unpickling can run code; the model needs {need.dtype} numbers")
                continue
            if shape != need.shape:
                problems.append(f"array {name!r} has shape {shape} in the file but the model needs {need.shape}")
            if dtype != need.dtype:
                problems.append(f"array {name!r} has dtype {dtype} in the file but the model needs {need.dtype}")
            if shape == need.shape and dtype == need.dtype:
                try:
                    value = np.array(npz[name])  # a fresh array the model owns
                except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
                    problems.append(f"array {name!r} is damaged and cannot be read ({err})")
                    continue
                if not np.isfinite(value).all():
                    problems.append(f"array {name!r} holds NaN or infinite values (the weights of a training "
                                    f"run that diverged?)")
                    continue
                loaded[name] = value
    if problems:
        raise ValueError(f"cannot load weights from {where}: it does not match this model; nothing was "
                         f"changed:\n  - " + "\n  - ".join(problems))
    params.update(loaded)  # only now, all at once: on any problem above the model was never touched
    return model
