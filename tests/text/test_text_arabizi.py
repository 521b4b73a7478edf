import pytest

from salama.errors import InputError
from salama.text import fold_term, normalize
from salama.text.arabizi import looks_arabizi, skeleton, transliterate

# An Arabic-script lexicon term and the Arabizi spellings that must meet it in the arabizi view.
PAIRS = [
    ("حمار", ["7mar", "hmar", "7maar", "7MAR", "7mmar"]),
    ("قحبة", ["9a7ba", "qahba", "9ahba", "q7ba"]),
    ("زامل", ["zamel", "zaml", "zamal", "ZAAAMEL"]),
    ("مكلخ", ["mkl5", "mklkh", "mkelekh", "mkalkh"]),
    ("كلب", ["kelb", "klb", "kalb"]),
    ("حشومة", ["7chouma", "hchouma", "hshouma", "7chuma"]),
    ("زوين", ["zwin", "zouin", "zwiiiin"]),
    ("واحد", ["wa7ed", "wahed", "wa777ed"]),
    ("علاش", ["3lach", "3lash", "3lax"]),
    ("بغيت", ["bghit", "bghiit"]),
    ("دابا", ["daba"]),
    ("مزيان", ["mzyan", "mezyan", "mzian"]),
    ("شحال", ["ch7al", "chhal", "x7al"]),
    ("ديال", ["dyal", "dial"]),
    ("صاحبي", ["sa7bi", "sahbi"]),
    ("طبون", ["tabon", "tboun"]),
    ("ولد القحبة", ["wld l9a7ba", "weld l9ahba", "ould el9a7ba"]),
    ("أولاد", ["oulad", "wlad"]),
    ("الحمار", ["l7mar", "el7mar", "al7mar"]),
]


@pytest.mark.parametrize(("arabic", "spellings"), PAIRS)
def test_fold_term_meets_arabizi_spellings(arabic: str, spellings: list[str]) -> None:
    key = fold_term(arabic, "arabizi")
    assert key
    for spelling in spellings:
        assert fold_term(spelling, "arabizi") == key, spelling


@pytest.mark.parametrize(("arabic", "spellings"), PAIRS)
def test_arabizi_view_holds_the_folded_term(arabic: str, spellings: list[str]) -> None:
    key = fold_term(arabic, "arabizi")
    for spelling in spellings:
        text = f"wach nta {spelling} !"
        assert f" {key} " in normalize(text).view("arabizi").text, text


def test_a_latin_word_without_cues_in_a_non_arabizi_text_is_left_alone() -> None:
    assert normalize("the kalb is here").view("arabizi").text == "the kalb is here"
    assert normalize("the 9alb is here").view("arabizi").text == "the قلب is here"


def test_different_words_keep_different_keys() -> None:
    keys = {fold_term(w, "arabizi") for w in ["كلب", "قلب", "حمار", "زامل", "قحبة", "زب", "كس"]}
    assert len(keys) == 7
    assert fold_term("9alb", "arabizi") != fold_term("kelb", "arabizi")  # heart is not dog


@pytest.mark.parametrize("term", ["ya", "a", "و", "ه", "2", "!!", ""])
def test_fold_term_arabizi_refuses_too_short_keys(term: str) -> None:
    assert fold_term(term, "arabizi") == ""


def test_fold_term_base_and_latin() -> None:
    assert fold_term("Salope", "base") == "salope"
    assert fold_term("مُكَلَّخ", "base") == "مكلخ"
    assert fold_term("قحبة", "base") == "قحبه"
    assert fold_term("F*CK", "latin") == "f*ck"
    assert fold_term("b!tch", "latin") == "bitch"
    assert fold_term("sh1t", "latin") == "shit"
    assert fold_term("حمار", "latin") == "حمار"  # so that "ح م ا ر" spaced out still meets it
    assert fold_term("fils de pute", "base") == "fils de pute"


def test_fold_term_matches_what_the_view_holds() -> None:
    for term, text, view in [
        ("b!tch", "you B I T C H", "latin"),
        ("salope", "$4lope", "latin"),
        ("كلب", "انت كـــلب", "base"),
        ("zamel", "ya ZAAAMEL", "base"),
    ]:
        assert fold_term(term, view) in normalize(text).view(view).text


def test_fold_term_unknown_view() -> None:
    with pytest.raises(InputError):
        fold_term("x", "greek")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("wa7ed", "وحد"),
        ("3lach", "علش"),
        ("9a7ba", "قحبا"),
        ("7maar", "حمار"),
        ("zwina", "زوينا"),
        ("chouf", "شوف"),
        ("khouya", "خويا"),
        ("ghadi", "غدي"),
        ("bezzaf", "بزف"),
        ("wax", "وش"),  # x is ش in Moroccan Arabizi
        ("mabghitx", "مبغيتش"),
        ("ila", "الا"),
        ("mkl5", "مكلخ"),
        ("dyal", "ديل"),
        ("so2al", "سوءل"),
        ("gal", "كل"),  # g is ك
        ("WA7ED", "وحد"),
        ("tbarkellah", "تبركله"),
    ],
)
def test_transliterate(token: str, expected: str) -> None:
    assert transliterate(token) == expected


@pytest.mark.parametrize(
    "token", ["3lach", "wa7ed", "mkl5", "9a7ba", "s7abi", "dyal", "wach", "zwin", "khouya", "WA7ED"]
)
def test_looks_arabizi(token: str) -> None:
    assert looks_arabizi(token)


@pytest.mark.parametrize(
    "token",
    ["hello", "gr8", "l8r", "2day", "mp3", "10h", "5km", "2020", "covid19", "bonjour", "b2b", "3rd",
     "", "!!!", "had", "sir"],
)  # fmt: skip
def test_does_not_look_arabizi(token: str) -> None:
    assert not looks_arabizi(token)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("حمار", "حمر"),
        ("قحبه", "قحب"),  # final ه dropped
        ("هبل", "حبل"),  # ه and ح merge
        ("واحد", "وحد"),  # initial و kept
        ("اولاد", "ولد"),  # initial alif dropped, then و is initial
        ("صاحب", "سحب"),  # emphatics merge
        ("ضرب", "درب"),
        ("زوين", "زن"),
        ("اا", "ا"),  # never empty
        ("", ""),
    ],
)
def test_skeleton(word: str, expected: str) -> None:
    assert skeleton(word) == expected
