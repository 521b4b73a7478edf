"""Lexicons as data, matched in one Aho-Corasick pass per normalised view.

Files (``lexicons/*.tsv``, UTF-8, ``#`` comments): ``term  lang  category  severity  notes``;
``allow.tsv`` has ``term  lang  notes``. A trailing ``*`` makes a term a prefix (the word may go
on). Each term is folded the way the text is (:func:`salama.text.fold_term`), once per view, so
one entry catches the spelling games that normalisation undoes; an Arabic-script entry also
catches its Arabizi spellings through the arabizi view's consonant skeleton.

A match must sit on word boundaries. Arabic words take clitics: a match may be preceded by a
proclitic (و ف ب ل ك ال and their combinations) and, for terms of three letters or more, followed
by a pronoun suffix (ك ه ها هم كم ني ...). A match that lies inside an allow-list match of the same
view (a place, a name, a religious phrase) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import ahocorasick

from salama.errors import LexiconError
from salama.text import Normalized, View, fold_term

__all__ = [
    "CATEGORIES",
    "GROOMING_KINDS",
    "SIGNALS",
    "Entry",
    "Hit",
    "Lexicon",
    "load_default_lexicon",
    "parse_lexicon",
    "term_variants",
]

CATEGORIES = frozenset(
    {"insult", "hate", "threat", "sexual", "sexual_minors", "self_harm", "profanity"}
)
GROOMING_KINDS = (
    "grooming_age",
    "grooming_private",
    "grooming_secrecy",
    "grooming_gift",
    "grooming_photo",
    "grooming_meet",
)
SIGNALS = frozenset(
    {
        "identity",
        "negation",
        "counter",
        "hate_verb",
        "self_harm_topic",
        "animal_word",
        "literal_animal",
        *GROOMING_KINDS,
    }
)
LANGS = frozenset({"ary", "ary_latn", "ar", "fr", "en", "any"})
VIEWS = ("base", "latin", "arabizi")
_PROCLITICS = frozenset(
    {"و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "فلل", "وب", "ول",
     "فب", "فل", "وك", "س", "وس", "فس", "ا", "د", "دال", "كي", "كن", "تي", "تا", "غا", "ما"}
)  # fmt: skip
_ENCLITICS = frozenset(
    {"ك", "ه", "ها", "هم", "كم", "ني", "نا", "و", "ي", "ين", "ات", "هوم", "كوم", "يك", "ليك",
     "لك", "لو", "ليه", "ش", "كش", "هش", "وش"}
)  # fmt: skip
_LATIN_PROCLITICS = ("l", "el", "al", "w", "wl", "b", "bl", "f", "fl")
_MAX_CLITIC = 4
MIN_SKELETON = 3


@dataclass(frozen=True, slots=True)
class Entry:
    term: str
    lang: str
    category: str  # a category of CATEGORIES, a signal of SIGNALS, or "allow"
    severity: int
    notes: str
    where: str  # file:line, for explanations and error messages

    @property
    def rule(self) -> str:
        return f"lexicon:{self.lang}:{self.category}:{self.term}"


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon match, located in the view it was found in.

    ``original()`` maps it back to the text the user wrote; that costs a replay of the
    normalisation, so callers ask only for the hits they report."""

    entry: Entry
    view: View
    view_start: int
    view_end: int

    @property
    def span(self) -> tuple[int, int]:
        return self.view_start, self.view_end

    def original(self) -> tuple[int, int]:
        return self.view.to_original(self.view_start, self.view_end)


def parse_lexicon(path: Path, text: str | None = None) -> list[Entry]:
    """Parse one TSV file; raises LexiconError listing every bad line as file:line: message."""
    if text is None:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LexiconError(f"{path}: cannot read: {exc}") from exc
    allow = path.stem == "allow"
    entries: list[Entry] = []
    errors: list[str] = []
    header_seen = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        where = f"{path.name}:{lineno}"
        if not header_seen:
            header_seen = True
            if fields[0].strip().lower() == "term":
                continue
        want = 3 if allow else 5
        if len(fields) != want:
            errors.append(f"{where}: expected {want} tab-separated fields, found {len(fields)}")
            continue
        term = " ".join(fields[0].split())
        lang = fields[1].strip()
        if not term or term == "*":
            errors.append(f"{where}: empty term")
            continue
        if lang not in LANGS:
            errors.append(f"{where}: unknown lang {lang!r}")
            continue
        if allow:
            entries.append(Entry(term, lang, "allow", 0, fields[2].strip(), where))
            continue
        category = fields[2].strip()
        if category not in CATEGORIES and category not in SIGNALS:
            errors.append(f"{where}: unknown category {category!r}")
            continue
        try:
            severity = int(fields[3])
        except ValueError:
            severity = -1
        if severity not in (1, 2, 3):
            errors.append(f"{where}: severity must be 1, 2 or 3, found {fields[3]!r}")
            continue
        entries.append(Entry(term, lang, category, severity, fields[4].strip(), where))
    if errors:
        raise LexiconError(
            f"{len(errors)} error(s) in {path.name}: {errors[0]}", details={"errors": errors}
        )
    return entries


# A phrase written with a second-person frame ("t'es un raté", "you're a loser") also matches
# with the frame's other spellings and with an intensifier after it ("t'es vraiment un raté",
# "you're such a loser"), so that a lexicon line covers how people write it.
# Per language: the frames, the intensifiers that go after one, and the forms that take the
# place of an English article ("you're a loser" -> "you're a real loser").
_FRAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "fr": (
        ("t'es", "tu es", "t es", "t'est", "tu est"),
        ("trop", "vraiment", "tellement", "grave", "carrément", "trop trop", "vrmt", "trp",
         "juste", "franchement", "bien", "vraiment trop", "juste trop"),
        (),
    ),
    "en": (
        ("you're", "you are", "youre", "ur", "u r"),
        ("so", "such", "really", "very", "fucking", "so fucking", "literally", "just", "truly",
         "actually"),
        ("a real", "a fucking", "such a fucking", "a total", "a complete"),
    ),
}  # fmt: skip
_ARTICLES = ("a ", "an ")


def term_variants(entry: Entry) -> list[str]:
    """Other spellings of an entry's phrase that match as the entry (not the entry itself):
    a hyphen as a space ("suicide-toi", "suicide toi"), and for a second-person phrase its
    other frames, each with and without an intensifier, and in English an article's stronger
    forms (see ``_FRAMES``)."""
    term = entry.term.rstrip("*")
    out: list[str] = []
    if "-" in term.strip("-"):
        out.append(term.replace("-", " "))
    frames, intensifiers, articles = _FRAMES.get(entry.lang, ((), (), ()))
    frame = next((f for f in frames if term.startswith(f + " ")), None)
    if frame is None:
        return out
    rest = term[len(frame) + 1 :]
    noun = next((rest[len(a) :] for a in _ARTICLES if rest.startswith(a)), None)
    for other in frames:
        if other != frame:
            out.append(f"{other} {rest}")
        out.extend(f"{other} {word} {rest}" for word in intensifiers)
        if noun is not None:
            out.extend(f"{other} {form} {noun}" for form in articles)
    return out


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or ch == "*"


class Lexicon:
    """One compiled automaton per view, holding the entries and the allow list together, so a
    text is scanned once per distinct view."""

    def __init__(self, entries: Iterable[Entry], allow: Iterable[Entry] = ()) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self.allow: tuple[Entry, ...] = tuple(allow)
        self._all = self.entries + self.allow
        self._auto = {v: self._compile(self._all, v) for v in VIEWS}

    @staticmethod
    def _compile(entries: Sequence[Entry], view: str) -> ahocorasick.Automaton | None:
        keyed: dict[str, list[tuple[int, bool]]] = {}
        variants: list[tuple[str, int, bool]] = []
        for i, entry in enumerate(entries):
            prefix = entry.term.endswith("*")
            term = entry.term.rstrip("*")
            if view == "arabizi" and not _has_arabic(term) and entry.lang != "ary_latn":
                continue  # only Arabic-script and Arabizi entries have a skeleton worth matching
            key = fold_term(term, view)
            # a consonant skeleton of two letters collides with everyday words (had, hna, top)
            if len(key.replace(" ", "")) < (MIN_SKELETON if view == "arabizi" else 2):
                continue
            keyed.setdefault(key, []).append((i, prefix))
            if entry.lang == "ary_latn" and view != "arabizi":
                # Arabizi glues the article and conjunctions on: l7mar, w9a7ba, bl3ani
                for clitic in _LATIN_PROCLITICS:
                    keyed.setdefault(clitic + key, []).append((i, prefix))
            if entry.category in CATEGORIES:
                variants.extend((fold_term(v, view), i, prefix) for v in term_variants(entry))
        for key, i, prefix in variants:  # never in place of an entry written out in a file
            keyed.setdefault(key, [(i, prefix)])
        if not keyed:
            return None
        auto = ahocorasick.Automaton()
        for key, values in keyed.items():
            auto.add_word(key, (len(key), tuple(values)))
        auto.make_automaton()
        return auto

    def scan(self, norm: Normalized) -> tuple[list[Hit], list[tuple[int, int]]]:
        """Entry hits on word boundaries in any view, minus those inside an allow match of the
        same view; and the spans of the original text that allow-list entries cover.

        The same entry found on the same words in several views is reported once."""
        hits: list[Hit] = []
        allowed: set[tuple[int, int]] = set()
        seen: set[tuple[int, str]] = set()
        n_entries = len(self.entries)
        previous = None
        for view in norm.views:
            if view.text == previous:
                continue
            previous = view.text
            auto = self._auto.get(view.name)
            if auto is None:
                continue
            text = view.text
            found = list(_matches(auto, text))
            if not found:
                continue
            inside = [(s, e) for s, e, vals in found if any(v[0] >= n_entries for v in vals)]
            for s, e in inside:
                allowed.add(view.to_original(s, e))
            for s, e, values in found:
                if any(a <= s and e <= b for a, b in inside):
                    continue
                words = " ".join(text[s:e].split())
                for idx, _prefix in values:
                    if idx >= n_entries or (idx, words) in seen:
                        continue
                    seen.add((idx, words))
                    hits.append(Hit(self.entries[idx], view, s, e))
        return hits, sorted(allowed)

    def match(self, norm: Normalized) -> list[Hit]:
        """The entry hits of :meth:`scan`."""
        return self.scan(norm)[0]

    def allowed(self, norm: Normalized) -> list[tuple[int, int]]:
        """The allow-list spans of :meth:`scan`, in the original text."""
        return self.scan(norm)[1]


def _matches(
    auto: ahocorasick.Automaton | None, text: str
) -> Iterable[tuple[int, int, tuple[tuple[int, bool], ...]]]:
    """(start, end, values) of every key occurrence that sits on acceptable word boundaries."""
    if auto is None:
        return
    n = len(text)
    for last, (length, values) in auto.iter(text):
        start = last - length + 1
        end = last + 1
        if start and _is_word(text[start - 1]) and not _left_ok(text, start):
            continue
        right_ok = end >= n or not _is_word(text[end])
        if right_ok:
            yield start, end, values
            continue
        prefixed = tuple(v for v in values if v[1])
        if prefixed:
            yield start, end, prefixed
            continue
        if length >= 3 and _arabic_suffix_ok(text, end):
            yield start, end, values


def _left_ok(text: str, start: int) -> bool:
    if start == 0 or not _is_word(text[start - 1]):
        return True
    # an Arabic proclitic glued to the word: the clitic itself must start a word
    for k in range(1, _MAX_CLITIC + 1):
        begin = start - k
        if begin < 0:
            break
        if text[begin:start] in _PROCLITICS and (begin == 0 or not _is_word(text[begin - 1])):
            return True
    return False


def _arabic_suffix_ok(text: str, end: int) -> bool:
    if not _has_arabic(text[end - 1]):
        return False
    for k in range(1, _MAX_CLITIC + 1):
        stop = end + k
        if stop > len(text):
            break
        if text[end:stop] in _ENCLITICS and (stop == len(text) or not _is_word(text[stop])):
            return True
    return False


def _has_arabic(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in s)


@cache
def load_default_lexicon() -> Lexicon:
    """The lexicons shipped in the package (parsed and compiled once per process)."""
    entries: list[Entry] = []
    allow: list[Entry] = []
    errors: list[str] = []
    folder = resources.files("salama.detect") / "lexicons"
    for ref in sorted(folder.iterdir(), key=lambda r: r.name):
        if not ref.name.endswith(".tsv"):
            continue
        with resources.as_file(ref) as path:
            try:
                parsed = parse_lexicon(path)
            except LexiconError as exc:
                errors.extend(str(e) for e in exc.details.get("errors", [exc.message]))  # type: ignore[attr-defined]
                continue
        (allow if path.stem == "allow" else entries).extend(parsed)
    if errors:
        raise LexiconError(
            f"shipped lexicons have {len(errors)} error(s)", details={"errors": errors}
        )
    return Lexicon(entries, allow)
