"""Views of a text that undo spelling games, each with a map back to what the user wrote.

``normalize`` builds three views of a text: ``base`` (Unicode, case, accents, Arabic letter forms,
look-alike letters, invisible characters, spacing and stretched letters folded), ``latin`` (base
plus leetspeak and spaced-out letters undone) and ``arabizi`` (Latin-script Arabic replaced by the
consonant skeleton that Arabic-script lexicon entries fold to). Lexicon terms are folded the same
way by :func:`fold_term`. :func:`model_view` is the fast string the learned classifier reads.

Each view is built twice over, by design: a fast path (``str.translate`` with a cached
per-character table, then a few precompiled regular expressions) that every text pays for, and a
slow path that replays the same steps while carrying, for each output character, the span of the
original characters it came from. The slow path runs only when someone asks for an offset
(``View.to_original``), which is to say only when a lexicon entry matched.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby

from salama.errors import InputError
from salama.text.arabizi import (
    ARABIZI_WORDS,
    _arabizi_key,
    _looks_arabizi,
    _transliterate,
    skeleton,
)
from salama.text.langid import ENGLISH_STOPWORDS, FRENCH_STOPWORDS, identify

__all__ = ["MAX_CHARS", "VIEW_NAMES", "Normalized", "View", "fold_term", "model_view", "normalize"]

MAX_CHARS: int = 5000
VIEW_NAMES: tuple[str, ...] = ("base", "latin", "arabizi")

# ---------------------------------------------------------------------------------------------
# The per-character table: NFKC, invisible characters, case, accents, Arabic letter forms, digits.

_INVISIBLE_EXTRA = frozenset(
    {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800, 0x3164, 0xFFA0}
)
# Text and emoji presentation selectors follow ordinary emoji: removed, but not an evasion signal.
_PRESENTATION_SELECTORS = frozenset({0xFE0E, 0xFE0F})
_DROPPED_MARKS: tuple[tuple[int, int], ...] = (
    (0x0300, 0x036F),  # combining diacritics (Latin accents, and zalgo stacks)
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
    (0x0610, 0x061A),  # Arabic honorific and Quranic signs
    (0x064B, 0x065F),  # harakat, shadda, sukun, hamza above and below
    (0x0670, 0x0670),  # superscript alif
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E8),
    (0x06EA, 0x06ED),
    (0x08D3, 0x08FF),
)
_LETTER_MAP: dict[str, str] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ۍ": "ي",
    "ێ": "ي",
    "ئ": "ي",
    "ة": "ه",
    "ۃ": "ه",
    "ھ": "ه",
    "ہ": "ه",
    "ۀ": "ه",
    "ۂ": "ه",
    "ؤ": "و",
    "ک": "ك",
    "ڪ": "ك",
    "گ": "ك",
    "ݣ": "ك",  # Moroccan g: written ك or ق; ك is the convention here (see arabizi.py)
    "ڭ": "ك",
    "ڨ": "ق",
    "ڧ": "ق",
    "ڤ": "ف",
    "ڥ": "ف",
    "ڢ": "ف",
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    "ـ": "",
    "œ": "oe",
    "æ": "ae",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ı": "i",
    "ß": "ss",
}
_TABLE_LIMIT = 65536


def _is_dropped_mark(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _DROPPED_MARKS)


def _is_invisible(c: str) -> bool:
    cp = ord(c)
    cat = unicodedata.category(c)
    return (
        cat == "Cf"
        or (cat == "Cc" and not c.isspace())
        or cp in _INVISIBLE_EXTRA
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
    )


def _fold_one(x: str) -> str:
    """One character of NFKC + casefold output, folded."""
    mapped = _LETTER_MAP.get(x)
    if mapped is not None:
        return mapped
    if x.isspace():
        return " "
    cp = ord(x)
    if _is_dropped_mark(cp) or _is_invisible(x):
        return ""
    if unicodedata.category(x) == "Nd":
        return str(unicodedata.decimal(x))
    if 0x80 <= cp < 0x250 or 0x1E00 <= cp <= 0x1EFF:
        # Latin with an accent: keep the letter, drop the marks (é -> e, ç -> c, ǿ -> o).
        bare = (y for y in unicodedata.normalize("NFD", x) if not _is_dropped_mark(ord(y)))
        return "".join(_LETTER_MAP.get(y, y) for y in bare)
    return x


def _fold_char(c: str) -> str:
    cp = ord(c)
    if 0xD800 <= cp <= 0xDFFF:
        return "\ufffd"
    if c.isspace():
        return " "
    if _is_invisible(c):
        return ""
    return "".join(_fold_one(x) for ch in unicodedata.normalize("NFKC", c) for x in ch.casefold())


def _counted_invisible(c: str) -> str | None:
    if c.isspace() or ord(c) in _PRESENTATION_SELECTORS or not _is_invisible(c):
        return c
    return None


class _LazyTable(dict[int, str | None]):
    """A ``str.translate`` table filled on first sight of each character.

    Bounded, so that text in every script of Unicode cannot grow it without end; characters past
    the bound are computed each time, correct but slower."""

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[str], str | None]) -> None:
        super().__init__()
        self._fn = fn

    def __missing__(self, key: int) -> str | None:
        value = self._fn(chr(key))
        if len(self) < _TABLE_LIMIT:
            self[key] = value
        return value

    def fill(self, codepoints: Iterable[int]) -> _LazyTable:
        for cp in codepoints:
            self[cp] = self._fn(chr(cp))
        return self


_COMMON = (*range(0x250), *range(0x0600, 0x0700))
_BASE_TABLE = _LazyTable(_fold_char).fill(_COMMON)


def _mark(c: str) -> str:
    n = len(c.translate(_BASE_TABLE))
    return "." if n == 1 else "-" if n == 0 else "!"


# What the base table does to each character: "." one character for one, "-" deletes it, "!"
# makes it several. A text of dots alone maps character for character and needs no trace.
_MARK_TABLE = _LazyTable(_mark).fill(_COMMON)
_MARK_RUN_RE = re.compile(r"\.+|!")  # deleted characters ("-") are skipped over
_COUNT_TABLE = _LazyTable(_counted_invisible).fill(_COMMON)


def _outside(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A pattern that finds any character but these: where it finds none, a translation whose
    work is only on other characters can be skipped (a regex search is some 6 times quicker than
    a translation through a dict)."""
    ranges = []
    # consecutive code points share cp - position in the sorted list: one group a range
    for _, group in groupby(enumerate(sorted(codepoints)), key=lambda ic: ic[1] - ic[0]):
        run = [cp for _, cp in group]
        ranges.append(f"\\U{run[0]:08x}-\\U{run[-1]:08x}")
    return re.compile(f"[^{''.join(ranges)}]")


# Characters of the common ranges that the count table keeps, and that the base table maps to one
# character: a text with no other character counts no invisible character, and needs no trace.
_MAYBE_COUNTED_RE = _outside(cp for cp in _COMMON if _COUNT_TABLE[cp] is not None)
_MAYBE_IRREGULAR_RE = _outside(cp for cp in _COMMON if _MARK_TABLE[cp] == ".")

# ---------------------------------------------------------------------------------------------
# Look-alike letters, folded to Latin only inside words that are Latin already or made of
# look-alikes alone, so that real Russian or Greek text is left as it is.

_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "ѕ": "s",
    "і": "i",
    "ј": "j",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "һ": "h",
    "ӏ": "l",
    "ү": "y",
    # Greek
    "α": "a",
    "β": "b",
    "γ": "y",
    "ε": "e",
    "ζ": "z",
    "η": "n",
    "ι": "i",
    "κ": "k",
    "μ": "u",
    "ν": "v",
    "ο": "o",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "χ": "x",
    "ω": "w",
    "ϲ": "c",
    "ϳ": "j",
    # Armenian
    "օ": "o",
    "ս": "u",
    "հ": "h",
    "ո": "n",
    # Latin small capitals and IPA letters that NFKC keeps
    "ꜰ": "f",
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ꜱ": "s",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
    "ɑ": "a",
    "ɡ": "g",
    "ɩ": "i",
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_ANY_RE = re.compile("[" + "".join(_HOMOGLYPHS) + "]")
_WORD_RE = re.compile(r"\w+")
_ASCII_LETTER_RE = re.compile("[a-z]")


def _fold_homoglyph_word(m: re.Match[str]) -> str:
    word = m[0]
    if _HOMOGLYPH_ANY_RE.search(word) is None:
        return word
    if _ASCII_LETTER_RE.search(word) or all(c in _HOMOGLYPHS or c.isdigit() for c in word):
        return word.translate(_HOMOGLYPH_TABLE)
    return word


_RUN_RE = re.compile(r"([^\W_])\1{2,}")
_TRIPLE_RE = re.compile(r"(.)\1\1")  # a much faster first test than _RUN_RE itself


def _squash(m: re.Match[str]) -> str:
    """A letter three times or more is written once (zwiiiin, هههه); so is a digit used as a
    letter (wa777ed), but not a number (1000)."""
    run = m[0]
    c = run[0]
    if not "0" <= c <= "9":
        return c
    s = m.string
    a, b = m.span()
    if (a > 0 and s[a - 1].isalpha()) or (b < len(s) and s[b].isalpha()):
        return c
    return run


_SPACES_RE = re.compile(" {2,}")


def _space(m: re.Match[str]) -> str:
    return " "


# ---------------------------------------------------------------------------------------------
# latin: letters spelled out one by one (f u c k, s.a.l.o.p.e) are joined, leetspeak is undone.

# Arabizi spells letters with digits too ("9 a 7 b a"): a run may hold them, with two letters
# at least, so that "3 a 4 heures" stays as it is.
# (The first letter comes before the look-behind that says it starts a word: a pattern that opens
# with a character class lets the regex engine skip ahead to candidates, twice as fast here.)
_SPACED_RE = re.compile(r"[a-z2-9](?<![^\W_].)(?:[ .\-_*][a-z2-9](?![^\W_])){2,}")
# The same game in Arabic script: "ق ح ب ة" (a run of 3+ one-letter words is never a sentence).
_SPACED_AR_RE = re.compile(r"[\u0621-\u064a](?<![^\W_].)(?:[ .\-_*][\u0621-\u064a](?![^\W_])){2,}")


def _join_spaced(m: re.Match[str]) -> str:
    letters = m[0][::2]
    return letters if sum(c.isalpha() for c in letters) >= 2 else m[0]


_LEET_TABLE = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
        "€": "e",
    }
)
# Leet characters beside a letter (b!tch, h3ll0, @ss): cheap tests before the real work, each
# written to start with a character class, which the regex engine scans for fast.
_LEET_NEAR_LETTER_RE = re.compile(r"[0134578@$|€](?:(?<=[a-z].)|(?=[a-z]))")
_BANG_IN_WORD_RE = re.compile(r"!(?<=[^\W_]!)!*[^\W_]")
# A run of word and leet characters that holds at least one leet character (the lookahead keeps
# the callback off plain words).
_LEET_CHUNK_RE = re.compile(r"(?<![\w@$!|€])(?=[\w@$!|€]*?[0134578@$!|€])[\w@$!|€]+")


def _unleet_chunk(m: re.Match[str]) -> str:
    chunk = m[0]
    # A "!" at the edge of a word is punctuation (wow!), inside it a letter (b!tch).
    core = chunk.strip("!")
    if not core or _ASCII_LETTER_RE.search(core) is None:
        return chunk
    lead = len(chunk) - len(chunk.lstrip("!"))
    return chunk[:lead] + core.translate(_LEET_TABLE) + chunk[lead + len(core) :]


# ---------------------------------------------------------------------------------------------
# arabizi: Latin words that read as Arabizi become the consonant skeleton of their Arabic
# spelling; in a text that is Arabizi as a whole, every Latin word but French and English
# stopwords does.

_ALNUM_RE = re.compile(r"[^\W_]+")
# A word of ASCII letters and digits only (a word that mixes scripts is left alone).
_LATIN_TOKEN_RE = re.compile(r"(?<![^\W_])[a-z0-9]+(?![^\W_])")
_NOT_ARABIZI_WORDS = FRENCH_STOPWORDS | ENGLISH_STOPWORDS


# A digit beside a letter, which may stand for a letter: a cheap test before looking at each word
# (written to start with the digit class, which the regex engine scans for fast).
_ARABIZI_DIGIT_RE = re.compile(r"[235789](?:(?<=[a-z][235789])|(?=[a-z]))")


def _is_arabizi(word: str) -> bool:
    """``looks_arabizi`` for a base-view word, with the cached call skipped for most words."""
    if word in ARABIZI_WORDS:
        return True
    return (not word.isalpha() or word.startswith("ka")) and _looks_arabizi(word)


def _arabizi_marked(m: re.Match[str]) -> str:
    word = m[0]
    return _arabizi_key(word) if _is_arabizi(word) else word


def _arabizi_every(m: re.Match[str]) -> str:
    word = m[0]
    if word.isdigit() or (word in _NOT_ARABIZI_WORDS and not _is_arabizi(word)):
        return word
    return _arabizi_key(word)


def _is_arabic_letter(c: str) -> bool:
    return "\u0621" <= c <= "\u064a" or "\u066e" <= c <= "\u06d3"


def _term_key(m: re.Match[str]) -> str:
    word = m[0]
    if word.isascii():
        return word if word.isdigit() else _arabizi_key(word)
    if all(_is_arabic_letter(c) for c in word):
        return skeleton(word)
    return word


# ---------------------------------------------------------------------------------------------
# Fast paths: strings only.

_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf"
_EMOJI_ZWJ_RE = re.compile(f"(?<=[{_EMOJI}\ufe0f\U0001f3fb-\U0001f3ff])\u200d(?=[{_EMOJI}])")


def _base_text(t: str) -> str:
    s = t.translate(_BASE_TABLE)
    if not s.isascii() and _HOMOGLYPH_ANY_RE.search(s):
        s = _WORD_RE.sub(_fold_homoglyph_word, s)
    if _TRIPLE_RE.search(s):
        s = _RUN_RE.sub(_squash, s)
    if "  " in s:
        s = _SPACES_RE.sub(" ", s)
    return s.strip(" ")


def _latin_text(base: str) -> str:
    if _SPACED_AR_RE.search(base):
        base = _SPACED_AR_RE.sub(_join_spaced, base)
    if _ASCII_LETTER_RE.search(base) is None:
        return base
    s = _SPACED_RE.sub(_join_spaced, base)
    if _LEET_NEAR_LETTER_RE.search(s) or _BANG_IN_WORD_RE.search(s):
        s = _LEET_CHUNK_RE.sub(_unleet_chunk, s)
        if _TRIPLE_RE.search(s):
            s = _RUN_RE.sub(_squash, s)
    return s


def _may_hold_arabizi(base: str, words: list[str]) -> bool:
    return (
        not ARABIZI_WORDS.isdisjoint(words)
        or "ka" in base
        or _ARABIZI_DIGIT_RE.search(base) is not None
    )


# ---------------------------------------------------------------------------------------------
# Slow paths: the same steps, carrying for every character the span of the original it came from.


@dataclass(slots=True)
class _Traced:
    text: str
    starts: list[int]
    ends: list[int]


def _traced_table(t: str) -> _Traced:
    marks = t.translate(_MARK_TABLE) if _MAYBE_IRREGULAR_RE.search(t) else ""
    if "-" not in marks and "!" not in marks:
        return _Traced(t.translate(_BASE_TABLE), list(range(len(t))), list(range(1, len(t) + 1)))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for m in _MARK_RUN_RE.finditer(marks):  # runs of one-for-one characters, or one that grows
        a, b = m.span()
        r = t[a:b].translate(_BASE_TABLE)
        parts.append(r)
        if b - a == len(r):
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        else:
            starts.extend([a] * len(r))
            ends.extend([b] * len(r))
    return _Traced("".join(parts), starts, ends)


def _traced_sub(
    seq: _Traced, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> _Traced:
    """``pattern.sub(repl, seq.text)``, with spans: a replacement of the same length keeps each
    character's own span; any other maps every character to the span of the whole match."""
    text, starts, ends = seq.text, seq.starts, seq.ends
    parts: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        parts.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        r = repl(m)
        parts.append(r)
        if len(r) == b - a:
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        elif r:
            new_starts.extend([starts[a]] * len(r))
            new_ends.extend([ends[b - 1]] * len(r))
        pos = b
    parts.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return _Traced("".join(parts), new_starts, new_ends)


def _traced_strip(seq: _Traced) -> _Traced:
    text = seq.text.lstrip(" ")
    a = len(seq.text) - len(text)
    text = text.rstrip(" ")
    b = a + len(text)
    return _Traced(text, seq.starts[a:b], seq.ends[a:b])


def _traced_base(t: str) -> _Traced:
    seq = _traced_table(t)
    if not seq.text.isascii() and _HOMOGLYPH_ANY_RE.search(seq.text):
        seq = _traced_sub(seq, _WORD_RE, _fold_homoglyph_word)
    if _TRIPLE_RE.search(seq.text):
        seq = _traced_sub(seq, _RUN_RE, _squash)
    if "  " in seq.text:
        seq = _traced_sub(seq, _SPACES_RE, _space)
    return _traced_strip(seq)


def _traced_latin(base: _Traced) -> _Traced:
    if _SPACED_AR_RE.search(base.text):
        base = _traced_sub(base, _SPACED_AR_RE, _join_spaced)
    if not _ASCII_LETTER_RE.search(base.text):
        return base
    latin = _traced_sub(base, _SPACED_RE, _join_spaced)
    if _LEET_NEAR_LETTER_RE.search(latin.text) or _BANG_IN_WORD_RE.search(latin.text):
        latin = _traced_sub(latin, _LEET_CHUNK_RE, _unleet_chunk)
        if _TRIPLE_RE.search(latin.text):
            latin = _traced_sub(latin, _RUN_RE, _squash)
    return latin


def _traced_arabizi(base: _Traced, every: bool) -> _Traced:
    if not _ASCII_LETTER_RE.search(base.text):
        return base
    return _traced_sub(base, _LATIN_TOKEN_RE, _arabizi_every if every else _arabizi_marked)


class _Trace:
    """The shared, lazily computed offset maps of one normalised text, view by view."""

    __slots__ = ("_plain", "_views", "base", "every", "original")

    def __init__(self, original: str, every: bool, base: str) -> None:
        self.original = original
        self.every = every
        self.base = base
        self._views: dict[str, _Traced] = {}
        self._plain: bool | None = None

    def plain(self, text: str) -> bool:
        """Is ``text`` the base view, with every character where it was in the original? So when
        the original holds only characters that fold one for one and the base view is as long:
        the base view's other steps (look-alikes, squashed runs, spaces, the strip) keep the
        length or shorten, so none of them acted. The common case, with no offset map to build."""
        if self._plain is None:
            o = self.original
            self._plain = len(self.base) == len(o) and _MAYBE_IRREGULAR_RE.search(o) is None
        return self._plain and text == self.base

    def get(self, name: str) -> _Traced:
        traced = self._views.get(name)
        if traced is None:
            if name == "base":
                traced = _traced_base(self.original)
            elif name == "latin":
                traced = _traced_latin(self.get("base"))
            else:
                traced = _traced_arabizi(self.get("base"), self.every)
            self._views[name] = traced
        return traced


# ---------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True, slots=True)
class View:
    """One normalised form of a text. ``name`` is "base", "latin" or "arabizi"."""

    name: str
    text: str
    _trace: _Trace | None = field(default=None, repr=False, compare=False)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span [start, end) of this view's text to the span in the original
        text that its characters came from. Out-of-range bounds are clamped; the result always
        satisfies 0 <= s <= e <= len(original). The offset map is built on the first call."""
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if self._trace is None or self._trace.plain(self.text):
            return start, end
        seq = self._trace.get(self.name)
        if seq.text != self.text:  # cannot happen while the two paths agree; the tests say so
            return 0, len(self._trace.original)
        if start < end:
            return seq.starts[start], seq.ends[end - 1]
        if start < n:
            return seq.starts[start], seq.starts[start]
        p = seq.ends[n - 1] if n else 0
        return p, p


@dataclass(frozen=True, slots=True)
class Normalized:
    """A text and its views."""

    original: str  # the text as given, cut to max_chars, lone surrogates replaced by U+FFFD
    views: tuple[View, ...]  # (base, latin, arabizi)
    invisible: int  # invisible, zero-width and bidi-control characters removed
    bidi_override: bool  # an explicit bidi embedding, override or isolate was present
    truncated: bool

    def view(self, name: str) -> View:
        """The view called ``name``; raises InputError for a name not in VIEW_NAMES."""
        for v in self.views:
            if v.name == name:
                return v
        raise InputError(f"no view named {name!r}; the views are {', '.join(VIEW_NAMES)}")


def normalize(text: str, *, max_chars: int = MAX_CHARS) -> Normalized:
    """The three views of ``text`` (its first ``max_chars`` characters)."""
    if not isinstance(text, str):
        raise InputError(f"normalize takes a str, not {type(text).__name__}")
    limit = max(0, max_chars)
    truncated = len(text) > limit
    t = text[:limit] if truncated else text
    if _SURROGATE_RE.search(t):
        t = _SURROGATE_RE.sub("\ufffd", t)
    invisible = len(t) - len(t.translate(_COUNT_TABLE)) if _MAYBE_COUNTED_RE.search(t) else 0
    if invisible and "\u200d" in t:
        invisible -= len(_EMOJI_ZWJ_RE.findall(t))
    base = arabizi = _base_text(t)
    every = False
    if _ASCII_LETTER_RE.search(base) is not None and _may_hold_arabizi(
        base, _LATIN_TOKEN_RE.findall(base)
    ):
        every = identify(t).arabizi
        arabizi = _LATIN_TOKEN_RE.sub(_arabizi_every if every else _arabizi_marked, base)
    trace = _Trace(t, every, base)
    views = (
        View("base", base, trace),
        View("latin", _latin_text(base), trace),
        View("arabizi", arabizi, trace),
    )
    return Normalized(t, views, invisible, _BIDI_RE.search(t) is not None, truncated)


def model_view(text: str, *, base: str | None = None) -> str:
    """The string the learned classifier reads: the base view, then, when some Latin words read as
    Arabizi, `` | `` and those words transliterated to Arabic script. No offsets: a few µs.
    ``base``: the base view of ``text`` when the caller has it (``normalize(text).views[0]``, for
    a text of at most MAX_CHARS characters), so that it is not made twice."""
    if base is None:
        base = _base_text(text[:MAX_CHARS])
    if _ASCII_LETTER_RE.search(base) is None:
        return base
    words = _LATIN_TOKEN_RE.findall(base)
    if not _may_hold_arabizi(base, words):
        return base
    extra = [_transliterate(w) for w in words if _is_arabizi(w)]
    return f"{base} | {' '.join(extra)}" if extra else base


def fold_term(term: str, view: str) -> str:
    """A lexicon term folded so that it matches text in ``view``; "" when it has no form there.

    - "base": folded as text is.
    - "latin": base plus leetspeak and spaced-out letters undone (Arabic terms too, for
      "ق ح ب ة")
    - "arabizi": the consonant skeleton, so that an Arabic-script term meets its Arabizi
      spellings (حمار, 7mar, hmar, 7maar all give حمر); a Latin term gives its own skeleton.
      "" when fewer than two letters are left (too ambiguous to match)."""
    if view == "base":
        return _base_text(term)
    if view == "latin":
        return _latin_text(_base_text(term))
    if view == "arabizi":
        key = _ALNUM_RE.sub(_term_key, _base_text(term))
        return key if sum(c.isalpha() for c in key) >= 2 else ""
    raise InputError(f"unknown view {view!r}; the views are {', '.join(VIEW_NAMES)}")
