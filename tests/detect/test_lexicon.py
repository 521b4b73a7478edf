from pathlib import Path

import pytest

from salama.detect.lexicon import (
    Entry,
    Lexicon,
    load_default_lexicon,
    parse_lexicon,
    term_variants,
)
from salama.errors import LexiconError
from salama.text import normalize


def _lex(*entries: tuple[str, str, str, int], allow: tuple[str, ...] = ()) -> Lexicon:
    return Lexicon(
        [Entry(t, lang, cat, sev, "", f"t:{i}") for i, (t, lang, cat, sev) in enumerate(entries)],
        [Entry(a, "any", "allow", 0, "", "a") for a in allow],
    )


def _terms(lex: Lexicon, text: str) -> list[str]:
    return [h.entry.term for h in lex.match(normalize(text))]


def test_errors_are_reported_at_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "xx.tsv"
    bad.write_text(
        "term\tlang\tcategory\tseverity\tnotes\n"
        "ok\ten\tinsult\t2\tfine\n"
        "bad\tzz\tinsult\t2\tunknown lang\n"
        "# a comment\n"
        "worse\ten\tinsult\t9\tbad severity\n"
        "short\ten\n",
        "utf-8",
    )
    with pytest.raises(LexiconError) as err:
        parse_lexicon(bad)
    errors = err.value.details["errors"]
    assert [e.split(":")[1] for e in errors] == ["3", "5", "6"]


def test_word_boundaries_and_prefix() -> None:
    lex = _lex(("con", "fr", "insult", 1), ("encul*", "fr", "insult", 3))
    assert _terms(lex, "quel con") == ["con"]
    assert _terms(lex, "contre toi") == []
    assert _terms(lex, "enculé va") == ["encul*"]


def test_spelling_games_are_undone() -> None:
    lex = _lex(("bitch", "en", "insult", 2))
    for text in ["you b!tch", "you BIIIITCH", "you bіtch", "you b i t c h"]:
        assert _terms(lex, text) == ["bitch"], text


def test_arabic_clitics_and_arabizi_skeleton() -> None:
    lex = _lex(("حمار", "ary", "insult", 1))
    assert _terms(lex, "نتا والحمار") == ["حمار"]
    assert _terms(lex, "nta 7mar") == ["حمار"]
    assert _terms(lex, "زحمار") == []  # a letter before it that is no clitic: another word


def test_allow_list_suppresses_inner_hits() -> None:
    lex = _lex(("cock", "en", "profanity", 2), allow=("cockburn",))
    assert _terms(lex, "Cockburn street") == []
    assert _terms(lex, "cock") == ["cock"]


def test_spans_point_into_the_original_text() -> None:
    lex = _lex(("zamel", "ary_latn", "insult", 2))
    text = "ya ZAAAAMEL!!"
    hit = lex.match(normalize(text))[0]
    start, end = hit.original()
    assert text[start:end].lower() == "zaaaamel"


def test_shipped_lexicons_parse_and_cover_every_language() -> None:
    lex = load_default_lexicon()
    langs = {e.lang for e in lex.entries}
    assert {"ary", "ary_latn", "ar", "fr", "en"} <= langs
    cats = {e.category for e in lex.entries}
    assert {"insult", "hate", "threat", "sexual", "self_harm", "profanity"} <= cats
    assert any(e.category.startswith("grooming_") for e in lex.entries)
    assert lex.allow


def test_a_second_person_phrase_matches_with_other_frames_and_intensifiers() -> None:
    entry = Entry("t'es un raté", "fr", "insult", 2, "", "fr.tsv:1")
    variants = term_variants(entry)
    assert "tu es un raté" in variants
    assert "t'es vraiment un raté" in variants and "tu es trop un raté" in variants
    assert "t'es un raté" not in variants  # the entry itself is matched as written
    lexicon = Lexicon([entry])
    for text in ("t'es vraiment un raté", "tu es tellement un raté", "T'ES TROP UN RATÉ"):
        assert [h.entry.term for h in lexicon.scan(normalize(text))[0]] == [entry.term], text
    assert lexicon.scan(normalize("t'es pas vraiment là ce soir"))[0] == []
    # an English one: an intensifier after the frame, or a stronger form of the article
    loser = Entry("you're a loser", "en", "insult", 2, "", "en.tsv:1")
    assert {"you're such a loser", "ur really a loser", "you are a real loser"} <= set(
        term_variants(loser)
    )
    assert "you're a real a loser" not in term_variants(loser)  # an article form replaces "a"
    hits = Lexicon([loser]).scan(normalize("ur such a loser lol"))[0]
    assert [h.entry.term for h in hits] == ["you're a loser"]


def test_a_hyphenated_phrase_matches_with_a_space() -> None:
    entry = Entry("tue-toi", "fr", "insult", 3, "", "fr.tsv:1")
    assert term_variants(entry) == ["tue toi"]
    lexicon = Lexicon([entry])
    assert [h.entry.term for h in lexicon.scan(normalize("tue toi stp"))[0]] == ["tue-toi"]
    assert [h.entry.term for h in lexicon.scan(normalize("tue-toi"))[0]] == ["tue-toi"]


def test_a_variant_never_takes_the_place_of_a_written_entry() -> None:
    written = Entry("t'es trop laid", "fr", "insult", 2, "", "fr.tsv:2")
    short = Entry("t'es laid", "fr", "insult", 1, "", "fr.tsv:1")
    hits = Lexicon([short, written]).scan(normalize("t'es trop laid"))[0]
    assert [h.entry.term for h in hits] == ["t'es trop laid"]  # not also "t'es laid" (variant)
