import re

import pytest

from salama.errors import InputError
from salama.support.messages import LANGUAGES, MESSAGES, SITUATIONS, support_message

# Method and means words must never appear in a support text (safe-messaging guidance).
DENYLIST_LATIN = [
    "pill", "pills", "rope", "jump", "jumping", "bridge", "overdose", "knife", "blade", "cut",
    "cutting", "hang", "poison", "comprimé", "comprimés", "médicament", "médicaments", "corde",
    "sauter", "pont", "couteau", "lame", "pendre", "poison", "method", "méthode",
]  # fmt: skip
DENYLIST_ARABIC = [
    "حبوب",
    "حبل",
    "نقفز",
    "قفز",
    "جسر",
    "قنطرة",
    "سكين",
    "شفرة",
    "سم",
    "دوا",
    "دواء",
]
# Blame, lecturing and clinical words that push people away
DENYLIST_TONE = ["selfish", "égoïste", "sin", "péché", "حرام", "أناني", "commit", "disorder"]

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def arabic_words(text: str) -> set[str]:
    # an Arabic word may carry one-letter proclitics (و ف ب ل ك) and the article: strip them
    found = set()
    for w in words(text):
        found.add(w)
        for prefix in ("وال", "فال", "بال", "ال", "و", "ف", "ب", "ل", "ك"):
            if w.startswith(prefix) and len(w) > len(prefix) + 1:
                found.add(w[len(prefix) :])
    return found


@pytest.mark.parametrize("situation", SITUATIONS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_situation_has_a_text_in_every_language(situation: str, language: str) -> None:
    assert (situation, language) in MESSAGES
    message = support_message(situation, language)
    assert message.language == language
    assert message.title.strip() and message.body.strip()
    sentences = [s for s in re.split(r"[.!?؟]+", message.body) if s.strip()]
    assert 2 <= len(sentences) <= 4, sentences


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_no_method_words(key: tuple[str, str]) -> None:
    title, body = MESSAGES[key]
    text = f"{title} {body}"
    latin = words(text)
    arabic = arabic_words(text)
    for word in DENYLIST_LATIN + DENYLIST_TONE:
        assert word not in latin, (key, word)
    for word in DENYLIST_ARABIC:
        assert word not in arabic, (key, word)


def test_denylist_check_would_catch_a_method_word() -> None:
    assert "pills" in words("Take the pills.")
    assert "حبوب" in arabic_words("والحبوب")
    assert "corde" in words("une Corde")


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_person_says_you_are_not_alone(language: str) -> None:
    text = " ".join(MESSAGES[("first_person", language)])
    marker = {"en": "not alone", "fr": "pas seul", "ar": "لست وحدك", "ary": "ماشي بوحدك"}
    assert marker[language] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_and_first_person_texts_point_to_the_lines(language: str) -> None:
    below = {"en": "below", "fr": "ci-dessous", "ar": "أدناه", "ary": "لتحت"}[language]
    for situation in SITUATIONS:
        assert below in MESSAGES[(situation, language)][1], situation


def test_arabic_texts_are_right_to_left() -> None:
    assert support_message("search", "ary").direction == "rtl"
    assert support_message("search", "ar").direction == "rtl"
    assert support_message("search", "fr").direction == "ltr"


@pytest.mark.parametrize(
    ("asked", "got"),
    [
        ("ary", "ary"),
        ("ary_latn", "ary"),
        ("ar-MA", "ar"),
        ("arz", "ar"),
        ("aeb", "ar"),
        ("FR", "fr"),
        ("fr-BE", "fr"),
        ("en", "en"),
        ("nl", "en"),
        ("und", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_language_fallback(asked: str | None, got: str) -> None:
    assert support_message("first_person", asked).language == got


def test_fallback_chain_follows_ary_ar_fr_en(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = dict(MESSAGES)
    del texts[("search", "ary")]
    del texts[("search", "ar")]
    monkeypatch.setattr("salama.support.messages.MESSAGES", texts)
    assert support_message("search", "ary").language == "fr"
    del texts[("search", "fr")]
    assert support_message("search", "ary").language == "en"


def test_unknown_situation_is_refused() -> None:
    with pytest.raises(InputError):
        support_message("news", "en")
