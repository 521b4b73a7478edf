"""/v1/resources: help lines for a person, best first, the same selection the check route uses."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from salama.support import shipped_resources
from tests.api.conftest import Tenant, assert_error


def test_resources_for_a_country_come_first_in_the_books_order(
    client: TestClient, tenant: Tenant
) -> None:
    response = client.get(
        "/v1/resources",
        params={"country": "MA", "language": "ary", "audience": "youth"},
        headers=tenant.app,
    )
    assert response.status_code == 200, response.text
    out = response.json()
    expected = shipped_resources().select("MA", "ary", "youth")
    assert [r["name"] for r in out["data"]] == [r.name for r in expected.resources]
    assert out["count"] == len(out["data"]) > 0
    assert (out["country"], out["note"]) == ("MA", None)
    first = out["data"][0]
    assert first["country"] == "MA" and first["kind"] != "emergency"
    assert out["data"][-1]["country"] == "international"
    assert first["contact"][0]["uri"].startswith("tel:")
    assert set(first) >= {"verified", "status", "source", "checked", "languages", "hours"}


def test_adults_do_not_get_lines_for_children(client: TestClient, tenant: Tenant) -> None:
    youth = client.get("/v1/resources?country=ma&audience=youth", headers=tenant.app).json()
    adult = client.get("/v1/resources?country=ma&audience=all", headers=tenant.app).json()
    assert youth["country"] == "MA"  # lower case is accepted
    assert any(r["audience"] == "children" for r in youth["data"])
    assert all(r["audience"] == "all" for r in adult["data"])
    assert adult["count"] < youth["count"]


@pytest.mark.parametrize(
    ("query", "note", "country"),
    [("", "no_country", None), ("?country=ZZ", "country_not_covered", "ZZ")],
)
def test_without_a_covered_country_the_list_is_international_and_says_so(
    client: TestClient, tenant: Tenant, query: str, note: str, country: str | None
) -> None:
    out = client.get(f"/v1/resources{query}", headers=tenant.admin).json()
    assert (out["note"], out["country"]) == (note, country)
    assert out["count"] > 0
    assert {r["country"] for r in out["data"]} == {"international"}


def test_countries_lists_those_with_their_own_resources(client: TestClient, tenant: Tenant) -> None:
    response = client.get("/v1/resources/countries", headers=tenant.app)
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["data"] == shipped_resources().countries
    assert "MA" in out["data"] and "international" not in out["data"]
    assert out["count"] == len(out["data"])


@pytest.mark.parametrize("path", ["/v1/resources", "/v1/resources/countries"])
def test_resources_need_a_key(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 401, "unauthorized")
    assert_error(client.get(path, headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


@pytest.mark.parametrize(
    "query",
    [
        "country=MAR",
        "country=1A",
        "language=" + "a" * 20,
        "language=français",
        "audience=teens",
        "audience=",
    ],
)
def test_bad_queries_are_422(client: TestClient, tenant: Tenant, query: str) -> None:
    response = client.get(f"/v1/resources?{query}", headers=tenant.app)
    assert_error(response, 422, "invalid_input")
