"""Arabizi: Arabic written in Latin letters and digits (``3lach``, ``9a7ba``, ``wa7ed``).

Detection (:func:`looks_arabizi`), transliteration to Arabic script (:func:`transliterate`), and the
consonant skeleton (:func:`skeleton`) that lets one lexicon entry catch every vowel spelling of a
word, whichever script it was written in.

The Moroccan convention comes first: 3=ع 7=ح 9=ق 5=خ 2=ء 8=غ, ch=ش kh=خ gh=غ. Two choices differ
from a textbook table, both on purpose:

- ``x`` is ش, not كس: Moroccan Arabizi writes ``wax``, ``xno``, ``mabghitx``; words with a real
  /ks/ (``taxi``, ``exemple``) are French and are not transliterated in the first place.
- ``g`` is ك: Moroccan ݣ is written both ك and ق in Arabic script; ك keeps ``gal`` apart from
  ``9al`` and ``kelb`` apart from ``9alb``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "ARABIZI_WORDS",
    "COMMON_ARABIZI_WORDS",
    "DARIJA_LATIN_WORDS",
    "OTHER_ARABIZI_WORDS",
    "arabizi_key",
    "looks_arabizi",
    "skeleton",
    "transliterate",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Moroccan Darija in Latin letters. Words that are also French or English words ("had", "sir",
# "fin", "hit", "gal") are left out: they would call a French or English text Arabizi.
DARIJA_LATIN_WORDS: frozenset[str] = _words(
    """
    dyal dial dyali dyalk dyalek dyalo dyalou dyalha dyalhom dyalna daba wach wash wax bzaf bzzaf
    bezaf bezzaf kifach kifash kifax kidayr kidayra 3lach 3lax 3lash alach chno chnou chnu xno
    ch7al chhal x7al ghadi ghadia ghadya ghan radi mzyan mzian mezyan mzyana mziana bghit bghiti
    bgha bghat bghina bghito machi mashi maxi hadchi hadxi hadshi khouya khoya khouyi khay safi
    saafi kayn kayna kaynin kayen kaina nta nti ntoma ntouma ntuma zwin zwina zouin zouina wa7ed
    wahed wa7da wahda wakha waxa 3afak 3afek b7al bhal 7it drari derri lbnat bnadem walou walo
    kolchi kolxi koulchi chkoun chkon xkon xkoun mnin fo9ach imta hada hadik hadak dak dik rah rak
    raki raha rahom dghya tbarkellah tbarklah tbarkalah 3ndk 3andek 3ndi 3andi bach bax hna 7na
    m3a m3ak mabghitch mabghitx makaynch makaynx mazal ghir chwiya chwia bezzaf ntiya
    chi xi lik lih liha dima nadi mskin meskin bzf dakchi dakxi hadou hadok dyalk dialk wlad wld
    weld
    zamel zaml zamal 9a7ba qahba kahba 9ahba hmar 7mar l7mar lhmar mklkh mkelekh mkalkh tabon zeb
    zebi zok khra khara bghal kelb klb 7chouma hchouma hshouma mskhot t9awed
    """
)

# Other dialects (Egyptian, Levantine, Gulf, Algerian, Tunisian) in Latin letters.
OTHER_ARABIZI_WORDS: frozenset[str] = _words(
    """
    ezay ezzay ezayak ezayek 3ayez 3awez 3ayza msh mesh mish awy awi keda kda kedah delwa2ty
    dlw2ty dilwa2ti ba2a bta3 beta3 7aga haga ma3lesh ma3lish yasta
    shu shou hek heik kteer ktir hala2 halla2 mni7 mnee7 manee7 badi baddi lesh leish kifak kifik
    ya3ne hayda hayde
    zain abi abgha wayed wajid shlon shlonak shlonk 3ashan 3shan
    rani ntaa nta3 kima bessah bsa7 wesh wech kifech 3lah drk dork darwk khti
    barcha barsha behi bahi taw tawa yesser chbik 3lech famma mouch chnowa chnia ya5i bech
    """
)

# Arabizi shared by every dialect: evidence of Arabizi, not of which Arabic.
COMMON_ARABIZI_WORDS: frozenset[str] = _words(
    """
    wallah walah wlh wlah wallahi inchallah inshallah nchallah yallah yalla habibi habibti hbibi
    7bibi ya3ni yaani salam slm salamo 3likom alikoum hamdoulah hamdullah l7amdolilah 3la 3lik
    ana enta anta inta enti howa huwa hiya hia mabrouk mabrok chokran choukran shukran sa7bi sahbi
    khalas khlas yarab yarabi rabi allah chouf chof xof miskin
    """
)

ARABIZI_WORDS: frozenset[str] = DARIJA_LATIN_WORDS | OTHER_ARABIZI_WORDS | COMMON_ARABIZI_WORDS

# Digits beside letters that are English or French shorthand, not Arabizi.
_NOT_ARABIZI: frozenset[str] = _words(
    """
    gr8 l8r l8 m8 h8 w8 2day 2nite 2night 2moro 2morrow 2mrw b2b b2c p2p g2g me2 u2 mp3 mp4 h264
    h265 x264 x265 w3c ps5 ps2 s7 s9 a7 a5 k2 f1 r2d2 c3po covid19 web3 js5
    katana katanas kanban kayak kayaks kangaroo kangourou kanye katy kaynak
    """
)
_UNIT_RE = re.compile(
    r"\d+(?:st|nd|rd|th|h|am|pm|min|mn|s|k|m|km|kg|g|cm|mm|gb|mb|ans|an|e|er|eme|ere|x|d|p|j|v"
    r"|fps|hz)\Z"
)
_DIGIT_CUE_RE = re.compile(r"[a-z][235789]|[235789][a-z]")
# A Darija present-tense verb: ka + person prefix + stem (katdir, kanbghik, kaydir).
_DARIJA_VERB_RE = re.compile(r"ka[nty][a-z]{3,}\Z")
_MIXED_DIGITS_RE = re.compile(r"(\d)(?!\1)\d")
_NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")

# Longest match first; the vowels are handled apart because position matters.
_DIGRAPHS: dict[str, str] = {
    "ch": "ش",
    "sh": "ش",
    "kh": "خ",
    "gh": "غ",
    "dj": "ج",
    "th": "ث",
    "dh": "ذ",
    "ou": "و",
    "oo": "و",
    "ee": "ي",
    "ai": "ي",
    "ei": "ي",
    "aa": "ا",
}
_LETTERS: dict[str, str] = {
    "2": "ء",
    "3": "ع",
    "4": "غ",
    "5": "خ",
    "6": "ط",
    "7": "ح",
    "8": "غ",
    "9": "ق",
    "b": "ب",
    "d": "د",
    "f": "ف",
    "g": "ك",
    "h": "ه",
    "j": "ج",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "p": "ب",
    "q": "ق",
    "r": "ر",
    "s": "س",
    "t": "ت",
    "v": "ف",
    "x": "ش",
    "z": "ز",
    "o": "و",
    "u": "و",
    "w": "و",
    "i": "ي",
    "y": "ي",
}

# The skeleton folds letters that Arabizi cannot tell apart: h is ح or ه, s is س or ص, t is ت or ط
# or ث, d is د or ض or ذ or ظ (Maghrebi speech merges them too).
_SKELETON_TABLE = str.maketrans(
    {
        "ء": "ا",
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ى": "ي",
        "ة": "ه",
        "ص": "س",
        "ط": "ت",
        "ث": "ت",
        "ض": "د",
        "ظ": "د",
        "ذ": "د",
    }
)
_H_TO_HA = str.maketrans({"ه": "ح"})
_VOWELS_RE = re.compile("[اوي]")
_DOUBLE_RE = re.compile(r"(.)\1+")


def _prep(token: str) -> str:
    """Lower-case ASCII letters and digits only (accents dropped, everything else removed)."""
    t = token.casefold()
    if not t.isascii():
        t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    return _NON_ALNUM_RE.sub("", t)


def _is_darija_verb(t: str) -> bool:
    return _DARIJA_VERB_RE.match(t) is not None and t not in _NOT_ARABIZI


@lru_cache(maxsize=65536)
def _looks_arabizi(t: str) -> bool:
    if t in ARABIZI_WORDS:
        return True
    if t.isalpha():
        return _is_darija_verb(t)
    if t.isdigit() or t in _NOT_ARABIZI or _UNIT_RE.match(t):
        return False
    if _MIXED_DIGITS_RE.search(t):
        return False
    return _DIGIT_CUE_RE.search(t) is not None


def looks_arabizi(token: str) -> bool:
    """True for one Latin token that reads as Arabizi.

    A known Darija or Arabizi word, a Darija present-tense verb (``katdir``, ``kanbghik``), or a
    digit used as a letter beside a letter (3, 7, 9, 5, 2 or 8: ``3lach``, ``wa7ed``, ``mkl5``),
    minus shorthand such as ``gr8``, ``2day``, ``mp3`` and units such as ``5km`` or ``10h``."""
    return _looks_arabizi(_prep(token))


@lru_cache(maxsize=65536)
def _transliterate(t: str) -> str:
    out: list[str] = []
    n = len(t)
    i = 0
    while i < n:
        two = t[i : i + 2]
        if len(two) == 2 and two in _DIGRAPHS:
            out.append(_DIGRAPHS[two])
            i += 2
            continue
        c = t[i]
        if c in "ae":
            if i == 0 or (c == "a" and i == n - 1):
                out.append("ا")
        elif c == "i" and i == 0:
            out.append("ا")  # ila, ida: an initial i is إ
        elif c == "c":
            out.append("س" if t[i + 1 : i + 2] in ("e", "i", "y") else "ك")
        else:
            out.append(_LETTERS.get(c, ""))
        i += 1
    return _DOUBLE_RE.sub(r"\1", "".join(out))


def transliterate(token: str) -> str:
    """One Latin Arabizi token in Arabic script, folded like the base view (no ة, أ, ى).

    Short inner vowels a and e are dropped as Arabic script drops them; a long ``aa`` is ا;
    o, u, w, ou are و; i, y, ai, ei are ي; doubled letters are written once."""
    return _transliterate(_prep(token))


def skeleton(word: str) -> str:
    """The consonant skeleton of one Arabic-script word: the key that every vowel spelling shares.

    Initial alifs and hamzas are dropped (Arabizi writes the article ال as l, el or al, and an
    initial hamza as a, e, i or 2); a final ه or ة is dropped; ه is merged into ح (Arabizi h is
    either); ا و ي are dropped except و or ي at the start of the word; doubled letters are
    squashed. Never empty for a non-empty word."""
    s = word.translate(_SKELETON_TABLE).lstrip("ا")
    if not s:
        return "ا" if word else ""
    if len(s) > 1 and s[-1] == "ه":
        s = s[:-1]
    s = s.translate(_H_TO_HA)
    head = s[0] if s[0] in "وي" else ""
    s = head + _VOWELS_RE.sub("", s[len(head) :])
    return _DOUBLE_RE.sub(r"\1", s) or s[:1]


@lru_cache(maxsize=65536)
def _arabizi_key(t: str) -> str:
    ar = _transliterate(t)
    return skeleton(ar) if ar else ""


def arabizi_key(token: str) -> str:
    """What a Latin token becomes in the arabizi view: ``skeleton(transliterate(token))``."""
    return _arabizi_key(_prep(token))
