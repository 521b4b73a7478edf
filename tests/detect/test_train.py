"""`salama train` end to end on a small data folder written here: a real fit, a real file."""

import json
from pathlib import Path

from salama.detect.detector import SPECIALIST_LABELS, Detector
from salama.detect.model import LinearModel
from salama.detect.train import train_model

INSULTS = [
    "nta zamel",
    "sir t9awd a 7mar",
    "t'es un bouffon",
    "you idiot",
    "ya kelb",
    "espece de con",
]
KIND = [
    "merci bzaf",
    "bravo khouya",
    "video zwina",
    "thanks a lot",
    "merci beaucoup",
    "great video",
]


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def test_train_writes_a_loadable_calibrated_model(tmp_path: Path) -> None:
    rows = []
    for i in range(60):  # variants so that every split gets both classes
        rows += [{"text": f"{t} {i}", "labels": {"abusive": 1}} for t in INSULTS]
        rows += [{"text": f"{t} {i}", "labels": {"abusive": 0}} for t in KIND]
    _write(tmp_path / "data" / "train" / "toy.jsonl", rows)
    _write(
        tmp_path / "data" / "train" / "toy_harm.jsonl",
        [{"text": f"bghit nmout {i}", "labels": {"self_harm": 1}} for i in range(40)]
        + [{"text": f"bghit nakoul {i}", "labels": {"self_harm": 0}} for i in range(40)],
    )
    manifest_path = train_model(
        data_dir=tmp_path / "data", out_dir=tmp_path / "model", log=lambda _: None
    )
    manifest = json.loads(manifest_path.read_text())
    assert manifest["training"]["rows"]["train"] > 100
    assert "insult" in manifest["category_thresholds"]
    model = LinearModel.load(manifest_path)
    probs = model.predict_proba(["nta zamel 999", "merci bzaf 999"])
    abusive = model.labels.index("abusive")
    assert probs[0, abusive] > probs[1, abusive]
    verdicts = Detector(model=model).check_batch(["sir t9awd a 7mar 7", "bravo khouya 7"])
    assert verdicts[0].score("abusive") > verdicts[1].score("abusive")


def test_train_fits_the_darija_specialist_when_the_data_has_both_dialects(tmp_path: Path) -> None:
    ary_bad, ary_good = ["nta zamel", "sir t9awd a 7mar", "wa l7mar"], ["merci bzaf", "zwin bzaf"]
    ar_bad, ar_good = ["انت غبي جدا", "يا حمار"], ["شكرا جزيلا", "مقطع رائع"]
    rows: list[dict[str, object]] = []
    for i in range(60):
        rows += [{"text": f"{t} {i}", "lang": "ary", "labels": {"abusive": 1}} for t in ary_bad]
        rows += [{"text": f"{t} {i}", "lang": "ary", "labels": {"abusive": 0}} for t in ary_good]
        rows += [{"text": f"{t} {i}", "lang": "ar", "labels": {"abusive": 1}} for t in ar_bad]
        rows += [{"text": f"{t} {i}", "lang": "ar", "labels": {"abusive": 0}} for t in ar_good]
    _write(tmp_path / "data" / "train" / "dialects.jsonl", rows)
    manifest_path = train_model(
        data_dir=tmp_path / "data", out_dir=tmp_path / "model", log=lambda _: None
    )
    model = LinearModel.load(manifest_path)
    assert set(SPECIALIST_LABELS) <= set(model.labels)
    probs = model.predict_proba(["zwin bzaf 999", "مقطع رائع 999", "nta zamel 999"])
    darija, abusive_ary = model.labels.index("darija"), model.labels.index("abusive_ary")
    assert probs[0, darija] > probs[1, darija]  # Darija reads as Darija, MSA does not
    assert probs[2, abusive_ary] > probs[0, abusive_ary]
    report = json.loads(manifest_path.read_text())["training"]["labels"]
    assert set(SPECIALIST_LABELS) <= set(report)
