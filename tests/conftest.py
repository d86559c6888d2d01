import os
import random

import pytest

from hotline_classify.datasets import load_corpus


@pytest.fixture(scope="session", autouse=True)
def _private_model_cache(tmp_path_factory):
    """Keep the default model's disk cache out of the user's home during tests."""
    old = os.environ.get("HOTLINE_CLASSIFY_CACHE")
    os.environ["HOTLINE_CLASSIFY_CACHE"] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if old is None:
        os.environ.pop("HOTLINE_CLASSIFY_CACHE", None)
    else:
        os.environ["HOTLINE_CLASSIFY_CACHE"] = old


@pytest.fixture(scope="session")
def corpus():
    return load_corpus()


@pytest.fixture(scope="session")
def small_corpus(corpus):
    """A stratified sample of the bundled corpus: 60 rows per category."""
    rng = random.Random(7)
    by_cat = {}
    for i, c in enumerate(corpus.categories):
        by_cat.setdefault(c, []).append(i)
    idx = sorted(j for rows in by_cat.values() for j in rng.sample(rows, 60))
    return (
        [corpus.texts[i] for i in idx],
        [corpus.hotlines[i] for i in idx],
        [corpus.categories[i] for i in idx],
    )


@pytest.fixture(scope="session")
def small_model(small_corpus):
    from hotline_classify import HotlineClassifier

    texts, hotlines, categories = small_corpus
    return HotlineClassifier().fit(texts, hotlines, categories)


@pytest.fixture(scope="session")
def default_model():
    from hotline_classify import HotlineClassifier

    return HotlineClassifier.default()
