"""Help resources (crisis lines, child helplines, chats, directories) for a person, best first:
the country's own, then the international ones. The same list ``POST /v1/check`` returns with
the action ``support``; a host app may also show it on its own help page. Any key may read it."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from salama.api.deps import Caller, State
from salama.api.schemas import ERROR_RESPONSES
from salama.support import Resource

__all__ = ["router"]

router = APIRouter(prefix="/v1/resources", tags=["resources"])


class ContactOut(BaseModel):
    type: Literal["phone", "sms", "chat", "web"]
    value: str
    note: str | None
    uri: str = Field(description="A link a UI can open: tel:, sms: or the web address.")


class ResourceOut(BaseModel):
    name: str
    kind: Literal["crisis_line", "child_helpline", "chat", "web", "emergency"]
    contact: list[ContactOut]
    languages: list[str] = Field(description="ISO 639 codes, e.g. ary, ar, fr.")
    hours: str
    audience: Literal["all", "youth", "children"]
    country: str = Field(description="ISO 3166-1 alpha-2, or `international`.")
    status: Literal["verified", "unverified"]
    verified: bool = Field(description="False: nobody has checked it yet; show it apart.")
    source: str = Field(description="Where the entry was checked.")
    checked: str | None = Field(description="ISO date it was last checked, or null.")
    notes: str | None


class ResourcesOut(BaseModel):
    data: list[ResourceOut]
    count: int
    country: str | None = Field(description="The country whose resources come first, if any.")
    note: Literal["no_country", "country_not_covered"] | None = Field(
        description="null: the country's own resources come first; `no_country` or "
        "`country_not_covered`: the list is international only."
    )


class CountriesOut(BaseModel):
    data: list[str] = Field(description="ISO 3166-1 alpha-2 codes with their own resources.")
    count: int


def _resource_out(resource: Resource) -> ResourceOut:
    return ResourceOut.model_validate(resource.to_dict())


@router.get("", response_model=ResourcesOut, responses=ERROR_RESPONSES)
def list_resources(
    caller: Caller,
    state: State,
    country: Annotated[
        str | None,
        Query(max_length=2, pattern=r"^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2, e.g. MA."),
    ] = None,
    language: Annotated[
        str | None,
        Query(
            max_length=12,
            pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
            description="The person's language (ary, ar, fr, en, ary_latn, fr-BE...).",
        ),
    ] = None,
    audience: Annotated[
        Literal["all", "youth", "children"],
        Query(description="`all` (an adult) leaves out lines for youth and children."),
    ] = "youth",
) -> ResourcesOut:
    """The resources for a person in ``country`` speaking ``language``, best first: support
    lines before emergency numbers, those in the person's language first, verified before
    unverified. ``note`` says when the list is international only."""
    selection = state.service.resources.select(country, language, audience)
    return ResourcesOut(
        data=[_resource_out(r) for r in selection.resources],
        count=len(selection.resources),
        country=selection.country,
        note=selection.note,
    )


@router.get("/countries", response_model=CountriesOut, responses=ERROR_RESPONSES)
def list_countries(caller: Caller, state: State) -> CountriesOut:
    """The countries with their own resources (others get the international ones)."""
    countries = state.service.resources.countries
    return CountriesOut(data=countries, count=len(countries))
