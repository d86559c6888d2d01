"""Model files cannot run code: the safe format, the allow-list and the pickle opt-in."""

import io
import json
import pickle

import joblib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_classify import HotlineClassifier, safe_format
from hotline_classify.persist import FORMAT, FORMAT_VERSION, load_model, read_metadata
from hotline_classify.safe_format import DamagedModelError, UnsafeModelError, is_trusted_type

TEXTS = ["商家拒绝退款", "小区停水三天"]


class _CreatesAFile:
    """Unpickling this runs ``open(path, 'w')``: a stand-in for any code a pickle can run."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def _crafted_pickle(folder, wrap_as_model: bool):
    marker = folder / "pwned.txt"
    evil = _CreatesAFile(marker)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": {}, "model": evil}
    path = folder / "evil.joblib"
    with open(path, "wb") as f:
        pickle.dump(payload if wrap_as_model else evil, f)
    return path, marker


@pytest.mark.parametrize("wrap_as_model", [True, False])
def test_a_crafted_pickle_is_refused_and_runs_nothing(tmp_path, wrap_as_model):
    path, marker = _crafted_pickle(tmp_path, wrap_as_model)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        HotlineClassifier.load(path)
    with pytest.raises(ValueError, match="allow_pickle=True"):
        read_metadata(path)
    assert not marker.exists()


def test_the_crafted_pickle_really_runs_code_when_unpickled(tmp_path):
    """The test above is meaningful: the same file does create the file once unpickled."""
    path, marker = _crafted_pickle(tmp_path, wrap_as_model=False)
    with open(path, "rb") as f:
        pickle.load(f).close()
    assert marker.exists()


def test_a_legacy_joblib_model_loads_only_with_the_opt_in(small_model, tmp_path):
    path = tmp_path / "old.joblib"
    joblib.dump(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "metadata": safe_format.load(small_model.save(tmp_path / "m.model"))["metadata"],
            "model": small_model,
        },
        path,
    )
    with pytest.raises(ValueError, match="allow_pickle"):
        load_model(path)
    old = HotlineClassifier.load(path, allow_pickle=True)
    np.testing.assert_array_equal(old.predict_proba(TEXTS), small_model.predict_proba(TEXTS))


def _npz_file(path, tree_json: bytes, **arrays):
    buf = io.BytesIO()
    np.savez(buf, **{safe_format.TREE_KEY: np.frombuffer(tree_json, dtype=np.uint8)}, **arrays)
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize(
    "tree",
    [
        {"$object": "subprocess.Popen", "state": {"$dict": {}}},
        {"$type": "os.system"},
        {"$type": "hotline_classify.persist.os"},  # a module imported into our namespace
        {"$type": "hotline_classify.cli.main"},  # a function of ours
        {"$type": "sklearn.base.clone"},
        {"$scalar": "builtins.eval", "value": "1"},
        {"$dict": {"model": {"$object": "pathlib.Path", "state": {"$dict": {}}}}},
    ],
)
def test_a_safe_format_file_naming_an_untrusted_type_is_refused(tmp_path, tree):
    path = _npz_file(tmp_path / "x.model", json.dumps(tree).encode())
    with pytest.raises(UnsafeModelError, match="not trusted"):
        safe_format.load(path)
    with pytest.raises(ValueError, match="not trusted"):
        load_model(path)


def test_object_arrays_inside_the_zip_are_never_unpickled(tmp_path):
    evil = np.array([_CreatesAFile(tmp_path / "pwned.txt")], dtype=object)
    path = _npz_file(tmp_path / "x.model", b'{"$array": 0}', a0=evil)
    with pytest.raises(UnsafeModelError):
        safe_format.load(path)
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize(
    "name, trusted",
    [
        ("hotline_classify.model.HotlineClassifier", True),
        ("hotline_classify.segment.JiebaSegmenter", True),
        ("sklearn.pipeline.FeatureUnion", True),
        ("sklearn.calibration._CalibratedClassifier", True),
        ("numpy.float64", True),
        ("hotline_classify.model.LogisticRegression", False),  # imported, not defined there
        ("builtins.open", False),
        ("numpy.load", False),
        ("nonexistent.module.Thing", False),
    ],
)
def test_the_allow_list(name, trusted):
    assert is_trusted_type(name) is trusted


def test_plain_data_round_trips_exactly():
    value = {
        "none": None,
        "flags": [True, False],
        "tuple": (1, 2.5, "三"),
        "set": {"a", "b"},
        "frozen": frozenset({3}),
        "int_keys": {1: "x", (2, 3): "y"},
        "floats": np.linspace(0, 1, 7, dtype=np.float32),
        "matrix": np.arange(6, dtype=np.int64).reshape(2, 3),
        "labels": np.array(["12315", "12345"], dtype=object),
        "mixed": np.array(["a", None, 3], dtype=object),
        "scalar": np.float64(0.1) / 3,
        "dtype": np.dtype("float32"),
        "type": np.float32,
        "nan": float("nan"),
    }
    back = safe_format.loads(safe_format.dumps(value))
    assert back.keys() == value.keys()
    for key in ("none", "flags", "tuple", "set", "frozen", "int_keys", "dtype", "type"):
        assert back[key] == value[key] and type(back[key]) is type(value[key])
    for key in ("floats", "matrix", "labels", "mixed"):
        assert back[key].dtype == value[key].dtype
        np.testing.assert_array_equal(back[key], value[key])
    assert back["scalar"] == value["scalar"] and type(back["scalar"]) is np.float64
    assert np.isnan(back["nan"])


def test_an_object_without_state_round_trips():
    from hotline_classify.features import LeadSentence

    back = safe_format.loads(safe_format.dumps([LeadSentence()]))
    assert type(back[0]) is LeadSentence and back[0]("退款难。详情") == "退款难"


def test_saving_something_a_file_may_not_carry_fails_before_writing(small_corpus, tmp_path):
    texts, hotlines, _ = small_corpus
    model = HotlineClassifier(char_ngram_range=None, segmenter=lambda t: list(t))
    model.fit(texts, hotlines)
    with pytest.raises(TypeError, match="cannot save"):
        model.save(tmp_path / "m.model")
    assert not list(tmp_path.iterdir())


def test_the_format_does_not_depend_on_todays_attributes(small_model, tmp_path):
    """Whatever a fitted model holds goes through, e.g. a new learned attribute."""
    import copy

    model = copy.deepcopy(small_model)
    model.extra_table_ = {"weights": np.ones(3), "names": ("a", "b")}
    loaded = HotlineClassifier.load(model.save(tmp_path / "m.model"))
    np.testing.assert_array_equal(loaded.extra_table_["weights"], np.ones(3))
    assert loaded.extra_table_["names"] == ("a", "b")


def test_a_saved_model_is_a_zip_of_json_and_arrays(small_model, tmp_path):
    import zipfile

    path = small_model.save(tmp_path / "m.model")
    names = zipfile.ZipFile(path).namelist()
    assert f"{safe_format.TREE_KEY}.npy" in names
    with np.load(path, allow_pickle=False) as arrays:
        for name in arrays.files:
            assert arrays[name].dtype != object
    assert io.BytesIO(path.read_bytes()).read(2) == b"PK"


TAGS = ["$dict", "$items", "$tuple", "$set", "$frozenset", "$array", "$objarray", "$scalar"]
TAGS += ["$dtype", "$type", "$object", "state", "shape", "object", "value", "x"]
JSON_TREES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["numpy.float64", "builtins.eval", "os.system", "<f8", "a0"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(TAGS), inner, max_size=3)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON_TREES)
def test_any_tree_loads_or_is_refused_with_unsafe_model_error(tree):
    data = io.BytesIO()
    np.savez(
        data,
        **{safe_format.TREE_KEY: np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)},
        a0=np.arange(3),
    )
    try:
        safe_format.loads(data.getvalue())
    except UnsafeModelError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_as_unsafe_or_damaged(raw):
    with pytest.raises((UnsafeModelError, DamagedModelError)):
        safe_format.loads(b"PK\x03\x04" + raw)
