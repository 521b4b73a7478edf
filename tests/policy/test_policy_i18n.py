"""The message catalogue: every text in ar, fr and en; every key a policy names exists."""

from __future__ import annotations

import pytest

from salama.policy import ACTIONS, i18n, load_default_policy

CATALOGUES = {
    "REASONS": i18n.REASONS,
    "ACTION_LABELS": i18n.ACTION_LABELS,
    "PROMPTS": i18n.PROMPTS,
    "WITHHELD": {"": i18n.WITHHELD},
    "REVIEW": {"": i18n.REVIEW},
}


@pytest.mark.parametrize("name", sorted(CATALOGUES))
def test_every_key_has_arabic_french_and_english(name: str) -> None:
    for key, texts in CATALOGUES[name].items():
        assert set(i18n.LANGS) <= set(texts), (name, key)
        assert set(texts) <= set(i18n.LANGS) | set(i18n.OPTIONAL_LANGS), (name, key)
        for lang, text in texts.items():
            assert text.strip() == text and text, (name, key, lang)
            arabic = any("\u0600" <= c <= "\u06ff" for c in text)
            assert arabic == (lang in ("ar", "ary")), (name, key, lang)


def test_every_action_has_a_label() -> None:
    assert set(i18n.ACTION_LABELS) == set(ACTIONS)


def test_every_shipped_reason_and_owner_reason_exists() -> None:
    used = {r.reason for r in load_default_policy().rules}
    owner = {
        "owner_keyword",
        "owner_filter_all",
        "owner_comments_off",
        "owner_comments_followers",
        "owner_messages_off",
        "owner_messages_followers",
    }
    assert used | owner <= set(i18n.REASONS)


def test_pick_falls_back() -> None:
    texts = {"ar": "ع", "fr": "f", "en": "e"}
    assert i18n.pick(texts, "ary") == "ع"
    assert i18n.pick(texts, "fr") == "f"
    assert i18n.pick(texts, "de") == "e"


def test_prompts() -> None:
    assert i18n.prompt_for("insult", "comment")["en"] == (
        "This comment may hurt someone. Do you want to rethink it?"
    )
    assert i18n.prompt_for("profanity", "dm")["fr"].startswith("Ce message contient")
    assert i18n.prompt_for("hate", "post") == i18n.PROMPTS["hurt"]
    assert i18n.prompt_for("sexual", "comment") == i18n.PROMPTS["default"]
    assert i18n.prompt_for(None, "bio") == i18n.PROMPTS["default"]
