import json
from pathlib import Path

import numpy as np
import pytest

from salama.detect.features import N_BUCKETS
from salama.detect.model import LinearModel, load_default_model
from salama.errors import ModelError


def _tiny_model() -> LinearModel:
    rng = np.random.default_rng(0)
    return LinearModel(
        labels=("abusive", "hate"),
        weights=rng.normal(size=(N_BUCKETS, 2)).astype(np.float32),
        idf=np.ones(N_BUCKETS, dtype=np.float32),
        bias=np.array([0.1, -0.2], dtype=np.float32),
        calib_a=np.array([1.0, 2.0], dtype=np.float32),
        calib_b=np.array([0.0, -1.0], dtype=np.float32),
        manifest={"version": "test-1", "thresholds": {"abusive": 0.4}},
    )


def test_save_load_round_trip(tmp_path: Path) -> None:
    model = _tiny_model()
    path = model.save(tmp_path, "tiny")
    loaded = LinearModel.load(path)
    assert loaded.labels == ("abusive", "hate")
    assert loaded.thresholds == {"abusive": 0.4}
    texts = ["wa7ed zamel", "bonjour", ""]
    # weights travel as float16: probabilities agree to float16 precision
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), atol=2e-3)
    manifest = json.loads(path.read_text())
    assert len(manifest["sha256"]) == 64


def test_batch_equals_single() -> None:
    model = _tiny_model()
    texts = ["nta 7mar", "merci", "I will find you"]
    batch = model.predict_proba(texts)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(batch[i], model.predict_proba([text])[0], rtol=1e-5)


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    path = _tiny_model().save(tmp_path, "tiny")
    npz = path.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes() + b"x")
    with pytest.raises(ModelError, match="hash"):
        LinearModel.load(path)


def test_missing_file_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        LinearModel.load(tmp_path / "nope.json")


def test_shipped_model_loads_offline_and_describes_itself() -> None:
    model = load_default_model()
    assert set(model.labels) == {
        "abusive", "hate", "threat", "profanity", "self_harm", "abusive_ary", "darija"
    }  # fmt: skip
    assert model.manifest["training"]["rows"]["train"] > 10_000
    assert set(model.thresholds) == set(model.labels)


def test_one_text_scores_as_in_a_batch() -> None:
    """One text (an API check) takes a shorter path through ``decision``; its scores are the
    very same floats as that text's row in a batch."""
    from salama.detect.features import occurrences

    model = _tiny_model()
    texts = ["wach nta mkalakh", "ما تخافش", "", "t'es nul", "a b c d e f g"]
    batch = model.decision(occurrences(texts))
    for k, text in enumerate(texts):
        one = model.decision(occurrences([text]))
        assert one.dtype == np.float32 and one.shape == (1, 2)
        assert np.array_equal(one[0], batch[k])
