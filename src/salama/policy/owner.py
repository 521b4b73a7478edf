"""What an account owner decides for their own space: who may comment or write, and which words
they do not want to see.

Keyword filters are matched exactly as the shipped lexicons are: each term becomes a
:class:`~salama.detect.lexicon.Entry` of a private :class:`~salama.detect.lexicon.Lexicon`, folded
once per view by :func:`~salama.text.fold_term`, and the text is read through
:func:`~salama.text.normalize`. So an owner's ``معاق`` also catches the Arabizi ``m3a9`` and
``m3aaa9``, ``idiot`` catches ``1d10t`` and ``IDIOT``, and a trailing ``*`` makes a prefix
(``idiot*`` catches ``idiots``). Matches sit on word boundaries (Arabic clitics allowed), so
``idiot`` does not catch ``idiotic``. An Arabizi term (``m3a9``) catches Arabizi spellings only:
write the Arabic-script word to catch both scripts.

Cost: the automata are compiled on first use and kept on the settings object (build one
``OwnerSettings`` per owner and keep it while their settings do not change). Compiling 10,000
terms of 6-10 letters took 0.08 s and about 12 MB of Python heap (tracemalloc; the automata's
own C memory is not counted); each ``evaluate`` of a comment then took about 25 µs, whatever
the number of terms (docs/policies.md has the snippet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from salama.detect.lexicon import Entry, Lexicon
from salama.errors import InputError
from salama.policy import i18n
from salama.policy.model import Evidence, Reason
from salama.text import Normalized, fold_term, normalize
from salama.text.arabizi import looks_arabizi

__all__ = ["MAX_KEYWORDS", "MAX_KEYWORD_CHARS", "WHO", "OwnerSettings"]

MAX_KEYWORDS = 10_000
MAX_KEYWORD_CHARS = 100
WHO = ("everyone", "followers", "no_one")
Who = Literal["everyone", "followers", "no_one"]
_FILTERED_SURFACES = frozenset({"comment", "dm"})


@dataclass(frozen=True, slots=True)
class OwnerSettings:
    """An owner's settings. Raises InputError (code ``invalid_input``, ``details["code"]`` says
    which limit) for an unknown ``who_may_*`` value, more than MAX_KEYWORDS terms, a term longer
    than MAX_KEYWORD_CHARS characters, or a term too short to match (under two letters)."""

    filter_all_comments: bool = False
    keyword_filters: Sequence[str] = ()
    who_may_comment: Who = "everyone"
    who_may_message: Who = "everyone"
    _lexicon: list[Lexicon] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("who_may_comment", "who_may_message"):
            value = getattr(self, name)
            if value not in WHO:
                raise InputError(
                    f"{name} must be one of {', '.join(WHO)}, not {value!r}",
                    details={"code": "invalid_owner_setting", "field": name},
                )
        terms = self.keyword_filters
        if isinstance(terms, str):
            raise InputError(
                "keyword_filters is a list of terms, not one string",
                details={"code": "invalid_owner_setting", "field": "keyword_filters"},
            )
        if len(terms) > MAX_KEYWORDS:
            raise InputError(
                f"at most {MAX_KEYWORDS} keyword filters, found {len(terms)}",
                details={"code": "too_many_keywords", "limit": MAX_KEYWORDS, "found": len(terms)},
            )
        cleaned: list[str] = []
        for i, term in enumerate(terms):
            if not isinstance(term, str):
                raise InputError(
                    f"keyword filter {i} is not a string",
                    details={"code": "invalid_keyword", "index": i},
                )
            term = " ".join(term.split())
            if any(ord(ch) < 32 or ch == "\x7f" for ch in term):
                raise InputError(
                    f"keyword filter {i} contains a control character",
                    details={"code": "invalid_keyword", "index": i},
                )
            if len(term) > MAX_KEYWORD_CHARS:
                raise InputError(
                    f"keyword filter {i} has {len(term)} characters; at most {MAX_KEYWORD_CHARS}",
                    details={"code": "keyword_too_long", "index": i, "limit": MAX_KEYWORD_CHARS},
                )
            if len(fold_term(term.rstrip("*"), "base").replace(" ", "")) < 2:
                raise InputError(
                    f"keyword filter {i} ({term!r}) is too short to match: two letters at least",
                    details={"code": "keyword_too_short", "index": i},
                )
            cleaned.append(term)
        object.__setattr__(self, "keyword_filters", tuple(dict.fromkeys(cleaned)))

    # -----------------------------------------------------------------------------------------

    def keyword_hits(self, text: str | Normalized) -> list[Evidence]:
        """The owner's terms found in ``text``, located in the text as written."""
        if not self.keyword_filters:
            return []
        norm = text if isinstance(text, Normalized) else normalize(text)
        out: list[Evidence] = []
        seen: set[tuple[int, int, str]] = set()
        for hit in self._compiled().match(norm):
            start, end = hit.original()
            key = (start, end, hit.entry.term)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Evidence(norm.original[start:end], f"owner:keyword:{hit.entry.term}", start, end)
            )
        out.sort(key=lambda e: (e.start, e.end, e.rule))
        return out

    def reasons(
        self,
        surface: str,
        *,
        author_is_follower: bool | None = None,
        text: str | Normalized | None = None,
    ) -> list[Reason]:
        """The reasons these settings give for a text on ``surface``."""
        out: list[Reason] = []
        if surface == "comment":
            out.extend(_access("comment", self.who_may_comment, author_is_follower, "comments"))
            if self.filter_all_comments:
                out.append(_owner_reason("owner:filter_all_comments", "hold", "owner_filter_all"))
        elif surface == "dm":
            out.extend(_access("message", self.who_may_message, author_is_follower, "messages"))
        if surface in _FILTERED_SURFACES and self.keyword_filters:
            if text is None:
                raise InputError(
                    "the owner has keyword filters: pass the text to evaluate(..., text=...)",
                    details={"code": "text_required"},
                )
            hits = self.keyword_hits(text)
            if hits:
                out.append(_owner_reason("owner:keyword", "hold", "owner_keyword", tuple(hits)))
        return out

    def _compiled(self) -> Lexicon:
        # Compiled once per settings object; a race between two threads only compiles twice.
        if not self._lexicon:
            self._lexicon.append(_compile(self.keyword_filters))
        return self._lexicon[0]


def _compile(terms: Sequence[str]) -> Lexicon:
    entries = [
        Entry(term, _lang_of(term.rstrip("*")), "owner", 1, "owner keyword", f"owner:{i + 1}")
        for i, term in enumerate(terms)
    ]
    return Lexicon(entries)


def _lang_of(term: str) -> str:
    """Arabic-script terms are "ar" (their skeleton also catches Arabizi spellings); Latin terms
    whose words read as Arabizi are "ary_latn" (glued clitics and skeleton spellings); any other
    term matches as written, after folding."""
    if any("\u0600" <= ch <= "\u06ff" for ch in term):
        return "ar"
    words = [w for w in term.lower().split() if w.isascii() and w.isalnum()]
    if words and any(looks_arabizi(w) for w in words):
        return "ary_latn"
    return "any"


def _access(noun: str, who: str, follower: bool | None, plural: str) -> list[Reason]:
    if who == "everyone":
        return []
    rule = f"owner:who_may_{noun}"
    if who == "no_one":
        return [_owner_reason(rule, "block", f"owner_{plural}_off")]
    if follower is None:
        raise InputError(
            f"the owner lets only followers send {plural}: pass author_is_follower",
            details={"code": "follower_required"},
        )
    if not follower:
        return [_owner_reason(rule, "block", f"owner_{plural}_followers")]
    return []


def _owner_reason(rule: str, action: str, key: str, evidence: tuple[Evidence, ...] = ()) -> Reason:
    return Reason(
        rule=rule,
        action=action,
        category=None,
        score=None,
        evidence=evidence,
        message=dict(i18n.REASONS[key]),
        key=key,
        where="owner settings",
    )
