"""Controls: validation, passcodes, provenance with two parents, and the teen's view."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salama.errors import InputError, NotFoundError, SalamaError
from salama.family import (
    FIELDS,
    Controls,
    ControlsState,
    Pairing,
    Provenance,
    SleepHours,
    apply_update,
    drop_parent,
    stricter_who,
    teen_view,
)
from salama.family.controls import WEEKDAYS, WHO
from salama.policy.owner import WHO as OWNER_WHO
from salama.wellbeing.limits import WEEKDAYS as WELLBEING_WEEKDAYS
from salama.wellbeing.unlocks import unlock_with_passcode, verify_passcode

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
MUM = Pairing("t1", "mum", "teen", NOW - timedelta(days=30))
DAD = Pairing("t1", "dad", "teen", NOW - timedelta(days=20))
BOTH = [MUM, DAD]


def refusal(excinfo: pytest.ExceptionInfo[SalamaError]) -> tuple[str, object]:
    return str(excinfo.value.details["code"]), excinfo.value.details.get("field")


def empty() -> ControlsState:
    return ControlsState("t1", "teen")


# --- validation ------------------------------------------------------------------------------


def test_names_agree_with_policy_and_wellbeing() -> None:
    assert WHO == OWNER_WHO
    assert WEEKDAYS == WELLBEING_WEEKDAYS


def test_defaults_are_no_control() -> None:
    controls = Controls()
    assert controls.limit_on(date(2026, 3, 10)) is None
    assert controls.sleep_hours is None and controls.unlock_passcode_hash is None
    assert (controls.who_may_comment, controls.strictness, controls.restricted_search) == (
        "everyone",
        "standard",
        False,
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"daily_limit_minutes": 14}, "daily_limit_minutes"),
        ({"daily_limit_minutes": 1441}, "daily_limit_minutes"),
        ({"daily_limit_minutes": 60.0}, "daily_limit_minutes"),
        ({"daily_limit_minutes": True}, "daily_limit_minutes"),
        ({"weekday_limits": {"saturday": 60}}, "weekday_limits"),
        ({"weekday_limits": {"sat": 0}}, "weekday_limits"),
        ({"who_may_comment": "friends"}, "who_may_comment"),
        ({"who_may_message": None}, "who_may_message"),
        ({"strictness": "max"}, "strictness"),
        ({"restricted_search": "yes"}, "restricted_search"),
        ({"unlock_passcode_hash": "1234"}, "unlock_passcode"),
        ({"sleep_hours": ("22:00", "07:00")}, "sleep_hours"),
    ],
)
def test_controls_refuse_bad_values_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        Controls(**kwargs)
    assert refusal(caught)[1] == field


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("22:00", "22:00"),
        ("24:00", "07:00"),
        ("7:00", "08:00"),
        ("22:60", "07:00"),
        ("٢٢:٠٠", "07:00"),
        ("18:00", "07:00"),
        ("08:00", "21:00"),
    ],
)
def test_sleep_hours_refused(start: str, end: str) -> None:
    with pytest.raises(InputError) as caught:
        SleepHours(start, end)
    assert refusal(caught) == ("invalid_sleep_hours", "sleep_hours")


def test_sleep_hours_cross_midnight_and_last_up_to_12_hours() -> None:
    night = SleepHours("22:00", "07:00")
    assert night.minutes == 9 * 60
    assert (
        night.contains(time(23, 0)) and night.contains(time(0, 0)) and night.contains(time(6, 59))
    )
    assert not night.contains(time(7, 0)) and not night.contains(time(21, 59))
    assert night.contains(time(22, 0))
    assert SleepHours("19:00", "07:00").minutes == 12 * 60
    nap = SleepHours("13:00", "14:30")
    assert nap.contains(time(13, 0)) and not nap.contains(time(14, 30))


def test_weekday_limits_override_the_daily_limit() -> None:
    controls = Controls(daily_limit_minutes=60, weekday_limits={"sat": 120, "sun": None})
    assert controls.limit_on(date(2026, 3, 9)) == 60  # Monday
    assert controls.limit_on(date(2026, 3, 14)) == 120  # Saturday
    assert controls.limit_on(date(2026, 3, 15)) is None  # Sunday: no limit
    assert list(Controls(weekday_limits={"sun": 30, "mon": 20}).weekday_limits) == ["mon", "sun"]


def test_strictness_maps_to_a_policy_band() -> None:
    assert Controls().policy_band("teen_16_17") == "teen_16_17"
    assert Controls(strictness="strict").policy_band("teen_16_17") == "teen_13_15"
    assert Controls(strictness="strict").policy_band("teen_13_15") == "teen_13_15"
    with pytest.raises(InputError):
        Controls().policy_band("child")


def test_stricter_who_takes_the_stricter() -> None:
    assert stricter_who("everyone", "followers") == "followers"
    assert stricter_who("no_one", "followers") == "no_one"
    assert stricter_who("everyone", "everyone") == "everyone"
    with pytest.raises(InputError):
        stricter_who("everyone", "friends")  # type: ignore[arg-type]


# --- passcodes -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_passcode() -> ControlsState:
    """Mum set the unlock passcode 4821 (one scrypt run for the whole module: ~0.5 s each)."""
    state, _ = apply_update(
        ControlsState("t1", "teen"), {"unlock_passcode": "4821"}, "mum", NOW, pairings=BOTH
    )
    return state


def test_the_passcode_a_parent_sets_is_the_one_that_unlocks(with_passcode: ControlsState) -> None:
    stored = with_passcode.controls.unlock_passcode_hash
    assert stored is not None and "4821" not in stored
    assert verify_passcode("4821", stored) and verify_passcode("٤٨٢١", stored)
    assert not verify_passcode("4822", stored)
    unlock = unlock_with_passcode(
        "teen_13_15", "parent_passcode", "4821", stored, user="teen", by="mum", at=NOW, minutes=30
    )
    assert unlock.minutes == 30 and unlock.by == "mum"


@pytest.mark.parametrize(
    ("passcode", "code"),
    [
        ("123", "passcode_format"),
        ("123456789", "passcode_format"),
        ("12a4", "passcode_format"),
        (4821, "passcode_format"),
        ("0000", "passcode_too_simple"),
        ("1234", "passcode_too_simple"),
    ],
)
def test_bad_passcodes_are_refused_naming_the_field(passcode: object, code: str) -> None:
    with pytest.raises(InputError) as caught:
        apply_update(empty(), {"unlock_passcode": passcode}, "mum", NOW, pairings=BOTH)
    assert refusal(caught) == (code, "unlock_passcode")


@pytest.mark.parametrize(
    "stored", ["4821", "$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA", ""]
)
def test_controls_refuse_anything_but_a_passcode_hash(stored: str) -> None:
    with pytest.raises(InputError) as caught:
        Controls(unlock_passcode_hash=stored)
    assert refusal(caught)[0] == "invalid_passcode_hash"


# --- updates and provenance ------------------------------------------------------------------


def test_update_records_who_and_when_and_tells_the_teen_and_the_other_parent() -> None:
    state, event = apply_update(empty(), {"daily_limit_minutes": 90}, "mum", NOW, pairings=BOTH)
    assert state.controls.daily_limit_minutes == 90
    assert state.provenance == {"daily_limit_minutes": Provenance("mum", NOW)}
    assert state.version == 1
    assert event is not None and event.kind == "controls_changed"
    assert event.parent_id == "mum" and event.notify == ("teen", "dad")
    assert event.details["fields"] == ("daily_limit_minutes",)
    assert event.details["values"] == {"daily_limit_minutes": 90}


def test_two_parents_last_write_wins_per_field_and_the_teen_sees_who() -> None:
    later = NOW + timedelta(hours=1)
    state, _ = apply_update(
        empty(),
        {"daily_limit_minutes": 90, "who_may_message": "followers"},
        "mum",
        NOW,
        pairings=BOTH,
    )
    state, event = apply_update(
        state,
        {"daily_limit_minutes": 60, "sleep_hours": {"start": "22:30", "end": "07:00"}},
        "dad",
        later,
        pairings=BOTH,
    )
    assert event is not None and event.notify == ("teen", "mum")
    view = {v.name: v for v in teen_view(state)}
    assert (view["daily_limit_minutes"].value, view["daily_limit_minutes"].set_by) == (60, "dad")
    assert view["daily_limit_minutes"].set_at == later
    assert (view["who_may_message"].value, view["who_may_message"].set_by) == ("followers", "mum")
    assert view["who_may_message"].set_at == NOW
    assert view["sleep_hours"].value == {"start": "22:30", "end": "07:00"}
    assert view["sleep_hours"].set_by == "dad"
    assert (view["strictness"].set_by, view["strictness"].set_at) == (None, None)
    assert state.version == 2


def test_writing_the_same_value_changes_nothing() -> None:
    state, _ = apply_update(empty(), {"restricted_search": True}, "mum", NOW, pairings=BOTH)
    again, event = apply_update(state, {"restricted_search": True}, "dad", NOW, pairings=BOTH)
    assert event is None and again is state
    assert again.provenance["restricted_search"].set_by == "mum"


def test_none_resets_to_default_and_records_who() -> None:
    state, _ = apply_update(empty(), {"daily_limit_minutes": 90}, "mum", NOW, pairings=BOTH)
    state, event = apply_update(state, {"daily_limit_minutes": None}, "dad", NOW, pairings=BOTH)
    assert state.controls.daily_limit_minutes is None
    assert state.provenance["daily_limit_minutes"].set_by == "dad"
    assert event is not None and event.details["values"] == {"daily_limit_minutes": None}


def test_a_bad_value_applies_nothing() -> None:
    with pytest.raises(InputError) as caught:
        apply_update(
            empty(),
            {"daily_limit_minutes": 90, "who_may_comment": "friends"},
            "mum",
            NOW,
            pairings=BOTH,
        )
    assert refusal(caught) == ("invalid_control", "who_may_comment")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, "no_changes"),
        ({"bedtime": "22:00"}, "unknown_control"),
        ({"unlock_passcode_hash": "scrypt$..."}, "unknown_control"),
        ({"sleep_hours": {"start": "22:00"}}, "invalid_sleep_hours"),
    ],
)
def test_update_refusals(changes: dict[str, Any], code: str) -> None:
    with pytest.raises(InputError) as caught:
        apply_update(empty(), changes, "mum", NOW, pairings=BOTH)
    assert refusal(caught)[0] == code


def test_only_a_paired_parent_may_change_controls() -> None:
    with pytest.raises(NotFoundError) as caught:
        apply_update(empty(), {"restricted_search": True}, "uncle", NOW, pairings=BOTH)
    assert refusal(caught)[0] == "not_paired"
    with pytest.raises(NotFoundError):
        apply_update(empty(), {"restricted_search": True}, "mum", NOW, pairings=[])
    other_teen = Pairing("t1", "mum", "someone-else", NOW)
    with pytest.raises(InputError) as caught:
        apply_update(empty(), {"restricted_search": True}, "mum", NOW, pairings=[other_teen])
    assert refusal(caught)[0] == "pairings_mismatch"


def test_the_teen_sees_only_whether_a_passcode_is_set(with_passcode: ControlsState) -> None:
    stored = with_passcode.controls.unlock_passcode_hash
    assert stored is not None
    view = {v.name: v for v in teen_view(with_passcode)}
    assert view["unlock_passcode"].value == "set" and view["unlock_passcode"].set_by == "mum"
    shown = json.dumps([v.to_dict() for v in teen_view(with_passcode)])
    assert stored not in shown and "scrypt" not in shown and "4821" not in shown
    assert stored not in repr(with_passcode)  # nor in logs
    cleared, event = apply_update(
        with_passcode, {"unlock_passcode": None}, "dad", NOW, pairings=BOTH
    )
    assert {v.name: v.value for v in teen_view(cleared)}["unlock_passcode"] == "not set"
    assert cleared.controls.unlock_passcode_hash is None
    assert event is not None and event.details["values"] == {"unlock_passcode": "not set"}
    assert "scrypt" not in json.dumps(event.to_dict())


def test_setting_a_passcode_tells_the_teen_it_is_set() -> None:
    state, event = apply_update(empty(), {"unlock_passcode": "4821"}, "mum", NOW, pairings=BOTH)
    assert event is not None and event.details["values"] == {"unlock_passcode": "set"}
    assert "scrypt" not in json.dumps(event.to_dict()) and "4821" not in json.dumps(event.to_dict())
    # the state round-trips through JSON with its hash, which still verifies
    back = ControlsState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert back == state and back.controls.unlock_passcode_hash is not None
    assert verify_passcode("4821", back.controls.unlock_passcode_hash)


def test_teen_view_lists_every_field_in_order() -> None:
    view = teen_view(empty())
    assert tuple(v.name for v in view) == FIELDS
    assert all(v.set_by is None for v in view)
    assert json.loads(json.dumps([v.to_dict() for v in view]))[0] == {
        "name": "daily_limit_minutes",
        "value": None,
        "set_by": None,
        "set_at": None,
    }


def test_drop_parent_resets_only_their_fields(with_passcode: ControlsState) -> None:
    state, _ = apply_update(with_passcode, {"daily_limit_minutes": 90}, "mum", NOW, pairings=BOTH)
    state, _ = apply_update(state, {"restricted_search": True}, "dad", NOW, pairings=BOTH)
    after = drop_parent(state, "mum")
    assert after.controls.daily_limit_minutes is None
    assert after.controls.unlock_passcode_hash is None
    assert after.controls.restricted_search is True
    assert set(after.provenance) == {"restricted_search"}
    assert after.version == state.version + 1
    assert drop_parent(after, "mum") is after  # nothing left of theirs


# --- storage ---------------------------------------------------------------------------------

MINUTES = st.integers(min_value=15, max_value=1440)
SLEEP = st.builds(
    lambda s, d: SleepHours(
        f"{s // 60:02d}:{s % 60:02d}", f"{(s + d) // 60 % 24:02d}:{(s + d) % 60:02d}"
    ),
    st.integers(min_value=0, max_value=1439),
    st.integers(min_value=1, max_value=720),
)
CONTROLS = st.builds(
    Controls,
    daily_limit_minutes=st.none() | MINUTES,
    weekday_limits=st.dictionaries(st.sampled_from(WEEKDAYS), st.none() | MINUTES),
    sleep_hours=st.none() | SLEEP,
    who_may_comment=st.sampled_from(WHO),
    who_may_message=st.sampled_from(WHO),
    strictness=st.sampled_from(("standard", "strict")),
    restricted_search=st.booleans(),
)
PROVENANCE = st.dictionaries(
    st.sampled_from(FIELDS),
    st.builds(
        Provenance,
        set_by=st.sampled_from(["mum", "dad"]),
        set_at=st.datetimes(timezones=st.just(UTC)),
    ),
)


@given(CONTROLS, PROVENANCE, st.integers(min_value=0, max_value=10**6))
def test_state_round_trips_through_json(
    controls: Controls, provenance: dict[str, Provenance], version: int
) -> None:
    state = ControlsState("t1", "teen", controls, provenance, version)
    assert ControlsState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert Controls.from_dict(json.loads(json.dumps(controls.to_dict()))) == controls


@settings(max_examples=20, deadline=None)
@given(CONTROLS)
def test_teen_view_shows_every_value_in_force(controls: Controls) -> None:
    view = {v.name: v.value for v in teen_view(ControlsState("t1", "teen", controls))}
    stored = controls.to_dict()
    for name in FIELDS[:-1]:
        assert view[name] == stored[name]
    assert view["unlock_passcode"] == "not set"


def test_state_from_dict_refuses_unknown_fields() -> None:
    data = empty().to_dict()
    data["controls"]["bedtime"] = "22:00"
    with pytest.raises(InputError) as caught:
        ControlsState.from_dict(data)
    assert refusal(caught)[0] == "unknown_control"
    data = empty().to_dict()
    data["provenance"] = {"bedtime": {"set_by": "mum", "set_at": "2026-01-01T00:00:00+00:00"}}
    with pytest.raises(InputError) as caught:
        ControlsState.from_dict(data)
    assert refusal(caught)[0] == "invalid_provenance"
