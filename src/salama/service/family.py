"""The family flow: ``salama.family`` (pure rules) joined to the store, for the API and the CLI.

Every change (invite, accept, controls, unpair, age-out) is written with its audit entry and its
webhook events (``webhook_outbox``) in one transaction (see ``salama.store.family``). Each call
that touches a teen first ends that teen's pairings if the teen is 18 today (the lazy age-out;
``salama family age-out`` runs the same check for every teen of every tenant).

    svc = FamilyService(store)
    new = svc.create_invite(tenant, parent_id, actor=...)   # new.code: show once
    svc.accept(tenant, code, teen_id, actor=...)            # counted by INVITE_ATTEMPTS
    svc.update_controls(tenant, teen_id, parent_id, {...}, actor=...)
    svc.controls_for(tenant, teen_id)                        # Controls | None (policy, limits)
    check_service.family = svc.policy_source(cache_seconds)  # controls feed /v1/check

The check route's lookup (:class:`FamilyPolicySource`) is cached in process: see its docstring
for the cost and the staleness bound.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

from salama.errors import ConflictError, InputError, NotFoundError, SalamaError, StorageError
from salama.family import (
    INVITE_ATTEMPTS,
    Controls,
    ControlsState,
    FamilyEvent,
    NewInvite,
    Pairing,
    accept_invite,
    aged_out,
    apply_update,
    create_invite,
    drop_parent,
    hash_code,
    unpair,
)
from salama.family.ages import age_on, local_today
from salama.policy.family import FamilyRules
from salama.service.cache import TTLCache
from salama.service.users import band_of
from salama.store import Store, UserRecord
from salama.store.family import Audit
from salama.wellbeing.limits import Limits, SleepWindow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

__all__ = ["FamilyPolicySource", "FamilyService", "NotAllowed"]


class NotAllowed(SalamaError):
    """The acting user may not do this to that teen (the API answers 403 ``not_paired``)."""

    code = "not_paired"


_POLICY_DEFAULTS = Controls()


def _acts_on_checks(controls: Controls) -> bool:
    return any(
        getattr(controls, name) != getattr(_POLICY_DEFAULTS, name)
        for name in ("strictness", "restricted_search", "who_may_comment", "who_may_message")
    )


class FamilyPolicySource:
    """The check route's view of family controls (``CheckService.family``): the FamilyRules of
    a check from the controls of its author and of the space's owner.

    Cost: with no author id and no owner id, nothing is read. Otherwise the tenant's "has any
    pairing" flag is read once per ``cache_seconds`` (one indexed row); a tenant without
    pairings stops there, so its checks cost two dict look-ups. Else each user's controls are
    read once per ``cache_seconds`` (a primary-key read, and, only for a teen whose parent set
    a control that acts on checks, the pairings and the user's birth date). Staleness: a change
    made through this process (FamilyService: accept, controls, unpair, age-out; a user updated
    or deleted) is seen at once; one made by another process after at most ``cache_seconds``
    (5 s by default, ``SALAMA_SETTINGS_CACHE_SECONDS`` in the API)."""

    def __init__(self, store: Store, cache_seconds: float = 5.0) -> None:
        self.store = store
        self._tenants = TTLCache(cache_seconds)
        self._users = TTLCache(cache_seconds)

    @property
    def cache_seconds(self) -> float:
        return self._users.seconds

    @cache_seconds.setter
    def cache_seconds(self, seconds: float) -> None:
        self._tenants.seconds = self._users.seconds = seconds

    def rules_for(
        self, tenant_id: str, author_id: str | None, owner_id: str | None
    ) -> FamilyRules | None:
        """The FamilyRules for a text by ``author_id`` in ``owner_id``'s space, or None when no
        parent's control applies."""
        if author_id is None and owner_id is None:
            return None
        if not self._tenants.get(tenant_id, lambda: self.store.family.has_pairings(tenant_id)):
            return None
        author = None if author_id is None else self.controls(tenant_id, author_id)
        owner = None
        if owner_id is not None:
            owner = author if owner_id == author_id else self.controls(tenant_id, owner_id)
        if author is None and owner is None:
            return None
        rules = FamilyRules(
            author_strict=author is not None and author.strictness == "strict",
            restricted_search=author is not None and author.restricted_search,
            owner_strict=owner is not None and owner.strictness == "strict",
            who_may_comment=owner.who_may_comment if owner is not None else "everyone",
            who_may_message=owner.who_may_message if owner is not None else "everyone",
            author_is_owner=author_id is not None and author_id == owner_id,
        )
        return rules if rules.active else None

    def controls(self, tenant_id: str, user_id: str) -> Controls | None:
        """The user's controls when they are a paired teen and a parent set one that acts on
        checks (strictness, restricted search, who may comment or message); else None."""
        result: Controls | None = self._users.get(
            (tenant_id, user_id), lambda: self._load(tenant_id, user_id)
        )
        return result

    def _load(self, tenant_id: str, user_id: str) -> Controls | None:
        stored = self.store.family.controls(tenant_id, user_id)
        if stored is None or not _acts_on_checks(stored.controls):
            return None  # most users: one primary-key read
        if not self.store.family.pairings_of_teen(tenant_id, user_id):
            return None
        user = self.store.users.get(tenant_id, user_id)
        if user is not None and user.birth_date is not None:
            today = local_today(datetime.now(UTC), user.timezone)
            if age_on(user.birth_date, today) >= 18:
                return None  # 18 today: the pairing ends (on the next family request or run)
        return stored.controls

    def forget(self, tenant_id: str, user_id: str | None = None) -> None:
        """Drop what is cached for the tenant's flag and, if given, the user."""
        self._tenants.forget(tenant_id)
        if user_id is not None:
            self._users.forget((tenant_id, user_id))


class FamilyService:
    def __init__(self, store: Store, *, cache_seconds: float = 5.0) -> None:
        self.store = store
        self.policy = FamilyPolicySource(store, cache_seconds)
        self.usage_changed: Callable[[str, str], None] = lambda _t, _u: None  # screen time's

    def policy_source(self, cache_seconds: float | None = None) -> FamilyPolicySource:
        """The collaborator that feeds a parent's controls to the check route
        (``CheckService.family``); ``cache_seconds`` bounds how stale another process's change
        may be (see FamilyPolicySource)."""
        if cache_seconds is not None:
            self.policy.cache_seconds = cache_seconds
        return self.policy

    # --- helpers ---------------------------------------------------------------------------

    def _user(self, tenant_id: str, user_id: str) -> UserRecord:
        user = self.store.users.get(tenant_id, user_id)
        if user is None:
            raise NotFoundError(
                "no such user: register them with PUT /v1/users/{user_id} first",
                details={"code": "user_not_found", "user_id": user_id},
            )
        return user

    def check_aged_out(
        self,
        tenant_id: str,
        teen_id: str,
        now: datetime | None = None,
        *,
        pairings: list[Pairing] | None = None,
        user: UserRecord | None = None,
    ) -> int:
        """End the teen's pairings if the teen is 18 today in their time zone; how many ended.
        A caller that has already read the teen's ``pairings`` or ``user`` passes them in (no
        second read)."""
        now = now or datetime.now(UTC)
        if pairings is None:
            pairings = self.store.family.pairings_of_teen(tenant_id, teen_id)
        if not pairings:
            return 0
        if user is None:
            user = self.store.users.get(tenant_id, teen_id)
        if user is None or user.birth_date is None:
            return 0  # no birth date: nothing to count from (pairing needed one)
        events = aged_out(pairings, {teen_id: user.birth_date}, {teen_id: user.timezone}, now)
        return self._end_aged_out(tenant_id, pairings, events)

    def _end_aged_out(
        self, tenant_id: str, pairings: list[Pairing], events: list[FamilyEvent]
    ) -> int:
        if not events:
            return 0
        ending = {(e.parent_id, e.teen_id) for e in events}
        ended = [p for p in pairings if (p.parent_id, p.teen_id) in ending]
        teens = sorted({p.teen_id for p in ended})
        try:
            return self._end(tenant_id, ended, teens, events)
        finally:
            for teen_id in teens:
                self.policy.forget(tenant_id, teen_id)
                self.usage_changed(tenant_id, teen_id)

    def _end(
        self, tenant_id: str, ended: list[Pairing], teens: list[str], events: list[FamilyEvent]
    ) -> int:
        return self.store.family.end_pairings(
            ended,
            dict.fromkeys(teens),  # an adult keeps no controls
            events,
            Audit(
                actor="system:age-out",
                action="family.age_out",
                target=None,
                details={"teens": len(teens), "pairings": len(ended)},
            ),
        )

    def age_out(self, tenant_id: str, now: datetime | None = None) -> int:
        """End every pairing of the tenant whose teen is 18 today; how many ended."""
        now = now or datetime.now(UTC)
        pairings = self.store.family.all_pairings(tenant_id)
        if not pairings:
            return 0
        users = self.store.users.get_many(tenant_id, [p.teen_id for p in pairings])
        known = [
            p for p in pairings if p.teen_id in users and users[p.teen_id].birth_date is not None
        ]
        births = {tid: u.birth_date for tid, u in users.items() if u.birth_date is not None}
        zones = {tid: u.timezone for tid, u in users.items()}
        events = aged_out(known, births, zones, now)
        return self._end_aged_out(tenant_id, known, events)

    def age_out_all(self, now: datetime | None = None) -> int:
        return sum(self.age_out(t.id, now) for t in self.store.tenants.list_tenants())

    # --- invites ---------------------------------------------------------------------------

    def create_invite(
        self, tenant_id: str, parent_id: str, *, actor: str, now: datetime | None = None
    ) -> NewInvite:
        """A new invite from a registered adult. Raises NotFoundError ``user_not_found``,
        InputError ``parent_not_adult``, ConflictError ``too_many_invites``."""
        now = now or datetime.now(UTC)
        parent = self._user(tenant_id, parent_id)
        if band_of(parent, now) != "adult":
            raise InputError(
                "only an adult can invite a teen to pair", details={"code": "parent_not_adult"}
            )
        live = self.store.family.invites_of(tenant_id, parent_id)
        for _ in range(3):  # a clash of two codes in one tenant is rare: try again
            new = create_invite(tenant_id, parent_id, now, live_invites=live, parent_band="adult")
            try:
                self.store.family.add_invite(
                    new.invite,
                    Audit(actor, "family.invite", f"user:{parent_id}", {"expires_at": _iso(new)}),
                )
            except ConflictError:
                continue
            return new
        raise ConflictError("could not make a unique code; try again", details={"code": "retry"})

    def accept(
        self, tenant_id: str, code: str, teen_id: str, *, actor: str, now: datetime | None = None
    ) -> Pairing:
        """The teen ``teen_id`` accepts the invite with ``code``. Every refusal counts as a failed
        attempt of ``teen_id``; at INVITE_ATTEMPTS (10 per 15 minutes) InputError
        ``too_many_attempts`` with ``retry_after_s``, before anything is looked at."""
        now = now or datetime.now(UTC)
        since = now - INVITE_ATTEMPTS.window
        INVITE_ATTEMPTS.check(self.store.family.failures(tenant_id, teen_id, since), now)
        try:
            self.check_aged_out(tenant_id, teen_id, now)
            code_hash = hash_code(code, tenant_id)
            invite = self.store.family.find_invite(tenant_id, code_hash)
            teen = self._user(tenant_id, teen_id)
            acc = accept_invite(
                invite,
                tenant_id=tenant_id,
                teen_id=teen_id,
                teen_birth_date=teen.birth_date,
                teen_time_zone=teen.timezone,
                teen_pairings=self.store.family.pairings_of_teen(tenant_id, teen_id),
                now=now,
            )
            self.store.family.accept(
                acc.invite,
                acc.pairing,
                [acc.event],
                Audit(
                    actor,
                    "family.accept",
                    f"user:{teen_id}",
                    {"parent_id": acc.pairing.parent_id},
                ),
            )
            self.policy.forget(tenant_id, teen_id)
            self.usage_changed(tenant_id, teen_id)
        except SalamaError as exc:
            if not isinstance(exc, StorageError):
                self.store.family.record_failure(tenant_id, teen_id, now, since)
            raise
        return acc.pairing

    # --- controls --------------------------------------------------------------------------

    def state(self, tenant_id: str, teen_id: str) -> ControlsState:
        stored = self.store.family.controls(tenant_id, teen_id)
        return stored or ControlsState(tenant_id, teen_id)

    def controls_for(self, tenant_id: str, teen_id: str) -> Controls | None:
        """The controls in force for a paired teen, None when the teen has no parent (or is no
        longer a teen). For the policy (check route) and the screen-time limits."""
        return self._controls(tenant_id, teen_id, None)

    def _controls(self, tenant_id: str, teen_id: str, user: UserRecord | None) -> Controls | None:
        pairings = self.store.family.pairings_of_teen(tenant_id, teen_id)
        if not pairings or self.check_aged_out(tenant_id, teen_id, pairings=pairings, user=user):
            return None  # no parent, or the pairings just ended at 18
        stored = self.store.family.controls(tenant_id, teen_id)
        return None if stored is None else stored.controls

    def usage_limits(self, tenant_id: str, user: UserRecord, limits: Limits) -> Limits | None:
        """``UsageService.controls_provider``: the user's limits with a parent's controls
        applied (each day the stricter of the two; the parent's sleep hours when set), or None
        when no parent set any."""
        controls = self._controls(tenant_id, user.user_id, user)
        if controls is None:
            return None
        daily = []
        for name, own in zip(WEEKDAYS, limits.daily, strict=True):
            theirs = controls.weekday_limits.get(name, controls.daily_limit_minutes)
            daily.append(own if theirs is None else theirs if own is None else min(own, theirs))
        sleep = limits.sleep
        if controls.sleep_hours is not None:
            sleep = SleepWindow(
                time.fromisoformat(controls.sleep_hours.start),
                time.fromisoformat(controls.sleep_hours.end),
            )
        if tuple(daily) == limits.daily and sleep == limits.sleep:
            return None
        return replace(limits, daily=tuple(daily), sleep=sleep)

    def is_parent_of(self, tenant_id: str, parent_id: str, teen_id: str) -> bool:
        """True when ``parent_id`` is paired with ``teen_id`` now."""
        pairings = self.store.family.pairings_of_teen(tenant_id, teen_id)
        if not pairings or self.check_aged_out(tenant_id, teen_id, pairings=pairings):
            return False
        return any(p.parent_id == parent_id for p in pairings)

    def read_controls(self, tenant_id: str, teen_id: str, acting_user_id: str) -> ControlsState:
        """The teen's controls, for the teen or a paired parent (NotAllowed otherwise)."""
        self._user(tenant_id, teen_id)
        self.check_aged_out(tenant_id, teen_id)
        if acting_user_id != teen_id:
            pairings = self.store.family.pairings_of_teen(tenant_id, teen_id)
            if not any(p.parent_id == acting_user_id for p in pairings):
                raise NotAllowed("only the teen or a paired parent may read these controls")
        return self.state(tenant_id, teen_id)

    def update_controls(
        self,
        tenant_id: str,
        teen_id: str,
        parent_id: str,
        changes: Mapping[str, Any],
        *,
        actor: str,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> ControlsState:
        """A paired parent changes controls. ``expected_version`` (optional): the version read;
        a stale one is ConflictError ``stale_version``. NotAllowed for anyone but a paired
        parent."""
        now = now or datetime.now(UTC)
        self._user(tenant_id, teen_id)
        self.check_aged_out(tenant_id, teen_id, now)
        pairings = self.store.family.pairings_of_teen(tenant_id, teen_id)
        if not any(p.parent_id == parent_id for p in pairings):
            raise NotAllowed("only a paired parent may set this teen's controls")
        state = self.state(tenant_id, teen_id)
        if expected_version is not None and expected_version != state.version:
            raise ConflictError(
                "the controls changed since they were read; read again and retry",
                details={"code": "stale_version", "version": state.version},
            )
        new_state, event = apply_update(state, changes, parent_id, now, pairings=pairings)
        if event is None:
            return state
        self.store.family.save_controls(
            new_state,
            expected_version=state.version,
            by_parent=parent_id,
            events=[event],
            audit=Audit(
                actor,
                "family.controls",
                f"user:{teen_id}",
                {"fields": list(event.details.get("fields", ())), "version": new_state.version},  # type: ignore[call-overload]
            ),
        )
        self.policy.forget(tenant_id, teen_id)
        self.usage_changed(tenant_id, teen_id)
        return new_state

    # --- unpairing and links ---------------------------------------------------------------

    def unpair(
        self,
        tenant_id: str,
        teen_id: str,
        parent_id: str,
        acting_user_id: str,
        *,
        actor: str,
        now: datetime | None = None,
    ) -> FamilyEvent:
        """Either side ends the pairing; the other side is notified. NotFoundError
        ``not_paired`` when there is no such pairing, NotAllowed for anyone else."""
        now = now or datetime.now(UTC)
        self.check_aged_out(tenant_id, teen_id, now)
        pairing = next(
            (
                p
                for p in self.store.family.pairings_of_teen(tenant_id, teen_id)
                if p.parent_id == parent_id
            ),
            None,
        )
        if pairing is None:
            raise NotFoundError("no such pairing", details={"code": "not_paired"})
        if acting_user_id not in (parent_id, teen_id):
            raise NotAllowed("only the parent or the teen may end this pairing")
        event = unpair(pairing, by=acting_user_id, now=now)
        state = self.store.family.controls(tenant_id, teen_id)
        controls: dict[str, ControlsState | None] = {}
        if state is not None:
            controls[teen_id] = drop_parent(state, parent_id)
        ended = self.store.family.end_pairings(
            [pairing],
            controls,
            [event],
            Audit(actor, "family.unpair", f"user:{teen_id}", {"parent_id": parent_id}),
        )
        self.policy.forget(tenant_id, teen_id)
        self.usage_changed(tenant_id, teen_id)
        if not ended:
            raise NotFoundError("no such pairing", details={"code": "not_paired"})
        return event

    def links(self, tenant_id: str, user_id: str, acting_user_id: str) -> dict[str, list[Pairing]]:
        """A user's pairings as a parent (their teens) and as a teen (their parents), for the
        user or someone paired with them."""
        self._user(tenant_id, user_id)
        self.check_aged_out(tenant_id, user_id)
        as_parent = self.store.family.pairings_of_parent(tenant_id, user_id)
        for p in as_parent:
            self.check_aged_out(tenant_id, p.teen_id)
        as_parent = self.store.family.pairings_of_parent(tenant_id, user_id)
        as_teen = self.store.family.pairings_of_teen(tenant_id, user_id)
        related = {p.teen_id for p in as_parent} | {p.parent_id for p in as_teen}
        if acting_user_id != user_id and acting_user_id not in related:
            raise NotAllowed("only the user or someone paired with them may read their links")
        return {"as_parent": as_parent, "as_teen": as_teen}


def _iso(new: NewInvite) -> str:
    return new.invite.expires_at.isoformat()
