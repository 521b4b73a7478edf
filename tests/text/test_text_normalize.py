import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from salama.errors import InputError
from salama.text import MAX_CHARS, Normalized, View, model_view, normalize


def views(text: str) -> tuple[str, str, str]:
    base, latin, arabizi = (v.text for v in normalize(text).views)
    return base, latin, arabizi


def base(text: str) -> str:
    return normalize(text).view("base").text


def latin(text: str) -> str:
    return normalize(text).view("latin").text


def arabizi(text: str) -> str:
    return normalize(text).view("arabizi").text


def original_of(norm: Normalized, view: str, needle: str, occurrence: int = 0) -> str:
    """The original characters behind ``needle`` found in ``view``."""
    v = norm.view(view)
    start = -1
    for _ in range(occurrence + 1):
        start = v.text.index(needle, start + 1)
    s, e = v.to_original(start, start + len(needle))
    return norm.original[s:e]


# --- base view ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ﬁne", "fine"),  # NFKC ligature
        ("Ｈｅｌｌｏ", "hello"),  # fullwidth
        ("𝐟𝐮𝐜𝐤", "fuck"),  # mathematical bold
        ("①②", "12"),
        ("ꜰᴜᴄᴋ", "fuck"),  # small capitals
        ("ﻻ", "لا"),  # Arabic presentation-form ligature
        ("ﷺ", "صلي الله عليه وسلم"),
    ],
)
def test_nfkc(text: str, expected: str) -> None:
    assert base(text) == expected


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("f\u200bu\u200cc\u200dk", "fuck", 3),  # zero-width space, non-joiner, joiner
        ("x\u00ady", "xy", 1),  # soft hyphen
        ("\ufeffhi", "hi", 1),  # byte-order mark
        ("a\u2060b\u2061c", "abc", 2),  # word joiner, invisible operator
        ("k\x00i\x01l", "kil", 2),  # control characters
        ("a\U000e0041b", "ab", 1),  # tag character
        ("s\u180ee", "se", 1),  # Mongolian vowel separator
        ("👍\ufe0f", "👍", 0),  # emoji presentation selector: removed, not counted
        ("👨\u200d👩\u200d👧", "👨👩👧", 0),  # a joined emoji family is not evasion
        ("plain text", "plain text", 0),
    ],
)
def test_invisible_characters_are_removed_and_counted(text: str, expected: str, count: int) -> None:
    norm = normalize(text)
    assert norm.view("base").text == expected
    assert norm.invisible == count


@pytest.mark.parametrize(
    "char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"]
)
def test_bidi_controls_are_flagged_removed_and_counted(char: str) -> None:
    norm = normalize(f"abc{char}def")
    assert norm.bidi_override
    assert norm.invisible == 1
    assert norm.view("base").text == "abcdef"


def test_no_bidi_flag_for_marks_that_are_not_overrides() -> None:
    norm = normalize("abc\u200fdef")  # right-to-left mark: invisible, not an override
    assert not norm.bidi_override
    assert norm.invisible == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HELLO World", "hello world"),
        ("Straße", "strasse"),
        ("é è ê ë à â ç ï î ô ù û ü", "e e e e a a c i i o u u u"),
        ("Élève prêt à l’été, garçon", "eleve pret a l’ete, garcon"),
        ("Œuvre Æther", "oeuvre aether"),
        ("Ø ł đ", "o l d"),
        ("e\u0301te\u0301", "ete"),  # decomposed accents
        ("z\u0336a\u0335l\u0337g\u0338o", "zalgo"),  # stacked combining marks
    ],
)
def test_case_and_latin_accents(text: str, expected: str) -> None:
    assert base(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("مُحَمَّد", "محمد"),  # harakat and shadda
        ("ٱلْحَمْدُ", "الحمد"),  # wasla and sukun
        ("رَحْمٰن", "رحمن"),  # superscript alif
        ("كـــلب", "كلب"),  # tatweel
        ("أحمد إسلام آمن", "احمد اسلام امن"),
        ("على", "علي"),
        ("قحبة", "قحبه"),
        ("مؤمن", "مومن"),
        ("سائل", "سايل"),
        ("کتاب یا ھذا", "كتاب يا هذا"),  # Persian and Urdu look-alikes
        ("ݣال ڤيديو", "كال فيديو"),  # Moroccan g, Maghrebi v
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۱۲۳", "123"),
    ],
)
def test_arabic_folding(text: str, expected: str) -> None:
    assert base(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("сhіen", "chien"),  # Cyrillic с and і inside a Latin word
        ("bіtch", "bitch"),
        ("раураl", "paypal"),  # every letter a Cyrillic look-alike
        ("ѕех", "sex"),
        ("fυck", "fuck"),  # Greek upsilon
        ("ΚΙΛΛ", "κιλλ"),  # real Greek letters (λ has no look-alike): only case-folded
        ("привет мир", "привет мир"),  # real Russian is left alone
        ("добрый день", "добрый день"),
        ("мама", "mama"),  # the cost of the rule: a Russian word made only of look-alikes
    ],
)
def test_homoglyphs_fold_only_inside_latin_or_lookalike_words(text: str, expected: str) -> None:
    assert base(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  a \t\n b  ", "a b"),
        ("x\u00a0\u2003\u3000y", "x y"),
        ("a\u200b \u200bb", "a b"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_whitespace(text: str, expected: str) -> None:
    assert base(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zwiiiin", "zwin"),
        ("wa777ed", "wa7ed"),
        ("ZAAAAMEL", "zamel"),
        ("هههههه", "ه"),
        ("كلبببب", "كلب"),
        ("بزاااااف", "بزاف"),
        ("cool", "cool"),  # a double letter stays
        ("1000 dh", "1000 dh"),  # a number is not a stretched word
        ("!!!???", "!!!???"),
        ("f\u200bu\u200bu\u200bu\u200bck", "fuck"),  # stretched across invisible characters
    ],
)
def test_stretched_letters(text: str, expected: str) -> None:
    assert base(text) == expected


def test_digits_are_kept_in_base() -> None:
    assert base("3lach nta 7mar 9a7ba") == "3lach nta 7mar 9a7ba"


# --- latin view -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("b!tch", "bitch"),
        ("sh1t", "shit"),
        ("@ss", "ass"),
        ("a$$hole", "asshole"),
        ("$alope", "salope"),
        ("h3ll0", "hello"),
        ("8itch", "bitch"),
        ("ki|l", "kill"),
        ("|oser", "loser"),
        ("€nculé", "encule"),
        ("5ex", "sex"),
        ("4ss", "ass"),
        ("7ool", "tool"),
        ("sh!!!t", "shit"),  # stretched leet
        ("wow!", "wow!"),  # punctuation at a word's edge stays
        ("!hello", "!hello"),
        ("f*ck", "f*ck"),  # the lexicon reads * as a wildcard
        ("sh*t", "sh*t"),
        ("2020 1000", "2020 1000"),  # numbers are not leet
        ("كلب 3", "كلب 3"),
    ],
)
def test_leetspeak(text: str, expected: str) -> None:
    assert latin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("you f u c k", "you fuck"),
        ("s.a.l.o.p.e", "salope"),
        ("k-i-l-l me", "kill me"),
        ("f_u_c_k", "fuck"),
        ("f*u*c*k", "fuck"),
        ("b i t c h.", "bitch."),
        ("i am ok", "i am ok"),  # two single letters apart: no run
        ("a b", "a b"),
        ("x y z", "xyz"),
    ],
)
def test_spaced_out_letters_are_joined(text: str, expected: str) -> None:
    assert latin(text) == expected


def test_latin_view_equals_base_without_latin_letters() -> None:
    assert latin("واش نتا حمار؟ 123") == base("واش نتا حمار؟ 123")


# --- arabizi view ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nta 7mar", "نت حمر"),
        ("ya 9a7ba!", "ي قحب!"),  # an Arabizi text: every Latin word is transliterated
        ("wa7ed zamel", "وحد زمل"),
        ("3lach", "علش"),
        ("wach nta bghiti tji l soirée ce soir?", "وش نت بغت تج ل سر ce سر?"),
    ],
)
def test_arabizi_view(text: str, expected: str) -> None:
    assert arabizi(text) == expected


def test_arabizi_view_in_a_french_text_touches_only_arabizi_words() -> None:
    assert arabizi("wesh ça va ou quoi") == "وش ca va ou quoi"
    assert arabizi("je suis fatigué") == "je suis fatigue"
    assert arabizi("you are a 3lach") == "you are a علش"


def test_arabizi_view_keeps_arabic_script_as_base() -> None:
    assert arabizi("واش نتا حمارة 7mar") == "واش نتا حماره حمر"


def test_arabizi_view_of_shorthand_is_untouched() -> None:
    assert arabizi("see you l8r gr8 mp3 at 10h") == "see you l8r gr8 mp3 at 10h"


# --- model_view -----------------------------------------------------------------------------


def test_model_view_is_base_without_arabizi() -> None:
    for text in ["Hello THERE!!", "واش نتا حماااار", "je suis là", "", "😂😂"]:
        assert model_view(text) == base(text)


def test_model_view_appends_transliterated_arabizi() -> None:
    assert model_view("Nta 7MAR wa777ed") == "nta 7mar wa7ed | نتا حمر وحد"
    assert model_view("ya 9a7ba") == "ya 9a7ba | قحبا"


def test_model_view_cuts_at_max_chars() -> None:
    assert model_view("a " * MAX_CHARS) == base("a " * MAX_CHARS)
    assert len(model_view("ab" * MAX_CHARS)) == MAX_CHARS


# --- Normalized -----------------------------------------------------------------------------


def test_views_are_base_latin_arabizi_in_order() -> None:
    norm = normalize("x")
    assert [v.name for v in norm.views] == ["base", "latin", "arabizi"]
    assert norm.view("latin") is norm.views[1]
    with pytest.raises(InputError):
        norm.view("nope")


def test_truncation() -> None:
    norm = normalize("abcdef", max_chars=4)
    assert norm.truncated
    assert norm.original == "abcd"
    assert norm.view("base").text == "abcd"
    assert not normalize("abcd", max_chars=4).truncated
    long = normalize("x" * (MAX_CHARS + 10))
    assert long.truncated
    assert len(long.original) == MAX_CHARS


def test_lone_surrogates_are_replaced() -> None:
    norm = normalize("a\ud800b\udfff")
    assert norm.original == "a\ufffdb\ufffd"
    assert norm.view("base").text == "a\ufffdb\ufffd"
    assert "\ud800" not in model_view("a\ud800b")
    norm.view("base").text.encode("utf-8")


def test_not_a_string_is_refused() -> None:
    with pytest.raises(InputError):
        normalize(b"bytes")  # type: ignore[arg-type]


# --- offsets back to the original -----------------------------------------------------------


def test_span_through_diacritics() -> None:
    norm = normalize("يا مُحَمَّد")
    assert original_of(norm, "base", "محمد") == "مُحَمَّد"


def test_span_through_tatweel() -> None:
    norm = normalize("انت كـــلب")
    assert original_of(norm, "base", "كلب") == "كـــلب"


def test_span_through_invisible_characters() -> None:
    norm = normalize("you f\u200bu\u200dck off")
    assert original_of(norm, "base", "fuck") == "f\u200bu\u200dck"
    assert original_of(norm, "base", "off") == "off"


def test_span_through_squashed_run() -> None:
    norm = normalize("ya ZAAAAMEL!!")
    assert original_of(norm, "base", "zamel") == "ZAAAAMEL"
    assert original_of(norm, "base", "a", 1) == "AAAA"


def test_span_through_leet() -> None:
    norm = normalize("you b!tch")
    assert original_of(norm, "latin", "bitch") == "b!tch"
    assert original_of(norm, "latin", "i") == "!"


def test_span_through_spaced_letters() -> None:
    norm = normalize("go f u c k yourself")
    assert original_of(norm, "latin", "fuck") == "f u c k"
    assert original_of(norm, "latin", "yourself") == "yourself"


def test_span_through_nfkc_ligature() -> None:
    norm = normalize("ﻻ تكذب")
    assert original_of(norm, "base", "لا") == "ﻻ"
    assert original_of(norm, "base", "ل") == "ﻻ"  # half a ligature is the whole ligature
    assert original_of(norm, "base", "تكذب") == "تكذب"
    norm = normalize("ﬁne")
    assert original_of(norm, "base", "fine") == "ﬁne"


def test_span_through_transliteration() -> None:
    norm = normalize("nta 7mar!!")
    assert norm.view("arabizi").text == "نت حمر!!"
    assert original_of(norm, "arabizi", "حمر") == "7mar"
    assert original_of(norm, "arabizi", "م") == "7mar"  # inside a transliterated word: the word
    assert original_of(norm, "arabizi", "!!") == "!!"


def test_span_through_homoglyphs_and_accents() -> None:
    norm = normalize("Sale сhіen, ÉCOUTE")
    assert original_of(norm, "base", "chien") == "сhіen"
    assert original_of(norm, "base", "ecoute") == "ÉCOUTE"


def test_span_through_everything_at_once() -> None:
    text = "\u202eيا  ﻻ   مُحَمَّـــد\u200b ZAAAAMEL b!tch 9a7ba"
    norm = normalize(text)
    assert original_of(norm, "base", "محمد") == "مُحَمَّـــد"
    assert original_of(norm, "base", "zamel") == "ZAAAAMEL"
    assert original_of(norm, "latin", "bitch") == "b!tch"
    assert original_of(norm, "arabizi", "قحب") == "9a7ba"


def test_to_original_clamps_and_handles_empty_spans() -> None:
    norm = normalize("  héllo\u200b  ")
    v = norm.view("base")
    assert v.text == "hello"
    assert v.to_original(-10, 100) == (2, 7)
    assert v.to_original(3, 1) == (5, 5)
    assert v.to_original(0, 0) == (2, 2)
    s, e = v.to_original(5, 5)
    assert 0 <= s == e <= len(norm.original)
    empty = normalize("\u200b\u200b").view("base")
    assert empty.text == ""
    assert empty.to_original(0, 3) == (0, 0)


def test_spans_are_computed_lazily() -> None:
    norm = normalize("Hello  there")  # the base view moves "there" one place left
    trace = norm.view("base")._trace
    assert trace is not None
    assert trace._views == {}
    assert norm.view("base").to_original(6, 11) == (7, 12)
    assert set(trace._views) == {"base"}  # only the view asked for (latin would need base too)
    norm.view("latin").to_original(0, 5)
    assert set(trace._views) == {"base", "latin"}


def test_a_base_view_in_place_needs_no_offset_map() -> None:
    norm = normalize("hello there, مدرسة")  # folds one for one: ة -> ه
    assert norm.view("base").text == "hello there, مدرسه"
    trace = norm.view("base")._trace
    assert trace is not None
    assert norm.view("base").to_original(13, 18) == (13, 18)
    assert norm.view("latin").to_original(0, 5) == (0, 5)  # the same text as the base view
    assert trace._views == {}
    # a deleted character (a diacritic), a squashed run: the map is built
    for text in ("مَدرسة kelb", "zwiiiin kelb"):
        shifted = normalize(text)
        view = shifted.view("base")
        assert view.to_original(len(view.text) - 4, len(view.text)) == (
            len(text) - 4,
            len(text),
        )
        assert set(shifted.view("base")._trace._views) == {"base"}  # type: ignore[union-attr]


def test_a_view_without_a_trace_is_its_own_original() -> None:
    v = View("base", "hello")
    assert v.to_original(1, 3) == (1, 3)
    assert v.to_original(-1, 99) == (0, 5)


def test_spaced_out_arabic_letters_are_joined_in_the_latin_view() -> None:
    norm = normalize("انتي ق ح ب ة")
    assert norm.view("latin").text == "انتي قحبه"
    assert norm.view("base").text == "انتي ق ح ب ه"
    start, end = norm.view("latin").to_original(5, 9)
    assert (start, end) == (5, 12)
    # one-letter words inside a sentence are no spelling game
    assert normalize("انا و انت و هو").view("latin").text == "انا و انت و هو"


@settings(max_examples=150, deadline=None)
@example("wach nta 7mar ولا لا")
@example("zwiiiin   b!tch")
@given(st.text(max_size=300))
def test_model_view_from_normalizes_base_is_the_same(text: str) -> None:
    """The detector hands model_view the base view normalize() made; the result must be what
    model_view makes on its own."""
    n = normalize(text)
    assert model_view(n.original, base=n.views[0].text) == model_view(n.original)
