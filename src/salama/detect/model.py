"""The learned classifier: a multi-label linear model over hashed n-grams, shipped as a file.

The artifact is two files side by side in ``salama/detect/models/``:
- ``NAME.npz``: ``weights`` (N_BUCKETS x labels, float16), ``idf`` (N_BUCKETS, float16), ``bias``,
  and the Platt calibration ``calib_a`` / ``calib_b`` per label;
- ``NAME.json``: the manifest: version, labels, the SHA-256 of the ``.npz``, the thresholds chosen
  on the validation split, and the training manifest (sources, rows, split, parameters, scores).

Loading verifies the hash, needs no network, and keeps the weights as float32 in memory (~25 MB).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from salama.detect.features import N_BUCKETS, Occurrences, c_hasher, occurrences
from salama.errors import ModelError

if TYPE_CHECKING:
    from salama.detect._ngrams import Hasher

__all__ = ["DEFAULT_MODEL", "LinearModel", "load_default_model"]

DEFAULT_MODEL = "salama-linear-v1"

F32 = npt.NDArray[np.float32]
_FIRST = np.zeros(1, dtype=np.intp)


@dataclass(frozen=True)
class LinearModel:
    """Weights, calibration and manifest of one trained model."""

    labels: tuple[str, ...]
    weights: F32  # (N_BUCKETS, len(labels))
    idf: F32  # (N_BUCKETS,)
    bias: F32  # (len(labels),)
    calib_a: F32  # calibrated p = sigmoid(a * z + b), z = raw decision value
    calib_b: F32
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Name, training date and the first 8 hex digits of the weights file's hash: two
        models trained the same day are told apart in every verdict and stored decision."""
        base = str(self.manifest.get("version", "unversioned"))
        digest = self.manifest.get("sha256")
        return f"{base}.{digest[:8]}" if isinstance(digest, str) and digest else base

    @property
    def thresholds(self) -> dict[str, float]:
        raw = self.manifest.get("thresholds", {})
        return {str(k): float(v) for k, v in raw.items()}

    @cached_property
    def _table(self) -> F32:
        """Per bucket: idf-scaled weight of every label, then idf squared (for the norm).

        One row per bucket holds all a feature occurrence needs, so scoring costs one random
        memory access per occurrence instead of one per array."""
        table = np.empty((N_BUCKETS, len(self.labels) + 1), dtype=np.float32)
        table[:, :-1] = self.weights * self.idf[:, None]
        table[:, -1] = self.idf * self.idf
        return table

    def decision(self, occ: Occurrences) -> F32:
        """Raw decision values (n_docs x labels) for pre-hashed occurrences."""
        n_labels = len(self.labels)
        if occ.docs.size == 0:
            return np.tile(self.bias, (occ.n_docs, 1)).astype(np.float32)
        if occ.n_docs == 1:  # one text (an API check): one segment, already in order
            one: F32 = np.add.reduceat(self._table[occ.buckets], _FIRST, axis=0)
            one_norm = np.sqrt(np.maximum(one[:, n_labels], 1e-12))
            single: F32 = (one[:, :n_labels] / one_norm[:, None]).astype(np.float32)
            single += self.bias
            return single
        # Occurrences come in a few runs each sorted by text, so a stable sort is nearly linear;
        # sorted by text, one reduceat sums every text's rows at once.
        order = np.argsort(occ.docs, kind="stable")
        docs = occ.docs[order]
        rows = self._table[occ.buckets[order]]
        starts = np.searchsorted(docs, np.arange(occ.n_docs))
        filled = np.diff(np.append(starts, docs.size)) > 0
        sums = np.zeros((occ.n_docs, n_labels + 1), dtype=np.float32)
        # segments between the starts of texts that have features are exactly those texts
        sums[filled] = np.add.reduceat(rows, starts[filled], axis=0)
        norm = np.sqrt(np.maximum(sums[:, n_labels], 1e-12))
        out: F32 = (sums[:, :n_labels] / norm[:, None]).astype(np.float32)
        out += self.bias
        return out

    @cached_property
    def _hasher(self) -> Hasher | None:
        return c_hasher()

    def decision_of(self, model_views: Sequence[str]) -> F32:
        """Raw decision values (n x labels) of texts already turned into model views: by the C
        extension where it is built (one pass a text, no arrays in between), otherwise by
        ``decision(occurrences(...))``; the two agree (tests/detect/test_ngrams_ext.py)."""
        hasher = self._hasher
        if hasher is None:
            return self.decision(occurrences(model_views))
        texts = list(model_views)  # the extension takes a list
        n_labels = len(self.labels)
        sums = np.empty((len(texts), n_labels + 1), dtype=np.float32)
        hasher.sums(texts, self._table, sums)
        norm = np.sqrt(np.maximum(sums[:, n_labels], 1e-12))
        out: F32 = (sums[:, :n_labels] / norm[:, None]).astype(np.float32, copy=False)
        out += self.bias
        return out

    def predict_proba(self, model_views: Sequence[str]) -> F32:
        """Calibrated probabilities (n x labels) for texts already turned into model views."""
        z = self.decision_of(model_views)
        with np.errstate(over="ignore"):  # exp(large) is inf: p is 0, as it should be
            p: F32 = (1.0 / (1.0 + np.exp(-(z * self.calib_a + self.calib_b)))).astype(np.float32)
        return p

    def save(self, directory: Path, name: str) -> Path:
        """Write NAME.npz and NAME.json; returns the manifest path."""
        directory.mkdir(parents=True, exist_ok=True)
        npz = directory / f"{name}.npz"
        np.savez_compressed(
            npz,
            weights=self.weights.astype(np.float16),
            idf=self.idf.astype(np.float16),
            bias=self.bias,
            calib_a=self.calib_a,
            calib_b=self.calib_b,
        )
        manifest = dict(self.manifest)
        manifest.update(
            {
                "name": name,
                "labels": list(self.labels),
                "n_buckets": N_BUCKETS,
                "sha256": hashlib.sha256(npz.read_bytes()).hexdigest(),
            }
        )
        path = directory / f"{name}.json"
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return path

    @classmethod
    def load(cls, manifest_path: Path) -> LinearModel:
        """Load and verify a model; raises ModelError when missing, corrupt or mismatched."""
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
            npz_path = manifest_path.with_suffix(".npz")
            blob = npz_path.read_bytes()
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot read model {manifest_path}: {exc}") from exc
        digest = hashlib.sha256(blob).hexdigest()
        if digest != manifest.get("sha256"):
            raise ModelError(
                f"model file {npz_path.name} does not match its manifest hash",
                details={"expected": manifest.get("sha256"), "found": digest},
            )
        if manifest.get("n_buckets") != N_BUCKETS:
            raise ModelError("model was trained with another feature size")
        with np.load(npz_path) as data:
            model = cls(
                labels=tuple(manifest["labels"]),
                weights=data["weights"].astype(np.float32),
                idf=data["idf"].astype(np.float32),
                bias=data["bias"].astype(np.float32),
                calib_a=data["calib_a"].astype(np.float32),
                calib_b=data["calib_b"].astype(np.float32),
                manifest=manifest,
            )
        if model.weights.shape != (N_BUCKETS, len(model.labels)):
            raise ModelError("model weights have the wrong shape")
        return model


def load_default_model(name: str = DEFAULT_MODEL) -> LinearModel:
    """Load the model shipped inside the package."""
    ref = resources.files("salama.detect") / "models" / f"{name}.json"
    with resources.as_file(ref) as path:
        if not path.exists():
            raise ModelError(f"shipped model {name} not found; run `salama train`")
        return LinearModel.load(path)
