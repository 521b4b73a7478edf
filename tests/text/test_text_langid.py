import timeit

import pytest

from salama.text import LangGuess, identify

DARIJA_ARABIC = [
    "واش نتا حمار؟",
    "علاش كتهضر معايا هكا",
    "بزاف عليك هادشي",
    "دابا غادي نمشي للدار",
    "خويا راك مزيان",
    "شحال ديال الفلوس بغيتي",
    "كيفاش درتي هاد الشي",
    "صافي ماشي مشكل",
    "الله يهديك سير تقرا",
    "كنبغيك بزاف أ صاحبي",
]
DARIJA_ARABIZI = [
    "3lach katdir hakka",
    "khouya rak mzyan",
    "daba ghadi nmchi",
    "safi machi mochkil",
    "ch7al dyal lflous",
    "kifach dert hadchi",
    "bzaf 3lik a sa7bi",
    "wach nta hmar?",
    "WAAACH NTA 7MAR",
]
OTHER_ARABIC = [
    "هذا الرجل الذي رأيته أمس",
    "لقد ذهبت إلى المدرسة",
    "سوف نرى ماذا يحدث",
    "انت عايز ايه مني",  # Egyptian
    "ده مش كويس خالص",  # Egyptian
    "شو عم تعمل هلق",  # Levantine
    "ليش تسوي كذا وش فيك",  # Gulf
    "برشا ناس باهي",  # Tunisian
    "السلام عليكم",  # no markers: Arabic, not which Arabic
]
FRENCH = [
    "t'es vraiment nul, personne ne veut de toi",
    "je suis tellement fatigué de tout ça",
    "c'est quoi ce bordel",
    "tu es vraiment un connard",
    "on se voit demain après les cours",
    "il faut arrêter de poster des vidéos",
    "merci beaucoup pour votre aide",
    "pourquoi tu dis ça",
]
ENGLISH = [
    "you are such a loser",
    "nobody likes you, just leave",
    "what the hell is wrong with you",
    "i hate this so much",
    "this is the best video ever",
    "can you send me your pics",
    "they should all go back",
    "don't talk to me like that",
]
UNDETERMINED = [
    "",
    "   ",
    "😂😂😂",
    "12345",
    "!!!",
    "👍🏻❤️",
    "--- ...",
    "@user123",
    "https://x.y/z",
]


@pytest.mark.parametrize("text", DARIJA_ARABIC)
def test_darija_in_arabic_script(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.arabizi) == ("ary", "Arab", False)
    assert g.scores["ary"] > 0


@pytest.mark.parametrize("text", DARIJA_ARABIZI)
def test_darija_in_arabizi(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.arabizi) == ("ary", "Latn", True)


@pytest.mark.parametrize("text", OTHER_ARABIC)
def test_other_arabic(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script) == ("ar", "Arab")


def test_arabizi_of_other_dialects_is_arabic_not_darija() -> None:
    g = identify("ezay 3ayez eh msh keda")
    assert (g.lang, g.script, g.arabizi) == ("ar", "Latn", True)


@pytest.mark.parametrize("text", FRENCH)
def test_french(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.arabizi, g.code_switching) == ("fr", "Latn", False, False)


@pytest.mark.parametrize("text", ENGLISH)
def test_english(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.arabizi, g.code_switching) == ("en", "Latn", False, False)


@pytest.mark.parametrize("text", UNDETERMINED)
def test_undetermined(text: str) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.code_switching, g.arabizi) == ("und", "none", False, False)


@pytest.mark.parametrize(
    ("text", "lang", "script", "arabizi"),
    [
        ("wach nta bghiti tji l soirée ce soir?", "ary", "Latn", True),
        ("hadchi is so bad", "en", "Latn", False),  # arabizi: the main Latin language only
        ("واش نتا bien ou quoi", "fr", "mixed", False),
        ("مزيان bravo c'est bien", "fr", "mixed", False),
        ("je t'aime خويا", "fr", "mixed", False),
        ("wesh ça va ou quoi", "fr", "Latn", False),
        ("this is sooo funny هههه بزاف", "en", "mixed", False),
        ("3lach katkdeb 3liya, c'est pas bien", "ary", "Latn", True),
    ],
)
def test_code_switching(text: str, lang: str, script: str, arabizi: bool) -> None:
    g = identify(text)
    assert (g.lang, g.script, g.code_switching, g.arabizi) == (lang, script, True, arabizi)


@pytest.mark.parametrize(
    "text", [DARIJA_ARABIC[0], DARIJA_ARABIZI[0], OTHER_ARABIC[0], FRENCH[0], ENGLISH[0]]
)
def test_one_language_is_not_code_switching(text: str) -> None:
    assert not identify(text).code_switching


def test_french_and_english_stopwords_alone_do_not_make_arabizi() -> None:
    for text in ["la vie est belle", "ma mère et moi", "me and my son", "i had a bad day"]:
        g = identify(text)
        assert not g.arabizi
        assert g.scores["arabizi"] == 0


def test_mentions_and_links_are_not_language() -> None:
    assert identify("@khouya_dyal https://example.com/wach hello").lang == "und"
    assert identify("@user @user واش نتا حمار").lang == "ary"


def test_scores_explain_the_guess() -> None:
    g = identify("واش نتا حمار")
    assert isinstance(g, LangGuess)
    assert set(g.scores) == {"ary", "ar", "arabizi", "fr", "en"}
    assert g.scores["ary"] == 2
    hash(g)  # usable as a key despite the scores dict


def test_identify_is_fast() -> None:
    text = "wach nta bghiti tji l soirée ce soir? rah kolchi ghadi ykon tma, 3afak ma tfoutch hadi"
    per_call = min(timeit.repeat(lambda: identify(text), number=200, repeat=3)) / 200
    assert per_call < 200e-6  # about 10 µs on a laptop; a wide margin for slow CI machines
