"""A parent's controls as the policy applies them: :class:`FamilyRules`, passed to
:func:`salama.policy.evaluate` as ``family=``.

The controls themselves (``salama.family.Controls``) are set by a paired parent; the service
layer (``salama.service.family``) turns those of the text's author and of the space's owner into
one FamilyRules per check. What each does:

- ``author_strict`` (the author's parent chose ``strictness: strict``): the author is judged as
  ``teen_13_15`` whatever their band, and on ``search`` the results are read by the author, so
  the reader band is ``teen_13_15`` too.
- ``owner_strict`` (the owner's parent chose ``strict``): a ``dm`` or ``comment`` lands in the
  owner's space and the owner reads it, so the reader band is ``teen_13_15``.
- Strictness never makes a decision milder: the rules that fire for the bands given still fire,
  and the rules that fire only for the stricter bands are added, named
  ``family-strictness:<rule id>`` (their own evidence and message, after the family's).
- ``restricted_search`` (the author's parent turned it on): on ``search``, the rules of
  ``policies/family.yaml`` apply too (sexual, grooming, violent, hateful and vulgar searches are
  blocked at the lower levels the shipped policy uses for profiles). Help still comes first: a
  search for suicide gets ``support``.
- ``who_may_comment`` / ``who_may_message`` (the owner's parent's floor): applied like the
  owner's own setting when it is stricter than it (``everyone`` < ``followers`` < ``no_one``);
  ``family-who-may-comment`` / ``family-who-may-message`` block, and ``followers`` needs
  ``author_is_follower`` (InputError ``follower_required`` otherwise). They do not apply to the
  owner writing in their own space (``author_is_owner``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Literal, Protocol

from salama.errors import InputError
from salama.policy import i18n
from salama.policy.loader import parse_policy
from salama.policy.model import Policy, Reason
from salama.policy.owner import WHO, OwnerSettings

__all__ = ["FAMILY_POLICY", "FamilyRules", "FamilyRulesSource", "load_family_policy"]

FAMILY_POLICY = "family.yaml"
STRICT_BAND = "teen_13_15"
Who = Literal["everyone", "followers", "no_one"]


@cache
def load_family_policy() -> Policy:
    """The rules a parent's controls turn on (``policies/family.yaml``, parsed once)."""
    ref = resources.files("salama.policy") / "policies" / FAMILY_POLICY
    return parse_policy(ref.read_text("utf-8"), FAMILY_POLICY)


@dataclass(frozen=True, slots=True)
class FamilyRules:
    """What the parents of the author and of the owner set that the policy applies (see the
    module docstring). The defaults change nothing."""

    author_strict: bool = False
    restricted_search: bool = False
    owner_strict: bool = False
    who_may_comment: Who = "everyone"
    who_may_message: Who = "everyone"
    author_is_owner: bool = False

    def __post_init__(self) -> None:
        for name in ("who_may_comment", "who_may_message"):
            if getattr(self, name) not in WHO:
                raise InputError(
                    f"{name} must be one of {', '.join(WHO)}",
                    details={"code": "invalid_control", "field": name},
                )

    @property
    def active(self) -> bool:
        """Whether anything here can change a decision."""
        return (
            self.author_strict
            or self.restricted_search
            or self.owner_strict
            or self.who_may_comment != "everyone"
            or self.who_may_message != "everyone"
        )

    def bands(self, surface: str, author: str, reader: str) -> tuple[str, str]:
        """The (author, reader) bands the stricter controls ask for (bands as rules see them)."""
        if self.author_strict:
            author = STRICT_BAND
        if (self.author_strict and surface == "search") or (
            self.owner_strict and surface in ("dm", "comment")
        ):
            reader = STRICT_BAND
        return author, reader

    def access_reasons(
        self, surface: str, owner: OwnerSettings | None, author_is_follower: bool | None
    ) -> list[Reason]:
        """``family-who-may-*`` reasons: the owner's parent's floor where it is stricter than the
        owner's own setting. Raises InputError ``follower_required`` when it needs
        ``author_is_follower`` and that is None."""
        if self.author_is_owner:
            return []
        if surface == "comment":
            theirs, noun, plural = self.who_may_comment, "comment", "comments"
            own = owner.who_may_comment if owner is not None else "everyone"
        elif surface == "dm":
            theirs, noun, plural = self.who_may_message, "message", "messages"
            own = owner.who_may_message if owner is not None else "everyone"
        else:
            return []
        if WHO.index(theirs) <= WHO.index(own):
            return []  # the owner's own setting is as strict: its reason says it
        rule = f"family-who-may-{noun}"
        if theirs == "no_one":
            return [_family_reason(rule, f"family_{plural}_off")]
        if author_is_follower is None:
            raise InputError(
                f"a family setting lets only followers send {plural} here: pass author_is_follower",
                details={"code": "follower_required", "by": "family"},
            )
        if not author_is_follower:
            return [_family_reason(rule, f"family_{plural}_followers")]
        return []


class FamilyRulesSource(Protocol):
    """Where the check flow gets the FamilyRules of one check (``salama.service.family``)."""

    def rules_for(
        self, tenant_id: str, author_id: str | None, owner_id: str | None
    ) -> FamilyRules | None: ...


def strictness_reason(reason: Reason) -> Reason:
    """A policy rule's reason, renamed as fired because of a parent's ``strict`` control."""
    family = i18n.REASONS["family_strictness"]
    langs = dict.fromkeys([*family, *reason.message])
    message = {
        lang: f"{i18n.pick(family, lang)} {i18n.pick(reason.message, lang)}" for lang in langs
    }
    return replace(
        reason, rule=f"family-strictness:{reason.rule}", key="family_strictness", message=message
    )


def _family_reason(rule: str, key: str) -> Reason:
    return Reason(
        rule=rule,
        action="block",
        category=None,
        score=None,
        evidence=(),
        message=dict(i18n.REASONS[key]),
        key=key,
        where="family controls",
    )
