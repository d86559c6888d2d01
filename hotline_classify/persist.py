"""Saving and loading models, and the cached default model.

A model file holds the estimator and a metadata header in the safe format of
:mod:`.safe_format`: arrays and plain data only, so loading a file runs no code it carries,
and a file naming a type outside the allow-list is refused. Older joblib pickles load only
with ``allow_pickle=True``.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import sklearn

from . import __version__, safe_format
from .datasets import data_path, load_corpus

FORMAT = "hotline_classify.model"
FORMAT_VERSION = 1
CACHE_ENV = "HOTLINE_CLASSIFY_CACHE"

_default_lock = threading.Lock()
_default_model = None


def fingerprint(texts, hotlines) -> str:
    """Return a SHA-256 over the training texts and labels, in order."""
    h = hashlib.sha256()
    for text, label in zip(texts, hotlines):
        h.update(str(label).encode())
        h.update(b"\x1f")
        h.update(text.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _metadata(model) -> dict:
    return {
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "hotlines": [str(c) for c in model.classes_],
        "categories": None if model.categories_ is None else [str(c) for c in model.categories_],
        "segmenter_backend": model.segmenter_backend_,
        "n_training_rows": int(model.n_training_rows_),
        "training_fingerprint": model.training_fingerprint_,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _write_atomically(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        Path(tmp).write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(model, path: str | Path) -> Path:
    """Write a fitted :class:`~hotline_classify.HotlineClassifier` to ``path``.

    The file is in the safe format (:mod:`.safe_format`), whatever its name, and is
    replaced atomically, so a failed write never leaves a half-written model.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If the model holds a type that a model file may not carry.

    Examples
    --------
    >>> model.save("orders.model")  # doctest: +SKIP
    PosixPath('orders.model')
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "hotline_model_")
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "metadata": _metadata(model),
        "model": model,
    }
    data = safe_format.dumps(payload)
    path = Path(path)
    _write_atomically(data, path)
    return path


def read_metadata(path: str | Path, *, allow_pickle: bool = False) -> dict:
    """Return the metadata header of a model file; ``allow_pickle`` as in :func:`load_model`."""
    return _load_payload(Path(path), allow_pickle)["metadata"]


def _load_pickle(path: Path):
    import joblib

    try:
        return joblib.load(path)
    except Exception as e:
        raise ValueError(f"{path} is not a hotline_classify model file ({e})") from None


def _load_payload(path: Path, allow_pickle: bool) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    if allow_pickle and not safe_format.is_safe_format(path):
        payload = _load_pickle(path)
    else:
        try:
            payload = safe_format.load(path)
        except safe_format.UnsafeModelError as e:
            raise safe_format.UnsafeModelError(
                f"{e}; a joblib/pickle model file loads only with allow_pickle=True, "
                "which runs any code the file holds"
            ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a hotline_classify model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} was written in model format {payload.get('format_version')} by "
            f"hotline_classify {payload['metadata'].get('package_version')}; this is "
            f"hotline_classify {__version__}, which reads format {FORMAT_VERSION}: retrain it"
        )
    return payload


def load_model(path: str | Path, backend: str | None = None, *, allow_pickle: bool = False):
    """Read a model written by :func:`save_model`.

    Parameters
    ----------
    path : str or Path
        A model file.
    allow_pickle : bool, default=False
        Also read a joblib/pickle model file (as written by hotline_classify 0.1).
        **Dangerous:** unpickling runs whatever code the file carries, with your rights:
        a crafted file can delete or steal data. Set it only for a file you made yourself
        or got from a source you trust, and re-save it to get a safe file.
    backend : str or None, default=None
        The segmenter backend the caller expects. ``None`` takes the one the model was
        trained with; a different name is refused, since another backend cuts some texts
        differently. To segment with another backend on purpose, load without ``backend``
        and call :meth:`~hotline_classify.HotlineClassifier.with_backend`.

    Raises
    ------
    ValueError
        If the file is not a hotline_classify model, is a pickle and ``allow_pickle`` is
        False, names a type outside the allow-list (see :mod:`.safe_format`), was written
        in another format version or with another major.minor scikit-learn version, or was
        trained with another segmenter backend than ``backend``.
    FileNotFoundError
        If there is no such file.

    Examples
    --------
    >>> model = load_model("orders.model")  # doctest: +SKIP
    """
    path = Path(path)
    payload = _load_payload(path, allow_pickle)
    saved = payload["metadata"].get("sklearn_version", "")
    if saved.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ValueError(
            f"{path} was written with scikit-learn {saved}; this is {sklearn.__version__}: "
            "retrain the model with this version"
        )
    model = payload["model"]
    trained = getattr(model, "segmenter_backend_", "jieba")
    if backend is not None and backend != trained:
        raise ValueError(
            f"{path} was trained with the {trained} segmenter, not {backend}; another backend "
            f"cuts some texts differently. Load it without backend= to use {trained}, or "
            f"switch on purpose with HotlineClassifier.load(path).with_backend({backend!r})"
        )
    model.metadata_ = payload["metadata"]
    return model


def cache_dir() -> Path:
    """Folder of the cached default model: ``$HOTLINE_CLASSIFY_CACHE`` or ``~/.cache/...``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hotline_classify"


def _corpus_digest(names=("complaints.csv", "user_dict.txt", "stopwords.txt")) -> str:
    """Hash of the bundled data files and of this package's code, so that a cached model
    is rebuilt when either changes (a new default parameter, a new cleaning step)."""
    h = hashlib.sha256()
    for name in names:
        h.update(data_path(name).read_bytes())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.read_bytes())
    return h.hexdigest()[:16]


def cached_build(name: str, data_files: tuple[str, ...], build):
    """Return ``build()``, kept in :func:`cache_dir` in the safe format between processes.

    The cache file is keyed by ``name``, the package and scikit-learn versions and a hash
    of the bundled ``data_files`` the object is built from; a file that cannot be read is
    rebuilt, and a cache folder that cannot be written is skipped.
    """
    key = f"{name}-{__version__}-sk{sklearn.__version__}-{_corpus_digest(data_files)}.model"
    path = cache_dir() / key
    if path.is_file():
        try:
            return safe_format.load(path)
        except ValueError:
            pass
    obj = build()
    try:
        _write_atomically(safe_format.dumps(obj), path)
    except OSError:
        pass
    return obj


def default_model():
    """Return the default model, trained on the bundled corpus; cached in memory and on disk.

    The disk cache is keyed by package version, scikit-learn version and a hash of the
    bundled data, so a new corpus or release retrains it. A cache file that cannot be read
    is rebuilt.
    """
    global _default_model
    with _default_lock:
        if _default_model is not None:
            return _default_model
        from .model import HotlineClassifier
        from .segment import DEFAULT_BACKEND

        key = (
            f"default-{__version__}-sk{sklearn.__version__}-{DEFAULT_BACKEND}-"
            f"{_corpus_digest()}.model"
        )
        path = cache_dir() / key
        model = None
        if path.is_file():
            try:
                model = load_model(path)
            except Exception:
                model = None
        if model is None:
            corpus = load_corpus()
            model = HotlineClassifier().fit(corpus.texts, corpus.hotlines, corpus.categories)
            try:
                save_model(model, path)
            except OSError:
                pass  # a read-only home still gets a working model, just not a cached one
        _default_model = model
        return model
