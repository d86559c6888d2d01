import pickle

import numpy as np
import pytest
import sklearn

import hotline_classify
from hotline_classify import HotlineClassifier, safe_format
from hotline_classify.persist import FORMAT, read_metadata

TEXTS = ["商家拒绝退款", "小区停水三天", "物业费乱收", "假冒名牌鞋子", "建议增加公交线路"]


def test_save_then_load_gives_identical_predictions(small_model, tmp_path):
    path = small_model.save(tmp_path / "m.model")
    loaded = HotlineClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))
    assert loaded.route_many(TEXTS) == small_model.route_many(TEXTS)
    assert loaded.get_params() == small_model.get_params()


def test_metadata_describes_the_model(small_model, small_corpus, tmp_path):
    path = small_model.save(tmp_path / "m.model")
    meta = read_metadata(path)
    assert meta["package_version"] == hotline_classify.__version__
    assert meta["sklearn_version"] == sklearn.__version__
    assert meta["hotlines"] == ["12315", "12345"]
    assert len(meta["categories"]) == 7
    assert meta["n_training_rows"] == len(small_corpus[0])
    assert meta["training_fingerprint"] == small_model.training_fingerprint_
    assert len(meta["training_fingerprint"]) == 64 and meta["created"]
    assert HotlineClassifier.load(path).metadata_ == meta


def test_fingerprint_changes_with_training_rows(small_corpus):
    texts, hotlines, _ = small_corpus
    a = HotlineClassifier(char_ngram_range=None).fit(texts, hotlines)
    b = HotlineClassifier(char_ngram_range=None).fit(texts[1:], hotlines[1:])
    assert a.training_fingerprint_ != b.training_fingerprint_


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="not in the safe model format"):
        HotlineClassifier.load(junk)
    other = tmp_path / "other.model"
    other.write_bytes(safe_format.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ValueError, match="not a hotline_classify model"):
        HotlineClassifier.load(other)
    with pytest.raises(FileNotFoundError):
        HotlineClassifier.load(tmp_path / "missing.model")


@pytest.mark.parametrize("damage", ["cut short", "a byte changed"])
def test_a_damaged_model_file_is_named_damaged_with_no_pickle_hint(small_model, tmp_path, damage):
    path = small_model.save(tmp_path / "m.model")
    data = bytearray(path.read_bytes())
    if damage == "cut short":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x55  # inside the compressed arrays
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged model file") as caught:
        HotlineClassifier.load(path)
    assert "allow_pickle" not in str(caught.value)


def test_a_damaged_cache_file_is_rebuilt(tmp_path, monkeypatch):
    from hotline_classify import persist

    monkeypatch.setenv("HOTLINE_CLASSIFY_CACHE", str(tmp_path))
    built = persist.cached_build("probe", ("complaints.csv",), lambda: {"w": np.arange(5000) % 7})
    (cached,) = tmp_path.glob("probe-*.model")
    original = cached.read_bytes()
    rebuilt = 0
    for at in range(60, len(original), 97):  # headers, compressed data, directory
        damaged = bytearray(original)
        damaged[at] ^= 0x55
        cached.write_bytes(bytes(damaged))
        got = persist.cached_build("probe", ("complaints.csv",), lambda: "rebuilt")
        rebuilt += got == "rebuilt"
        assert got == "rebuilt" or np.array_equal(got["w"], built["w"])
    assert rebuilt > 0


def _rewrite_payload(path, change):
    payload = safe_format.load(path)
    change(payload)
    path.write_bytes(safe_format.dumps(payload))


def test_an_incompatible_version_is_refused(small_model, tmp_path):
    path = small_model.save(tmp_path / "m.model")
    _rewrite_payload(path, lambda p: p.update(format_version=999))
    with pytest.raises(ValueError, match="format 999"):
        HotlineClassifier.load(path)
    _rewrite_payload(path, lambda p: p.update(format_version=1))
    _rewrite_payload(path, lambda p: p["metadata"].update(sklearn_version="0.20.0"))
    with pytest.raises(ValueError, match="scikit-learn 0.20.0"):
        HotlineClassifier.load(path)
    assert safe_format.load(path)["format"] == FORMAT


def test_saving_an_unfitted_model_fails(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        HotlineClassifier().save(tmp_path / "m.model")
    assert not list(tmp_path.iterdir())


def test_fitted_model_pickles(small_model):
    again = pickle.loads(pickle.dumps(small_model))
    np.testing.assert_array_equal(again.predict_proba(TEXTS), small_model.predict_proba(TEXTS))


def test_default_model_is_trained_on_the_corpus_and_cached(default_model, corpus, tmp_path):
    import os

    from hotline_classify.persist import cache_dir

    assert default_model.n_training_rows_ == len(corpus)
    assert HotlineClassifier.default() is default_model
    cached = list(cache_dir().glob("default-*.model"))
    assert len(cached) == 1 and cached[0].parent == cache_dir()
    assert os.environ["HOTLINE_CLASSIFY_CACHE"] == str(cache_dir())
    loaded = HotlineClassifier.load(cached[0])
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), default_model.predict_proba(TEXTS))
