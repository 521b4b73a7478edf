"""Invites, acceptance, unpairing and the end at 18."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from salama.errors import ConflictError, InputError, NotFoundError, SalamaError
from salama.family import (
    INVITE_TTL,
    MAX_LIVE_INVITES,
    FamilyEvent,
    Invite,
    Pairing,
    accept_invite,
    aged_out,
    create_invite,
    hash_code,
    unpair,
)

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TEEN_BORN = date(2011, 5, 20)  # 14 on NOW
ZONE = "Africa/Casablanca"


def invite(parent: str = "parent-1", tenant: str = "t1", at: datetime = NOW) -> Invite:
    """An invite without the cost of scrypt (accept_invite never sees the code)."""
    return Invite(tenant, parent, "ab" * 32, at, at + INVITE_TTL)


def accept(found: Invite | None, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "tenant_id": "t1",
        "teen_id": "teen-1",
        "teen_birth_date": TEEN_BORN,
        "teen_time_zone": ZONE,
        "teen_pairings": [],
        "now": NOW,
    }
    kwargs.update(overrides)
    return accept_invite(found, **kwargs)


def refusal(excinfo: pytest.ExceptionInfo[SalamaError]) -> str:
    return str(excinfo.value.details["code"])


# --- create ----------------------------------------------------------------------------------


def test_create_invite_stores_only_the_hash_for_15_minutes() -> None:
    new = create_invite("t1", "parent-1", NOW)
    assert new.invite.code_hash == hash_code(new.code, "t1")
    assert new.invite.expires_at - new.invite.created_at == timedelta(minutes=15)
    stored = json.dumps(new.invite.to_dict())
    assert new.code not in stored and new.code.replace("-", "") not in stored
    assert new.code not in repr(new)  # the code stays out of logs


def test_a_store_finds_the_invite_from_the_code_as_typed() -> None:
    new = create_invite("t1", "parent-1", NOW)
    store = {(new.invite.tenant_id, new.invite.code_hash): new.invite}
    typed = new.code.lower().replace("-", "")
    found = store.get(("t1", hash_code(typed, "t1")))
    acc = accept(found, now=NOW + timedelta(minutes=3))
    assert acc.pairing == Pairing("t1", "parent-1", "teen-1", NOW + timedelta(minutes=3))
    assert store.get(("t1", hash_code("ABCD-2345", "t1"))) is None  # a guess finds nothing


def test_live_invites_are_capped() -> None:
    live = [invite(at=NOW - timedelta(minutes=i)) for i in range(MAX_LIVE_INVITES)]
    with pytest.raises(ConflictError) as caught:
        create_invite("t1", "parent-1", NOW, live_invites=live)
    assert refusal(caught) == "too_many_invites"
    expired = [invite(at=NOW - timedelta(minutes=20)), *live[1:]]
    assert create_invite("t1", "parent-1", NOW, live_invites=expired).invite.parent_id == "parent-1"


def test_create_refuses_a_parent_known_not_to_be_adult() -> None:
    with pytest.raises(InputError) as caught:
        create_invite("t1", "parent-1", NOW, parent_band="teen_16_17")
    assert refusal(caught) == "parent_not_adult"


def test_create_refuses_other_parents_invites_and_naive_times() -> None:
    with pytest.raises(InputError) as caught:
        create_invite("t1", "parent-1", NOW, live_invites=[invite("parent-2")])
    assert refusal(caught) == "invites_mismatch"
    with pytest.raises(InputError) as caught:
        create_invite("t1", "parent-1", datetime(2026, 1, 1))
    assert refusal(caught) == "naive_datetime"


# --- accept ----------------------------------------------------------------------------------


def test_accept_pairs_and_tells_both_sides() -> None:
    acc = accept(invite())
    assert acc.invite.used_at == NOW and acc.invite.used_by == "teen-1"
    assert acc.pairing == Pairing("t1", "parent-1", "teen-1", NOW)
    assert acc.event.kind == "paired"
    assert set(acc.event.notify) == {"parent-1", "teen-1"}
    assert (acc.event.parent_id, acc.event.teen_id, acc.event.at) == ("parent-1", "teen-1", NOW)


def test_invite_expires_at_exactly_15_minutes() -> None:
    made = invite()
    accept(made, now=NOW + INVITE_TTL - timedelta(microseconds=1))
    with pytest.raises(InputError) as caught:
        accept(made, now=NOW + timedelta(minutes=15))
    assert refusal(caught) == "invite_expired"


def test_invite_is_single_use() -> None:
    acc = accept(invite())
    with pytest.raises(ConflictError) as caught:
        accept(acc.invite, teen_id="teen-2")
    assert refusal(caught) == "invite_used"


def test_unknown_code_and_other_tenants_invite_look_the_same() -> None:
    with pytest.raises(NotFoundError) as caught:
        accept(None)
    assert refusal(caught) == "invite_unknown"
    with pytest.raises(NotFoundError) as caught:
        accept(invite(tenant="t2"))
    assert refusal(caught) == "invite_unknown"


def test_parent_cannot_accept_own_invite() -> None:
    with pytest.raises(InputError) as caught:
        accept(invite(), teen_id="parent-1")
    assert refusal(caught) == "invite_own"


@pytest.mark.parametrize(
    ("born", "code"),
    [
        (date(2008, 3, 10), "teen_is_adult"),  # 18 today
        (date(1980, 1, 1), "teen_is_adult"),
        (date(2013, 3, 11), "under_13"),  # 13 tomorrow
        (None, "teen_age_unknown"),
    ],
)
def test_age_rules(born: date | None, code: str) -> None:
    with pytest.raises(InputError) as caught:
        accept(invite(), teen_birth_date=born)
    assert refusal(caught) == code


def test_age_is_counted_on_the_teens_calendar() -> None:
    # 23:30 UTC on 9 March is 00:30 on 10 March in Tokyo: a teen born 10 March 2008 is 18 there
    late = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)
    made = invite(at=late)
    ok = accept(made, teen_birth_date=date(2008, 3, 10), teen_time_zone="UTC", now=late)
    assert ok.pairing.teen_id == "teen-1"
    with pytest.raises(InputError) as caught:
        accept(made, teen_birth_date=date(2008, 3, 10), teen_time_zone="Asia/Tokyo", now=late)
    assert refusal(caught) == "teen_is_adult"


def test_cannot_pair_twice() -> None:
    first = accept(invite())
    with pytest.raises(ConflictError) as caught:
        accept(invite(), teen_pairings=[first.pairing])
    assert refusal(caught) == "already_paired"


def test_two_parents_but_not_three() -> None:
    first = accept(invite("parent-1"))
    second = accept(invite("parent-2"), teen_pairings=[first.pairing])
    assert second.pairing.parent_id == "parent-2"
    with pytest.raises(ConflictError) as caught:
        accept(invite("parent-3"), teen_pairings=[first.pairing, second.pairing])
    assert refusal(caught) == "too_many_parents"


def test_one_parent_many_teens() -> None:
    for i in range(5):
        acc = accept(invite("parent-1"), teen_id=f"teen-{i}")
        assert acc.pairing.teen_id == f"teen-{i}"


def test_cross_tenant_pairings_are_refused() -> None:
    other = Pairing("t2", "parent-9", "teen-1", NOW)
    with pytest.raises(InputError) as caught:
        accept(invite(), teen_pairings=[other])
    assert refusal(caught) == "pairings_mismatch"
    with pytest.raises(NotFoundError):
        accept(invite(tenant="t1"), tenant_id="t2")


# --- unpair ----------------------------------------------------------------------------------


def test_unpair_by_either_side_tells_the_other() -> None:
    pairing = Pairing("t1", "parent-1", "teen-1", NOW)
    by_teen = unpair(pairing, by="teen-1", now=NOW)
    assert (by_teen.kind, by_teen.notify, by_teen.details["by"]) == (
        "unpaired",
        ("parent-1",),
        "teen",
    )
    by_parent = unpair(pairing, by="parent-1", now=NOW)
    assert (by_parent.notify, by_parent.details["by"]) == (("teen-1",), "parent")


def test_a_stranger_cannot_unpair() -> None:
    with pytest.raises(NotFoundError) as caught:
        unpair(Pairing("t1", "parent-1", "teen-1", NOW), by="someone", now=NOW)
    assert refusal(caught) == "not_paired"


# --- age out ---------------------------------------------------------------------------------


def _pairings(*teens: str) -> list[Pairing]:
    return [Pairing("t1", f"parent-of-{t}", t, NOW - timedelta(days=400)) for t in teens]


def test_pairing_ends_on_the_18th_birthday_in_the_teens_time_zone() -> None:
    pairings = _pairings("tokyo", "utc", "la")
    born = dict.fromkeys(("tokyo", "utc", "la"), date(2008, 3, 10))
    zones = {"tokyo": "Asia/Tokyo", "utc": "UTC", "la": "America/Los_Angeles"}
    eve = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # already 10 March in Tokyo only
    assert [e.teen_id for e in aged_out(pairings, born, zones, eve)] == ["tokyo"]
    morning = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 02:00 in Los Angeles: 10 March
    assert {e.teen_id for e in aged_out(pairings, born, zones, morning)} == {"tokyo", "utc", "la"}
    early = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 23:00 on 9 March in Los Angeles
    assert {e.teen_id for e in aged_out(pairings, born, zones, early)} == {"tokyo", "utc"}


def test_age_out_events_tell_both_sides() -> None:
    [event] = aged_out(_pairings("a"), {"a": date(2008, 3, 10)}, {"a": "UTC"}, NOW)
    assert event.kind == "aged_out" and set(event.notify) == {"parent-of-a", "a"}
    assert event.at == NOW and event.details["by"] == "age"


def test_29_february_birthday_ends_on_1_march() -> None:
    pairings, born, zones = _pairings("leap"), {"leap": date(2008, 2, 29)}, {"leap": "UTC"}
    assert aged_out(pairings, born, zones, datetime(2026, 2, 28, 23, 59, tzinfo=UTC)) == []
    assert len(aged_out(pairings, born, zones, datetime(2026, 3, 1, 0, 0, tzinfo=UTC))) == 1


def test_a_missed_day_still_ends_the_pairing_and_teens_stay() -> None:
    pairings = _pairings("late", "young")
    born = {"late": date(2008, 3, 1), "young": date(2011, 3, 1)}
    zones = {"late": "UTC", "young": "UTC"}
    assert [e.teen_id for e in aged_out(pairings, born, zones, NOW)] == ["late"]


def test_two_parents_two_age_out_events() -> None:
    pairings = [Pairing("t1", p, "teen", NOW) for p in ("mum", "dad")]
    events = aged_out(pairings, {"teen": date(2008, 3, 10)}, {"teen": "UTC"}, NOW)
    assert sorted(e.parent_id for e in events) == ["dad", "mum"]


def test_age_out_input_errors() -> None:
    with pytest.raises(InputError) as caught:
        aged_out([*_pairings("a"), Pairing("t2", "p", "b", NOW)], {}, {}, NOW)
    assert refusal(caught) == "mixed_tenants"
    with pytest.raises(InputError) as caught:
        aged_out(_pairings("a", "b"), {"a": date(2010, 1, 1)}, {"a": "UTC", "b": "UTC"}, NOW)
    assert refusal(caught) == "birth_date_missing" and caught.value.details["teen_ids"] == ["b"]
    with pytest.raises(InputError) as caught:
        aged_out(_pairings("a"), {"a": date(2010, 1, 1)}, {}, NOW)
    assert refusal(caught) == "time_zone_missing"


# --- storage ---------------------------------------------------------------------------------


def test_dataclasses_round_trip_through_json() -> None:
    acc = accept(invite())
    for obj, cls in ((acc.invite, Invite), (acc.pairing, Pairing), (acc.event, FamilyEvent)):
        data = json.loads(json.dumps(obj.to_dict()))
        assert cls.from_dict(data) == obj  # type: ignore[attr-defined]
    fresh = invite()
    assert Invite.from_dict(json.loads(json.dumps(fresh.to_dict()))) == fresh


def test_from_dict_reports_missing_and_bad_fields() -> None:
    with pytest.raises(InputError) as caught:
        Pairing.from_dict({"tenant_id": "t1", "parent_id": "p", "teen_id": "k"})
    assert refusal(caught) == "missing_field"
    data = invite().to_dict()
    data["code_hash"] = "ABCD-2345"  # a code where its hash belongs
    with pytest.raises(InputError) as caught:
        Invite.from_dict(data)
    assert refusal(caught) == "invalid_code_hash"
    data = invite().to_dict()
    data["created_at"] = "2026-03-10T09:00:00"  # no offset
    with pytest.raises(InputError) as caught:
        Invite.from_dict(data)
    assert refusal(caught) == "naive_datetime"


def test_events_hold_json_values_only() -> None:
    with pytest.raises(InputError) as caught:
        FamilyEvent("paired", "t1", "p", "k", NOW, ("p", "k"), {"when": NOW})
    assert refusal(caught) == "invalid_details"
    with pytest.raises(InputError) as caught:
        FamilyEvent("adopted", "t1", "p", "k", NOW, ("p", "k"))  # type: ignore[arg-type]
    assert refusal(caught) == "invalid_event_kind"
    with pytest.raises(InputError) as caught:
        FamilyEvent("paired", "t1", "p", "k", NOW, ("stranger",))
    assert refusal(caught) == "invalid_notify"
