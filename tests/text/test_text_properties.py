"""Properties that must hold for any text at all: nothing raises, the fast and slow paths agree,
every span maps inside the original."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salama.text import MAX_CHARS, fold_term, identify, model_view, normalize
from salama.text.normalize import _Trace

# Characters that exercise every rule, mixed with anything Unicode has (lone surrogates included).
SPECIAL = [
    *"abcdefghijklmnopqrstuvwxyzABCZ0123456789 .-_*!|@$€'’\t\n"
    "اأإآٱةىؤئءحمرقبلكشعغخـًٌٍَُِّْٰ٣۴ﻻﷺ"
    "аеорсіАЕОΑοσᴀꜰéçÉßİŒﬁ①Ｈ𝐟"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u00ad\ufe0f\u0301\u0336"
    "\x00\x01\x1c\x85\u2028\u3000😂👍🏻",
    "\ud800",
    "\udfff",
    "\U000e0041",
]
texts = st.text(
    alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters(codec=None, exclude_categories=[])),
    max_size=60,
)
wordy = st.lists(
    st.sampled_from(
        ["wa777ed", "zwiiiin", "b!tch", "f u c k", "s.a.l.o.p.e", "nta", "7mar", "9a7ba", "كلبببب",
         "مُحَمَّد", "ﻻ", "сhіen", "ZAAAMEL", "c'est", "the", "wach", "3lach", " ", "  ", "!!", "@ss",
         "\u200b", "\u202e", "ها", "x", "1000", "gr8", "k-i-l-l"]
    ),
    max_size=12,
).map(" ".join)  # fmt: skip

SETTINGS = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> None:
    norm = normalize(text)
    n = len(norm.original)
    assert n <= MAX_CHARS
    assert [v.name for v in norm.views] == ["base", "latin", "arabizi"]
    assert norm.invisible >= 0
    trace = _Trace(norm.original, norm.views[0]._trace.every, norm.views[0].text)  # type: ignore[union-attr]
    traced = {name: trace.get(name) for name in ("base", "latin", "arabizi")}
    for v in norm.views:
        t = traced[v.name]
        assert t.text == v.text, (v.name, text)
        assert len(t.starts) == len(v.text) == len(t.ends)
        if trace.plain(v.text):  # the shortcut that skips the map: each character in its place
            assert t.starts == list(range(n)) and t.ends == list(range(1, n + 1)), text
        m = len(v.text)
        for start in range(m + 1):
            for end in (start, start + 1, m):
                s, e = v.to_original(start, end)
                assert 0 <= s <= e <= n
                # what the full offset map says
                a, b = start, min(max(end, start), m)
                if a < b:
                    assert (s, e) == (t.starts[a], t.ends[b - 1])
                elif a < m:
                    assert (s, e) == (t.starts[a], t.starts[a])
                else:
                    assert s == e == (t.ends[m - 1] if m else 0)
        # spans never run backwards
        assert traced[v.name].starts == sorted(traced[v.name].starts)
        assert traced[v.name].ends == sorted(traced[v.name].ends)
        v.text.encode("utf-8")  # no lone surrogate survives
    assert model_view(text).startswith(norm.views[0].text)


@SETTINGS
@given(texts)
def test_any_text(text: str) -> None:
    check(text)


@SETTINGS
@given(wordy)
def test_texts_made_of_spelling_games(text: str) -> None:
    check(text)


@SETTINGS
@given(texts)
def test_identify_and_fold_term_never_raise(text: str) -> None:
    g = identify(text)
    assert g.lang in {"ary", "ar", "fr", "en", "und"}
    assert g.script in {"Arab", "Latn", "mixed", "none"}
    for view in ("base", "latin", "arabizi"):
        fold_term(text, view)


def test_hostile_inputs_are_handled_quickly() -> None:
    hostile = [
        "a" + "\u0301" * 10_000,  # zalgo
        "\u202e" * 10_000,
        "😂" * 10_000,
        "\x00" * 10_000,
        "\ud800" * 10_000,
        "a" * 100_000,
        "ab" * 50_000,
        "7" * 10_000,
        "x" * 4999 + "كلب",  # one long word, then another script
        "f u c k " * 1000,
        "b!" * 5000,
        "ه" * 10_000,
        "а" * 10_000,  # Cyrillic a
        " " * 10_000,
        "".join(chr(c) for c in range(0x20, 0x3000)),
    ]
    for text in hostile:
        t0 = time.perf_counter()
        norm = normalize(text)
        for v in norm.views:
            s, e = v.to_original(0, len(v.text))
            assert 0 <= s <= e <= len(norm.original)
        model_view(text)
        identify(text)
        assert time.perf_counter() - t0 < 2.0, text[:20]


def test_emoji_only() -> None:
    norm = normalize("😂👍🏻❤️")
    assert norm.view("base").text == "😂👍🏻❤"
    assert norm.invisible == 0
    assert identify("😂👍🏻❤️").lang == "und"
