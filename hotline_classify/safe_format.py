"""A model file format that carries only arrays and plain data, so loading it runs no code.

An object graph (a fitted estimator, its metadata) is written as one JSON tree plus numpy
arrays, together in a ``.npz`` zip read with ``allow_pickle=False``. Plain values (``None``,
bool, int, float, str, list, tuple, dict, set) are JSON; arrays go to the zip; any other
object is written as its class name and its ``__getstate__`` (or ``__dict__``), and read back
by ``cls.__new__`` and ``__setstate__`` -- but only if the class passes
:func:`is_trusted_type`. No function, method or module can be named in a file, so nothing in
it is ever called, and no class outside the allow-list is ever imported.

The format is generic: whatever a fitted estimator holds is written through the allow-list,
not a fixed list of attributes, so estimators with other features or parts keep working.
"""

from __future__ import annotations

import importlib
import io
import json
import tokenize
import zipfile
import zlib
from functools import cache
from pathlib import Path

import numpy as np

TREE_KEY = "__tree__"

#: Classes outside this package and scikit-learn's estimators that a model may hold.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.model_selection._split.KFold",
        "sklearn.model_selection._split.StratifiedKFold",
        *(
            f"numpy.{name}"
            for name in (
                "bool_",
                "float16",
                "float32",
                "float64",
                "int8",
                "int16",
                "int32",
                "int64",
                "uint8",
                "uint16",
                "uint32",
                "uint64",
                "str_",
            )
        ),
    }
)


class UnsafeModelError(ValueError):
    """A model file names a type outside the allow-list, or is not in the safe format."""


class DamagedModelError(ValueError):
    """A file in the safe format that cannot be read: cut short, or bytes changed."""


_ZIP_START = b"PK\x03\x04"


def _resolve(name: str):
    module_name, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        return None


@cache
def is_trusted_type(name: str) -> bool:
    """Return True if a model file may create instances of the class ``name``.

    Trusted are the names in :data:`TRUSTED_TYPES`; classes defined in this package; and
    scikit-learn's estimators (subclasses of ``BaseEstimator`` defined in ``sklearn``).
    Only modules of ``numpy``, ``sklearn`` and this package are ever imported to check.

    Examples
    --------
    >>> is_trusted_type("sklearn.linear_model._logistic.LogisticRegression")
    True
    >>> is_trusted_type("os.system")
    False
    """
    root = name.split(".", 1)[0]
    if root not in ("hotline_classify", "sklearn", "numpy"):
        return False
    cls = _resolve(name)
    if not isinstance(cls, type) or f"{cls.__module__}.{cls.__qualname__}" != name:
        return False  # a function, a module, or a class imported from somewhere else
    if name in TRUSTED_TYPES or root == "hotline_classify":
        return True
    if root == "sklearn":
        from sklearn.base import BaseEstimator

        return issubclass(cls, BaseEstimator)
    return False


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class _Encoder:
    def __init__(self):
        self.arrays: list[np.ndarray] = []

    def array(self, a: np.ndarray) -> dict:
        if a.dtype == object:
            if all(isinstance(x, str) for x in a.flat):
                return {"$array": self._add(a.astype(str)), "object": True}
            return {"$objarray": [self(x) for x in a.flat], "shape": list(a.shape)}
        if a.dtype.kind not in "biufcUS":
            raise TypeError(f"cannot save an array of dtype {a.dtype} safely")
        return {"$array": self._add(a)}

    def _add(self, a: np.ndarray) -> int:
        self.arrays.append(a)
        return len(self.arrays) - 1

    def __call__(self, obj):
        if isinstance(obj, np.ndarray):
            return self.array(obj)
        if isinstance(obj, np.generic):  # before float/int/str: np.float64 is a float
            name = _type_name(type(obj))
            if name not in TRUSTED_TYPES:
                raise TypeError(f"cannot save a numpy scalar of type {name} safely")
            return {"$scalar": name, "value": obj.item()}
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj
        if isinstance(obj, list):
            return [self(x) for x in obj]
        if isinstance(obj, tuple):
            return {"$tuple": [self(x) for x in obj]}
        if isinstance(obj, (set, frozenset)):
            tag = "$set" if isinstance(obj, set) else "$frozenset"
            return {tag: [self(x) for x in sorted(obj, key=repr)]}
        if isinstance(obj, dict):
            if all(isinstance(k, str) for k in obj):
                return {"$dict": {k: self(v) for k, v in obj.items()}}
            return {"$items": [[self(k), self(v)] for k, v in obj.items()]}
        if isinstance(obj, np.dtype):
            return {"$dtype": obj.str}
        if isinstance(obj, type):
            return {"$type": self._trusted_name(obj)}
        name = self._trusted_name(type(obj))
        getstate = getattr(obj, "__getstate__", None)
        state = getstate() if getstate is not None else obj.__dict__
        if state is None:  # object.__getstate__ of an instance with an empty __dict__
            state = {}
        if not isinstance(state, dict):
            raise TypeError(f"cannot save {name} safely: its state is not a dict")
        return {"$object": name, "state": self(state)}

    @staticmethod
    def _trusted_name(cls: type) -> str:
        name = _type_name(cls)
        if not is_trusted_type(name):
            raise TypeError(
                f"cannot save {name}: it is not a type a model file may hold "
                "(see hotline_classify.safe_format.is_trusted_type)"
            )
        return name


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays

    def _class(self, name) -> type:
        if not isinstance(name, str) or not is_trusted_type(name):
            raise UnsafeModelError(f"the file holds type {name!r}, which is not trusted")
        return _resolve(name)

    def __call__(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self(x) for x in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise ValueError(f"unexpected node {node!r:.60}")
        tag = next(iter(node))
        value = node[tag]
        if tag == "$dict":
            return {k: self(v) for k, v in value.items()}
        if tag == "$items":
            return {self(k): self(v) for k, v in value}
        if tag == "$tuple":
            return tuple(self(x) for x in value)
        if tag == "$set":
            return {self(x) for x in value}
        if tag == "$frozenset":
            return frozenset(self(x) for x in value)
        if tag == "$array":
            a = self.arrays[f"a{int(value)}"]
            return a.astype(object) if node.get("object") else a
        if tag == "$objarray":
            items = [self(x) for x in value]
            out = np.empty(len(items), dtype=object)
            out[:] = items
            return out.reshape(node["shape"])
        if tag == "$scalar":
            return self._class(value)(node["value"])
        if tag == "$dtype":
            return np.dtype(value)
        if tag == "$type":
            return self._class(value)
        if tag == "$object":
            cls = self._class(value)
            obj = cls.__new__(cls)
            state = self(node["state"])
            if hasattr(obj, "__setstate__"):
                obj.__setstate__(state)
            else:
                obj.__dict__.update(state)
            return obj
        raise ValueError(f"unknown node type {tag!r}")


def dumps(obj) -> bytes:
    """Return ``obj`` in the safe format.

    Raises
    ------
    TypeError
        If ``obj`` holds something the format cannot carry: an untrusted class, a function,
        an object array of other objects it cannot carry.

    Examples
    --------
    >>> loads(dumps({"weights": np.arange(3), "names": ("a", "b")}))["names"]
    ('a', 'b')
    """
    enc = _Encoder()
    tree = json.dumps(enc(obj), ensure_ascii=False).encode("utf-8", "surrogatepass")
    buf = io.BytesIO()
    arrays = {f"a{i}": a for i, a in enumerate(enc.arrays)}
    np.savez_compressed(buf, **{TREE_KEY: np.frombuffer(tree, dtype=np.uint8)}, **arrays)
    return buf.getvalue()


def loads(data: bytes):
    """Read an object written by :func:`dumps`; no pickle is ever read.

    Raises
    ------
    UnsafeModelError
        If the data is not in the safe format (a pickle, say) or names an untrusted type.
    """
    return _load(io.BytesIO(data), "the data")


def load(path: str | Path):
    """Read an object written by :func:`dumps` from a file; see :func:`loads`."""
    with open(path, "rb") as f:
        return _load(f, str(path))


def is_safe_format(path: str | Path) -> bool:
    """Return True if the file starts as a zip (the container of this format; never a
    pickle), whole or damaged."""
    with open(path, "rb") as f:
        return f.read(len(_ZIP_START)) == _ZIP_START


def _load(fileobj, where: str):
    if not zipfile.is_zipfile(fileobj):
        fileobj.seek(0)
        if fileobj.read(len(_ZIP_START)) == _ZIP_START:
            raise DamagedModelError(
                f"{where} is a damaged model file: it starts as the safe format's zip, but "
                "its end is missing (cut short while copying or downloading?)"
            )
        raise UnsafeModelError(f"{where} is not in the safe model format (a .npz zip)")
    fileobj.seek(0)
    try:
        with np.load(fileobj, allow_pickle=False) as arrays:
            tree = json.loads(arrays[TREE_KEY].tobytes().decode("utf-8", "surrogatepass"))
            return _Decoder(arrays)(tree)
    except UnsafeModelError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError, tokenize.TokenError) as e:
        # A changed byte in a zip entry, in compressed data, or in an array's header
        # (numpy parses it as a Python literal).
        raise DamagedModelError(f"{where} is a damaged model file ({e})") from None
    except (
        KeyError,
        IndexError,
        AttributeError,
        ValueError,
        TypeError,
        OSError,
        RecursionError,
    ) as e:
        raise UnsafeModelError(f"{where} is not in the safe model format ({e})") from None
