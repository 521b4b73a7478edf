"""Language and script of a short text, by rules: curated marker words and set lookups.

Built for comments and messages from Morocco and its neighbours: Moroccan Darija in Arabic script
and in Arabizi, other Arabic (MSA and other dialects), French, English, and their mixtures. A
statistical identifier trained on news text calls most Darija "Arabic" and most Arabizi "unknown";
a few hundred marker words do better here and cost microseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from salama.text.arabizi import (
    COMMON_ARABIZI_WORDS,
    DARIJA_LATIN_WORDS,
    OTHER_ARABIZI_WORDS,
    _is_darija_verb,
    _looks_arabizi,
)

__all__ = [
    "DARIJA_ARABIC_WORDS",
    "ENGLISH_STOPWORDS",
    "FRENCH_STOPWORDS",
    "OTHER_ARABIC_WORDS",
    "LangGuess",
    "identify",
]

_MAX_CHARS = 5000

# Folding for marker lookup only: the hamza forms of alif, ta marbuta, alif maqsura, Persian
# look-alikes, harakat and tatweel, and typographic apostrophes.
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ی": "ي",
        "ک": "ك",
        "ھ": "ه",
        "ـ": None,
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        **{chr(c): None for c in range(0x064B, 0x0660)},
        "\u0670": None,
    }
)
_NEEDS_FOLD_RE = re.compile("[" + re.escape("".join(map(chr, _FOLD))) + "]")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _folded(text: str) -> frozenset[str]:
    return frozenset(w.translate(_FOLD) for w in text.split())


# Moroccan Darija in Arabic script. Words Darija shares with MSA or the Mashreq (غير, حتى, شي,
# شنو, فين, منين, هاد, اللي, ليه) are left out: they say Arabic, not which Arabic. So are words of
# topic (المغرب): a text about Morocco in MSA is MSA.
DARIJA_ARABIC_WORDS: frozenset[str] = _folded(
    """
    ديال ديالي ديالك ديالو ديالها ديالهم ديالنا ديالكم دابا واش بزاف بالزاف كيفاش علاش شحال غادي
    غاديه غادين مزيان مزيانه مزيانين بغيت بغيتي بغا بغات بغينا بغيتو ماشي هادشي هاديك هاداك هادوك
    هادو داك خويا صافي كاين كاينه كاينين كاينا واخا عافاك بحال حيت الدراري دراري شكون فوقاش امتا
    والو كولشي دغيا نتا نتوما نتومه هوما زوين زوينه زوينين مكلخ زامل حشومه مسخوط بنادم راه راك راكي
    راها راهم كاع باش فاش علاه هادا خاصك خاصني كيبان كنقول كيقول كتقول كنبغي كيبغي كتبغي كيدير
    كنديرو سير سيري سيرو هد هدا هده هاذ ينعل تفو ملي غي فيا ليا يدير يعطيك هكا هكاك واعر واعره
    زيد هدشي اسكون عجبني عجباتني
    """
)

# Other Arabic: MSA, then Egyptian, Levantine, Gulf, Algerian and Tunisian markers.
OTHER_ARABIC_WORDS: frozenset[str] = _folded(
    """
    الذي التي الذين اللذين اللتين هذا هذه ذلك تلك هؤلاء اولئك سوف لقد قد لن لم ليس ليست ايضا حيث
    عندما جدا فقط يجب ماذا لماذا اين متى نحن انتم هناك الان سيتم لكي إذ اذا إنه انه انها
    ده دي دا ازاي عايز عاوز عايزه مش اوي كده كدا دلوقتي بتاع بتاعت امبارح علشان عشان خالص بقى
    شو هيك كتير هلق منيح هيدا هيدي لحتى بدي بدك بدو ليش كمان هاي مبارح
    وش ابي ابغى وايد واجد شلون الحين هذول يبي تبي
    نتاع كيما درك دروك ياخي مانيش
    برشا برشه باهي توا ياسر فما موش شبيك يعيشك
    """
)

# Words that look like a Darija present-tense verb (كن كت كي + stem) but are MSA or Mashreqi:
# كيف..., كنت... (كنتوا), كتير, كتب..., كيماوي, كيلومتر, كتلة, كنعان.
_PREFIX_EXCLUDED: tuple[str, ...] = (
    "كيف", "كنت", "كتير", "كتيي", "كيي", "كيم", "كتب", "كتل", "كنع", "كيل"
)  # fmt: skip
_PREFIX_EXCEPTIONS: frozenset[str] = _folded("كتابه كنيسه كنائس كتيبه كتائب كنوز كتمان كينيا كندا")

FRENCH_STOPWORDS: frozenset[str] = _words(
    """
    le les des du une un et est en dans pour pas que qui ne se sur au aux avec ce cette ces cet il
    elle ils elles je tu nous vous mais où donc car ni par moins tout tous toute toutes mon ton sa
    mes tes ses notre votre nos vos leur leurs lui moi toi eux être etre avoir été ete fait faire
    suis es sont était etait ont avait va vais très tres bien aussi comme quand quoi comment
    pourquoi alors encore jamais rien toujours déjà deja même meme ça ca cela ceci ici voilà voila
    chez sans sous entre vers depuis pendant avant après apres peu beaucoup trop vraiment oui non
    merci bonjour salut ai avez avons êtes etes sera serait peut veux veut faut dit cest mdr ptdr
    c'est j'ai n'est qu'il t'es j'suis jsuis chui
    """
)
_FRENCH_ELISIONS: frozenset[str] = _words("l d j c qu n s m t jusqu lorsqu puisqu quoiqu")

ENGLISH_STOPWORDS: frozenset[str] = _words(
    """
    the and is are was were be been being you your yours he she it its we they them their this
    that these those what which who whom whose why how when where with without from for of to into
    at by about not yes but or if then than so just have has do does did will would can could
    should shall must my him her his our us all any some there here out up down over very too also
    only really because like get got know think want go going im dont cant wont didnt doesnt isnt
    u ur in an no
    """
)
_ENGLISH_CLITICS: frozenset[str] = _words("s re ve ll m d t")
_FRENCH_HINT_RE = re.compile("[éèêàçùâîôûœ]")

# A word in two lists counts for neither: "la", "ma", "ou", "li", "fi" are Arabizi and French or
# English at once. Ambiguous words too short to be evidence go the same way.
_AMBIGUOUS: frozenset[str] = _words("a i y o on as me son ma ta la ou li fi si le de")
_WEAK_FR: frozenset[str] = _words("le la de les des un une")
_ARABIZI_ALL = DARIJA_LATIN_WORDS | OTHER_ARABIZI_WORDS | COMMON_ARABIZI_WORDS
_FR = FRENCH_STOPWORDS - ENGLISH_STOPWORDS - _ARABIZI_ALL - _AMBIGUOUS
_EN = ENGLISH_STOPWORDS - FRENCH_STOPWORDS - _ARABIZI_ALL - _AMBIGUOUS
_DARIJA_Z = DARIJA_LATIN_WORDS - _FR - _EN
_OTHER_Z = OTHER_ARABIZI_WORDS - _FR - _EN
_COMMON_Z = COMMON_ARABIZI_WORDS - _FR - _EN
_DARIJA_A = DARIJA_ARABIC_WORDS - OTHER_ARABIC_WORDS
_OTHER_A = OTHER_ARABIC_WORDS - DARIJA_ARABIC_WORDS

# @mentions and links are skipped; a word keeps inner apostrophes (c'est, don't).
_TOKEN_RE = re.compile(r"(?:@|https?://|www\.)\S*|([^\W_]+(?:'[^\W_]+)*)")
_MIXED_SHARE = 0.2
# Stretched words (zwiiiin, wa777ed, بزااااف) are looked up with the stretch undone.
_TRIPLE_RE = re.compile(r"(\w)\1\1")
_RUN_RE = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True, slots=True)
class LangGuess:
    lang: str  # "ary" (Moroccan Darija, either script), "ar" (other Arabic), "fr", "en", "und"
    script: str  # "Arab", "Latn", "mixed", "none"
    code_switching: bool  # tokens of two or more languages in the one text
    arabizi: bool  # Latin-script Arabic is the main Latin-script language of the text
    scores: dict[str, float] = field(hash=False)  # evidence per language, for explanation


def _is_arabic(c: str) -> bool:
    return "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\ufb50" <= c <= "\ufeff"


def identify(text: str) -> LangGuess:
    """Guess the language and script of ``text`` (its first 5000 characters).

    - script: by letter counts; "mixed" when the smaller of Arabic and Latin has 20% or more.
    - lang: the language with the most estimated words (each Arabic-script word; each Arabizi,
      French or English marker hit counts two, as markers are about half of a text's words;
      ties go to Arabic, then French). Arabic is "ary" when Darija markers (counted double)
      outweigh other-Arabic markers, else "ar"; "und" without evidence (emoji, digits, links).
    - arabizi: Arabizi hits at least as many as French and as English hits.
    - code_switching: evidence of two or more of Arabic script, Arabizi, French, English."""
    folded = text[:_MAX_CHARS].casefold()
    if _NEEDS_FOLD_RE.search(folded):
        folded = folded.translate(_FOLD)
    if _TRIPLE_RE.search(folded):
        folded = _RUN_RE.sub(r"\1", folded)
    ar_letters = lat_letters = ar_words = 0
    dar = oth = arabizi = fr = en = weak_fr = 0
    for tok in _TOKEN_RE.findall(folded):
        if not tok:
            continue
        c = tok[0]
        if "\u0600" <= c <= "\u06ff" or (c >= "\u0750" and _is_arabic(c)):
            ar_letters += len(tok)
            if len(tok) > 1:
                ar_words += 1
            if tok in _DARIJA_A:
                dar += 1
            elif tok in _OTHER_A:
                oth += 1
            elif (
                len(tok) >= 5
                and c == "ك"
                and tok[1] in "نتي"
                and tok[2] != "ا"
                and tok not in _PREFIX_EXCEPTIONS
                and not tok.startswith(_PREFIX_EXCLUDED)
            ):
                dar += 1
        elif c < "\u0250" or c.isdigit():
            if tok.isdigit():
                continue
            lat_letters += len(tok)
            if tok in _WEAK_FR:
                weak_fr += 1
            if tok in _FR:
                fr += 1
            elif tok in _EN:
                en += 1
            elif tok in _DARIJA_Z:
                dar += 1
                arabizi += 1
            elif tok in _OTHER_Z:
                oth += 1
                arabizi += 1
            elif tok in _COMMON_Z:
                arabizi += 1
            elif "'" in tok:
                head, _, tail = tok.partition("'")
                if head in _FRENCH_ELISIONS:
                    fr += 1
                elif tail in _ENGLISH_CLITICS or tok.endswith("n't"):
                    en += 1
            elif tok.isascii():
                if _is_darija_verb(tok):
                    dar += 1
                    arabizi += 1
                elif not tok.isalpha() and _looks_arabizi(tok):
                    arabizi += 1
    if fr and _FRENCH_HINT_RE.search(folded):
        fr_score: float = fr + 0.5
    else:
        fr_score = float(fr)
    if not (fr or en or arabizi) and weak_fr:
        # only words shared with other languages ("le match commence a quelle heure"): lean
        # French, the one language where they are that frequent
        fr_score = 0.5 * weak_fr + (0.5 if _FRENCH_HINT_RE.search(folded) else 0.0)
    scores = {
        "ary": float(dar),
        "ar": float(oth),
        "arabizi": float(arabizi),
        "fr": fr_score,
        "en": float(en),
    }
    letters = ar_letters + lat_letters
    if letters == 0:
        return LangGuess("und", "none", False, False, scores)
    share = ar_letters / letters
    script = "Arab" if share >= 1 - _MIXED_SHARE else "Latn" if share <= _MIXED_SHARE else "mixed"

    # Estimated tokens per language: every Arabic-script word is Arabic; marker and stopword hits
    # cover roughly half of the words of their language.
    arabic_weight = ar_words + 2 * arabizi
    best = max(arabic_weight, 2 * fr_score, 2 * en)
    if best == 0:
        lang = "ar" if ar_letters else "und"
    elif arabic_weight == best:
        # Darija writers use MSA words all the time, MSA writers use no Darija: a Darija marker
        # weighs two.
        lang = "ary" if 2 * dar > oth else "ar"
    elif 2 * fr_score == best:
        lang = "fr"
    else:
        lang = "en"
    is_arabizi = arabizi > 0 and arabizi >= fr_score and arabizi >= en
    kinds = (ar_words > 0) + (arabizi > 0) + (fr > 0) + (en > 0)
    return LangGuess(lang, script, kinds >= 2, is_arabizi, scores)
