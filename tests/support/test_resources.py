from datetime import date
from pathlib import Path

import pytest

from salama.errors import DataError, InputError
from salama.support.resources import (
    INTERNATIONAL,
    KINDS,
    Contact,
    ResourceBook,
    load_resources,
    parse_resource_file,
    shipped_resources,
)

SHIPPED_COUNTRIES = {"MA", "DZ", "TN", "EG", "SA", "AE", "FR", "BE", "CA", "GB", "US"}

GOOD_ENTRY = """\
  - name: Line
    kind: crisis_line
    contact:
      - {type: phone, value: "123"}
    languages: [fr]
    hours: 24/7
    audience: all
    source: example.org
    checked: 2026-11-24
    status: verified
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def errors_of(exc: pytest.ExceptionInfo[DataError]) -> list[str]:
    found = exc.value.details["errors"]
    assert isinstance(found, list)
    return [str(e) for e in found]


# --- the shipped book --------------------------------------------------------------------------


def test_every_shipped_file_loads() -> None:
    book = load_resources()
    assert set(book.countries) == SHIPPED_COUNTRIES
    assert book.international, "the international fallback must not be empty"
    for country, entries in book.by_country.items():
        assert entries, f"{country} has no entry"
        for r in entries:
            assert r.country == country
            assert r.contact and r.languages
            assert r.where.endswith(tuple(f":{n}" for n in range(1, 1000)))


def test_shipped_book_is_cached() -> None:
    assert shipped_resources() is shipped_resources()


def test_verified_entries_carry_the_date_they_were_checked() -> None:
    for entries in shipped_resources().by_country.values():
        for r in entries:
            if r.verified:
                assert r.checked == date(2026, 11, 24), r.where
            else:
                assert r.checked is None, r.where


def test_known_numbers_are_shipped_as_verified() -> None:
    book = shipped_resources()

    def verified_numbers(country: str) -> set[str]:
        return {c.value for r in book.by_country[country] if r.verified for c in r.contact}

    assert {"3114", "119", "112", "15"} <= verified_numbers("FR")
    assert {"116 123", "0800 1111", "999"} <= verified_numbers("GB")
    assert {"988", "911"} <= verified_numbers("US")
    assert {"988", "1-800-668-6868", "686868"} <= verified_numbers("CA")
    assert {"0800 32 123", "1813", "112"} <= verified_numbers("BE")
    assert {"15", "19", "177"} <= verified_numbers("MA")


def test_unverified_entries_are_returned_but_flagged() -> None:
    resources = shipped_resources().for_user("MA", "ary")
    child_line = next(r for r in resources if any(c.value == "2511" for c in r.contact))
    assert child_line.verified is False
    assert child_line.status == "unverified"


# --- ordering ------------------------------------------------------------------------------------


def test_country_first_then_international() -> None:
    resources = shipped_resources().for_user("FR", "fr")
    countries = [r.country for r in resources]
    n_fr = countries.count("FR")
    assert n_fr > 0
    assert countries[:n_fr] == ["FR"] * n_fr
    assert set(countries[n_fr:]) == {INTERNATIONAL}


def test_support_lines_before_emergency_numbers() -> None:
    for country in SHIPPED_COUNTRIES:
        own = [r for r in shipped_resources().for_user(country, None) if r.country == country]
        kinds = [r.kind for r in own]
        if "emergency" in kinds:
            first_emergency = kinds.index("emergency")
            assert all(k == "emergency" for k in kinds[first_emergency:]), country


def test_french_speaker_in_france_gets_3114_first() -> None:
    first = shipped_resources().for_user("FR", "fr")[0]
    assert first.name.startswith("3114")
    assert first.verified


def test_language_decides_the_order_within_a_country() -> None:
    book = shipped_resources()
    assert book.for_user("BE", "nl")[0].name == "Zelfmoordlijn 1813"
    assert book.for_user("BE", "fr")[0].name == "Centre de Prévention du Suicide"
    be_fr = [r for r in book.for_user("BE", "fr") if not r.emergency and r.country == "BE"]
    speaks = ["fr" in r.languages for r in be_fr]
    assert speaks == sorted(speaks, reverse=True)  # every French line before any Dutch one


def test_region_and_script_suffixes_are_ignored() -> None:
    book = shipped_resources()
    assert book.for_user("be", "nl-BE") == book.for_user("BE", "nl")
    assert book.for_user("UK", "en") == book.for_user("GB", "en")


def test_related_arabic_variety_ranks_before_other_languages(tmp_path: Path) -> None:
    write(
        tmp_path,
        "XX.yaml",
        "country: XX\nresources:\n"
        + GOOD_ENTRY.replace("name: Line", "name: French line")
        + GOOD_ENTRY.replace("name: Line", "name: Arabic line").replace("[fr]", "[ar]"),
    )
    write(tmp_path, "_international.yaml", "country: international\nresources: []\n")
    book = load_resources(tmp_path)
    assert [r.name for r in book.for_user("XX", "ary")] == ["Arabic line", "French line"]
    assert [r.name for r in book.for_user("XX", "fr")] == ["French line", "Arabic line"]


def test_within_a_language_crisis_lines_come_before_child_helplines() -> None:
    own = [r for r in shipped_resources().for_user("GB", "en") if r.country == "GB"]
    kinds = [KINDS.index(r.kind) for r in own]
    assert kinds == sorted(kinds)
    assert own[0].name == "Samaritans"


def test_adults_do_not_get_youth_or_children_lines() -> None:
    book = shipped_resources()
    adult = book.for_user("GB", "en", audience="all")
    assert adult and all(r.audience == "all" for r in adult)
    assert "Childline" in {r.name for r in book.for_user("GB", "en", audience="youth")}
    with pytest.raises(InputError):
        book.for_user("GB", "en", audience="teen")


# --- fallback ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "note"), [(None, "no_country"), ("", "no_country"), ("ZZ", "country_not_covered")]
)
def test_unknown_country_falls_back_to_international(country: str | None, note: str) -> None:
    book = shipped_resources()
    selection = book.select(country, "fr")
    assert selection.note == note
    assert selection.resources == book.international or set(selection.resources) == set(
        book.international
    )
    assert {r.country for r in selection.resources} == {INTERNATIONAL}
    assert book.for_user(country, "fr") == list(selection.resources)


def test_international_is_not_a_country() -> None:
    selection = shipped_resources().select("international", "en")
    assert selection.note == "country_not_covered"
    assert len(selection.resources) == len(shipped_resources().international)


def test_a_covered_country_has_no_note() -> None:
    selection = shipped_resources().select("ma", "ar")
    assert selection.country == "MA" and selection.note is None


def test_contact_uri() -> None:
    assert Contact("phone", "0800 32 123").uri == "tel:080032123"
    assert Contact("sms", "85258", "text SHOUT").uri == "sms:85258"
    assert Contact("web", "https://3114.fr").uri == "https://3114.fr"


def test_empty_book_gives_no_resources() -> None:
    assert ResourceBook().for_user("FR", "fr") == []


# --- validation: every error at file:line ------------------------------------------------------


def test_broken_file_reports_every_error_at_its_line(tmp_path: Path) -> None:
    text = """\
country: XX
resources:
  - name: Good line
    kind: crisis_line
    contact:
      - {type: phone, value: "123"}
    languages: [fr]
    hours: 24/7
    audience: all
    source: example.org
    checked: 2026-11-24
    status: verified
  - name: Bad line
    kind: hotline
    colour: red
    contact:
      - {type: email, value: help@example.org}
      - {type: phone, value: call us}
      - {type: web, value: "http://example.org"}
    languages: fr
    audience: teens
    source: example.org
    checked: yesterday
    status: verified
  - name: 3114
    kind: crisis_line
    contact: []
    languages: [French]
    hours: 24/7
    audience: all
    source: example.org
    checked: null
    status: maybe
"""
    write(tmp_path, "XX.yaml", text)
    with pytest.raises(DataError) as exc:
        load_resources(tmp_path)
    errors = errors_of(exc)
    expected = [
        "XX.yaml:13: resources[1]: missing 'hours'",
        "XX.yaml:14: resources[1].kind: unknown value 'hotline'",
        "XX.yaml:15: resources[1]: unknown key 'colour'",
        "XX.yaml:17: resources[1].contact[0].type: unknown value 'email'",
        "XX.yaml:18: resources[1].contact[1].value: 'call us' is not a phone number",
        "XX.yaml:19: resources[1].contact[2].value: 'http://example.org' must be an https://",
        "XX.yaml:20: resources[1].languages: expected a non-empty list",
        "XX.yaml:21: resources[1].audience: unknown value 'teens'",
        "XX.yaml:23: resources[1].checked: 'yesterday' is not a date",
        "XX.yaml:25: resources[2].name: expected text, found '3114' (quote it)",
        "XX.yaml:27: resources[2].contact: expected a non-empty list",
        "XX.yaml:28: resources[2].languages: 'French' is not an ISO 639 code",
        "XX.yaml:33: resources[2].status: unknown value 'maybe'",
    ]
    for want in expected:
        assert any(e.startswith(want) for e in errors), f"missing {want!r} in {errors}"
    assert len(errors) == len(expected), errors
    assert exc.value.code == "invalid_data"
    assert "XX.yaml:" in exc.value.message


def test_errors_of_several_files_are_all_reported(tmp_path: Path) -> None:
    write(tmp_path, "AA.yaml", "country: AA\nresources:\n  - name: x\n")
    write(tmp_path, "BB.yaml", "country: BB\nresources: {}\n")
    write(tmp_path, "CC.yaml", "country: CC\nresources:\n" + GOOD_ENTRY)
    with pytest.raises(DataError) as exc:
        load_resources(tmp_path)
    errors = errors_of(exc)
    assert any(e.startswith("AA.yaml:3: resources[0]: missing 'kind'") for e in errors)
    assert any(e.startswith("BB.yaml:2: resources: expected a list") for e in errors)
    assert not any(e.startswith("CC.yaml") for e in errors)


def test_country_must_match_the_file_name(tmp_path: Path) -> None:
    write(tmp_path, "FR.yaml", "country: BE\nresources:\n" + GOOD_ENTRY)
    write(tmp_path, "_international.yaml", "country: INT\nresources:\n" + GOOD_ENTRY)
    with pytest.raises(DataError) as exc:
        load_resources(tmp_path)
    errors = errors_of(exc)
    assert any(e.startswith("FR.yaml:1: country: 'BE' does not match") for e in errors)
    assert any(e.startswith("_international.yaml:1: country: 'INT' does not match") for e in errors)


def test_file_level_errors(tmp_path: Path) -> None:
    write(tmp_path, "AA.yaml", "")
    write(tmp_path, "BB.yaml", "- just\n- a list\n")
    write(tmp_path, "CC.yaml", "country: CC\nresources: []\nowner: me\n")
    write(tmp_path, "DD.yaml", "country: DD\n")
    with pytest.raises(DataError) as exc:
        load_resources(tmp_path)
    errors = errors_of(exc)
    assert any(e.startswith("AA.yaml:1: empty file") for e in errors)
    assert any(e.startswith("BB.yaml:1: file must be a mapping") for e in errors)
    assert any(e.startswith("CC.yaml:3: file: unknown key 'owner'") for e in errors)
    assert any(e.startswith("DD.yaml:1: file: missing 'resources'") for e in errors)


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "XX.yaml", "country: XX\nresources:\n  - name: [unclosed\n    kind: web\n"
    )
    with pytest.raises(DataError) as exc:
        parse_resource_file(path)
    (error,) = errors_of(exc)
    assert error.startswith("XX.yaml:")
    assert "YAML syntax" in error
    line = int(error.split(":")[1])
    assert 3 <= line <= 5


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    text = "country: XX\nresources:\n" + GOOD_ENTRY + "    status: unverified\n"
    path = write(tmp_path, "XX.yaml", text)
    with pytest.raises(DataError) as exc:
        parse_resource_file(path)
    assert errors_of(exc) == [
        "XX.yaml:13: resources[0]: key 'status' given twice (first on line 12)"
    ]


def test_verified_entry_needs_a_date(tmp_path: Path) -> None:
    text = "country: XX\nresources:\n" + GOOD_ENTRY.replace("2026-11-24", "null")
    path = write(tmp_path, "XX.yaml", text)
    with pytest.raises(DataError) as exc:
        parse_resource_file(path)
    assert errors_of(exc) == [
        "XX.yaml:11: resources[0].checked: a verified entry needs the date it was checked"
    ]


def test_good_file_parses_to_resources(tmp_path: Path) -> None:
    text = "country: XX\nresources:\n" + GOOD_ENTRY.replace('"123"', "988")
    country, entries = parse_resource_file(write(tmp_path, "XX.yaml", text))
    assert country == "XX"
    (entry,) = entries
    assert entry.contact == (Contact("phone", "988"),)  # an unquoted number is accepted
    assert entry.checked == date(2026, 11, 24)
    assert entry.where == "XX.yaml:3"
    assert entry.verified


def test_directory_without_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        load_resources(tmp_path)
