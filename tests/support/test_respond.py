from pathlib import Path

import pytest

from salama.errors import InputError
from salama.support import (
    FIRST_PERSON_SIGNAL,
    SURFACES,
    SupportResponse,
    load_resources,
    respond,
    shipped_resources,
)
from salama.support.resources import INTERNATIONAL


def test_first_person_crisis_gets_support_on_every_surface() -> None:
    for surface in sorted(SURFACES):
        response = respond(
            ["invisible_chars", FIRST_PERSON_SIGNAL], 0.93, country="MA", language="ary",
            surface=surface,
        )  # fmt: skip
        assert isinstance(response, SupportResponse), surface
        assert response.situation == "first_person"
        assert response.message.language == "ary"
        assert response.country == "MA" and response.note is None
        assert response.resources[0].country == "MA"
        assert response.resources[-1].country == INTERNATIONAL


def test_first_person_signal_counts_even_with_a_low_score() -> None:
    response = respond((FIRST_PERSON_SIGNAL,), 0.2, country="FR", language="fr", surface="dm")
    assert response is not None
    assert response.resources[0].name.startswith("3114")
    assert "seul" in response.message.body or "seul" in response.message.title


def test_news_about_suicide_is_not_a_person_at_risk() -> None:
    for surface in ("post", "comment", "dm", "bio"):
        assert respond([], 0.97, country="FR", language="fr", surface=surface) is None
    assert respond(["negated"], 0.9, country="GB", language="en", surface="post") is None


def test_search_with_self_harm_terms_gets_help_instead_of_results() -> None:
    response = respond([], 0.5, country="GB", language="en", surface="search")
    assert response is not None
    assert response.situation == "search"
    assert response.message.title == "Need someone to talk to?"
    assert response.resources[0].name == "Samaritans"


def test_search_below_the_threshold_gets_nothing() -> None:
    assert respond([], 0.49, country="GB", language="en", surface="search") is None
    assert respond([], 0.0, country="GB", language="en", surface="search") is None


def test_first_person_on_search_is_first_person() -> None:
    response = respond([FIRST_PERSON_SIGNAL], 0.9, country="US", language="en", surface="search")
    assert response is not None and response.situation == "first_person"


def test_unknown_country_gets_international_resources_and_a_note() -> None:
    response = respond([FIRST_PERSON_SIGNAL], 0.9, country=None, language="ar", surface="post")
    assert response is not None
    assert response.note == "no_country"
    assert response.resources
    assert {r.country for r in response.resources} == {INTERNATIONAL}
    assert response.message.language == "ar"
    other = respond([FIRST_PERSON_SIGNAL], 0.9, country="JP", language="en", surface="post")
    assert other is not None and other.note == "country_not_covered"


def test_unverified_resources_are_listed_apart() -> None:
    response = respond([FIRST_PERSON_SIGNAL], 0.9, country="EG", language="ar", surface="dm")
    assert response is not None
    assert response.unverified
    assert all(not r.verified for r in response.unverified)
    assert set(response.unverified) < set(response.resources)


def test_an_injected_book_is_used(tmp_path: Path) -> None:
    (tmp_path / "_international.yaml").write_text(
        "country: international\nresources:\n"
        "  - name: Only line\n    kind: web\n"
        '    contact: [{type: web, value: "https://example.org"}]\n'
        "    languages: [en]\n    hours: always\n    audience: all\n    source: example.org\n"
        "    checked: null\n    status: unverified\n",
        "utf-8",
    )
    book = load_resources(tmp_path)
    response = respond(
        [FIRST_PERSON_SIGNAL], 0.9, country="MA", language="fr", surface="post", book=book
    )
    assert response is not None
    assert [r.name for r in response.resources] == ["Only line"]
    assert response.note == "country_not_covered"
    assert book is not shipped_resources()


@pytest.mark.parametrize("score", [-0.1, 1.5, float("nan")])
def test_score_outside_unit_interval_is_refused(score: float) -> None:
    with pytest.raises(InputError):
        respond([], score, country="FR", language="fr", surface="search")


def test_bad_surface_and_signals_are_refused() -> None:
    with pytest.raises(InputError):
        respond([], 0.9, country="FR", language="fr", surface="searches")
    with pytest.raises(InputError):
        respond(FIRST_PERSON_SIGNAL, 0.9, country="FR", language="fr", surface="post")


def test_adult_audience_is_passed_through() -> None:
    response = respond(
        [FIRST_PERSON_SIGNAL], 0.9, country="GB", language="en", surface="post", audience="all"
    )
    assert response is not None
    assert all(r.audience == "all" for r in response.resources)


def test_a_search_naming_the_topic_gets_support_but_a_post_does_not() -> None:
    from salama.support import TOPIC_SIGNAL

    on_search = respond([TOPIC_SIGNAL], 0.0, country="MA", language="fr", surface="search")
    assert on_search is not None and on_search.situation == "search"
    assert respond([TOPIC_SIGNAL], 0.0, country="MA", language="fr", surface="post") is None
