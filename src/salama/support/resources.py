"""Help lines as data: one YAML file per country, validated, ordered for the person who needs them.

Files (``resources/<CC>.yaml``, ISO 3166-1 alpha-2, and ``_international.yaml`` for the fallback)::

    country: MA
    resources:
      - name: Protection civile
        kind: emergency            # crisis_line | child_helpline | emergency | chat | web
        contact:
          - {type: phone, value: "15"}
        languages: [ary, ar, fr]   # ISO 639 codes
        hours: 24/7
        audience: all              # all | youth | children
        source: ...                # where the entry was checked
        checked: 2026-11-24        # null until a person has checked it
        status: verified           # verified | unverified
        notes: ...                 # optional

Every error of every file is reported as ``file:line: message`` in one :class:`DataError`.
An ``unverified`` entry is loaded and returned, flagged (``Resource.verified`` is False), so that
a UI can show it differently; it must be checked by a person before launch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import yaml

from salama.errors import DataError, InputError
from salama.yamlcheck import NULL as _NULL
from salama.yamlcheck import STR as _STR
from salama.yamlcheck import TIMESTAMP as _TIMESTAMP
from salama.yamlcheck import Findings, compose, mapping

__all__ = [
    "AUDIENCES",
    "CONTACT_TYPES",
    "INTERNATIONAL",
    "KINDS",
    "Contact",
    "Resource",
    "ResourceBook",
    "Selection",
    "load_resources",
    "parse_resource_file",
    "shipped_resources",
]

INTERNATIONAL = "international"
KINDS = ("crisis_line", "child_helpline", "chat", "web", "emergency")  # also the display order
CONTACT_TYPES = frozenset({"phone", "sms", "chat", "web"})
AUDIENCES = frozenset({"all", "youth", "children"})
STATUSES = frozenset({"verified", "unverified"})

_ENTRY_REQUIRED = (
    "name", "kind", "contact", "languages", "hours", "audience", "source", "checked", "status",
)  # fmt: skip
_ENTRY_KEYS = frozenset({*_ENTRY_REQUIRED, "notes"})
_FILE_KEYS = frozenset({"country", "resources", "notes"})
_CONTACT_KEYS = frozenset({"type", "value", "note"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]*$")
# Arabic varieties served by lines that speak Arabic, and the other way round
_ARABIC = frozenset({"ar", "ary", "arq", "aeb", "arz", "apc", "ajp", "acm", "afb", "ayl", "shu"})
_ALIASES = {"UK": "GB"}


@dataclass(frozen=True, slots=True)
class Contact:
    """One way to reach a resource: ``type`` is phone, sms, chat or web."""

    type: str
    value: str
    note: str | None = None  # e.g. the word to text: "SHOUT"

    @property
    def uri(self) -> str:
        """A link a UI can open: tel:, sms: or the web address."""
        if self.type in ("phone", "sms"):
            digits = re.sub(r"[^0-9+]", "", self.value)
            return f"{'tel' if self.type == 'phone' else 'sms'}:{digits}"
        return self.value

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value, "note": self.note, "uri": self.uri}


@dataclass(frozen=True, slots=True)
class Resource:
    """A help line, chat or directory, with where and when it was checked."""

    name: str
    kind: str
    contact: tuple[Contact, ...]
    languages: tuple[str, ...]
    hours: str
    audience: str
    source: str
    checked: date | None
    status: str
    country: str  # ISO 3166-1 alpha-2, or "international"
    notes: str | None = None
    where: str = ""  # file:line of the entry

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    @property
    def emergency(self) -> bool:
        return self.kind == "emergency"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "contact": [c.to_dict() for c in self.contact],
            "languages": list(self.languages),
            "hours": self.hours,
            "audience": self.audience,
            "country": self.country,
            "status": self.status,
            "verified": self.verified,
            "source": self.source,
            "checked": None if self.checked is None else self.checked.isoformat(),
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Selection:
    """The resources for one user, best first, and why the list may be a fallback.

    ``note`` is a code a UI can translate: None (the country's own resources come first),
    ``"no_country"`` (no country given: international directories only) or
    ``"country_not_covered"`` (no file for that country: international directories only)."""

    resources: tuple[Resource, ...]
    country: str | None
    note: str | None = None


@dataclass(frozen=True)
class ResourceBook:
    """Every loaded resource, by country; ``international`` holds the fallback."""

    by_country: dict[str, tuple[Resource, ...]] = field(default_factory=dict)

    @property
    def countries(self) -> list[str]:
        """Country codes with a file, without the international fallback."""
        return sorted(c for c in self.by_country if c != INTERNATIONAL)

    @property
    def international(self) -> tuple[Resource, ...]:
        return self.by_country.get(INTERNATIONAL, ())

    def select(
        self, country: str | None, language: str | None, audience: str = "youth"
    ) -> Selection:
        """The country's resources, then the international ones, each block ordered so that:
        support lines (crisis, child helpline, chat, web) come before emergency numbers;
        within each, those speaking the user's language first (a related Arabic variety next),
        then by kind, verified before unverified, resources made for the audience before general
        ones, and file order. ``audience="all"`` (an adult) leaves out youth and children lines."""
        if audience not in AUDIENCES:
            raise InputError(
                f"unknown audience {audience!r}; one of: {', '.join(sorted(AUDIENCES))}",
                details={"audience": audience},
            )
        code = _country_code(country)
        note: str | None = None
        own: tuple[Resource, ...] = ()
        if code is None:
            note = "no_country"
        elif code not in self.by_country or code == INTERNATIONAL:
            note = "country_not_covered"
        else:
            own = self.by_country[code]
        lang = _language_code(language)
        ordered = _order(own, lang, audience) + _order(self.international, lang, audience)
        return Selection(tuple(ordered), code, note)

    def for_user(
        self, country: str | None, language: str | None, audience: str = "youth"
    ) -> list[Resource]:
        """The resources of :meth:`select`, best first."""
        return list(self.select(country, language, audience).resources)


def _country_code(country: str | None) -> str | None:
    if country is None or not country.strip():
        return None
    code = country.strip().upper()
    return _ALIASES.get(code, code)


def _language_code(language: str | None) -> str | None:
    if language is None or not language.strip():
        return None
    # "ary_latn", "fr-BE", "ar-MA" -> "ary", "fr", "ar"
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or None


def _language_rank(resource: Resource, lang: str | None) -> int:
    if lang is None or lang in resource.languages:
        return 0
    if lang in _ARABIC and any(code in _ARABIC for code in resource.languages):
        return 1
    return 2


def _fits(resource: Resource, audience: str) -> bool:
    return resource.audience == "all" or audience in ("youth", "children")


def _order(resources: Iterable[Resource], lang: str | None, audience: str) -> list[Resource]:
    fitting = [(i, r) for i, r in enumerate(resources) if _fits(r, audience)]
    fitting.sort(
        key=lambda ir: (
            ir[1].emergency,
            _language_rank(ir[1], lang),
            KINDS.index(ir[1].kind),
            not ir[1].verified,
            ir[1].audience == "all" and audience != "all",
            ir[0],
        )
    )
    return [r for _, r in fitting]


# --- loading -----------------------------------------------------------------------------------


def load_resources(directory: Path | str | None = None) -> ResourceBook:
    """Parse every ``*.yaml`` file of ``directory`` (default: the shipped ones).

    Raises DataError listing every error of every file as 'file:line: message' in
    ``details["errors"]``; a directory without any file is an error too."""
    if directory is None:
        folder = importlib_resources.files("salama.support") / "resources"
        with importlib_resources.as_file(folder) as path:
            return _load_directory(Path(path))
    return _load_directory(Path(directory))


@cache
def shipped_resources() -> ResourceBook:
    """The resources shipped in the package (parsed and validated once per process)."""
    return load_resources()


def _load_directory(path: Path) -> ResourceBook:
    files = sorted(p for p in path.glob("*.yaml") if p.is_file())
    if not files:
        raise DataError(
            f"{path}: no resource files (*.yaml)", details={"errors": [f"{path}: no *.yaml"]}
        )
    by_country: dict[str, tuple[Resource, ...]] = {}
    errors: list[str] = []
    for file in files:
        try:
            country, entries = parse_resource_file(file)
        except DataError as exc:
            found = exc.details.get("errors")
            if isinstance(found, list):
                errors.extend(str(e) for e in found)
            else:
                errors.append(exc.message)
            continue
        by_country[country] = tuple(entries)
    if errors:
        raise DataError(
            f"{len(errors)} error(s) in resource files: {errors[0]}", details={"errors": errors}
        )
    return ResourceBook(by_country)


def parse_resource_file(path: Path, text: str | None = None) -> tuple[str, list[Resource]]:
    """Parse one resource file: (country, resources). Raises DataError listing every error."""
    if text is None:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(
                f"{path.name}: cannot read: {exc}",
                details={"errors": [f"{path.name}:1: cannot read: {exc}"]},
            ) from exc
    parser = _Parser(path.name)
    result = parser.file(text, expected=_expected_country(path))
    parser.findings.raise_if_any()
    assert result is not None
    return result


def _expected_country(path: Path) -> str:
    return INTERNATIONAL if path.stem == "_international" else path.stem


def _is_null(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL


class _Parser:
    """Walks the YAML node tree, so that every message can name its line."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.findings = Findings(filename)

    def error(self, node: yaml.Node | None, message: str, line: int | None = None) -> None:
        self.findings.add(node, message, line)

    def file(self, text: str, expected: str) -> tuple[str, list[Resource]] | None:
        root = compose(text, self.findings)
        if self.findings:
            return None  # not YAML
        if root is None:
            self.error(None, "empty file; expected 'country' and 'resources'", 1)
            return None
        fields = self.mapping(root, "file", _FILE_KEYS, ("country", "resources"))
        if fields is None:
            return None
        country = ""
        if "country" in fields:
            node = fields["country"]
            country = self.string(node, "country") or ""
            if country and country != expected:
                want = "'international'" if expected == INTERNATIONAL else repr(expected)
                self.error(node, f"country: {country!r} does not match the file name (want {want})")
            elif country and country != INTERNATIONAL and not _COUNTRY.match(country):
                self.error(node, f"country: {country!r} is not an ISO 3166-1 alpha-2 code")
        if "notes" in fields:
            self.string(fields["notes"], "notes")
        entries: list[Resource] = []
        if "resources" in fields:
            node = fields["resources"]
            if not isinstance(node, yaml.SequenceNode):
                self.error(node, "resources: expected a list of entries")
            else:
                for i, item in enumerate(node.value):
                    entry = self.entry(item, f"resources[{i}]", country or expected)
                    if entry is not None:
                        entries.append(entry)
        return country or expected, entries

    def mapping(
        self, node: yaml.Node, what: str, allowed: frozenset[str], required: Sequence[str]
    ) -> dict[str, yaml.Node] | None:
        fields = mapping(node, what, sorted(allowed), self.findings, required)
        return None if fields is None else {name: value for name, (_, value) in fields.items()}

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL:
            self.error(node, f"{what}: expected a value")
            return None
        value = str(node.value).strip()
        if not value:
            self.error(node, f"{what}: empty")
            return None
        return value

    def string(self, node: yaml.Node, what: str) -> str | None:
        """A text; a number or a date where text is expected is a type error (quote it)."""
        if isinstance(node, yaml.ScalarNode) and node.tag not in (_STR, _NULL):
            self.error(node, f"{what}: expected text, found {node.value!r} (quote it)")
            return None
        return self.scalar(node, what)

    def choice(self, node: yaml.Node, what: str, allowed: Iterable[str]) -> str | None:
        value = self.string(node, what)
        options = sorted(allowed)
        if value is not None and value not in options:
            self.error(node, f"{what}: unknown value {value!r}; one of: {', '.join(options)}")
            return None
        return value

    def entry(self, node: yaml.Node, what: str, country: str) -> Resource | None:
        before = len(self.findings)
        fields = self.mapping(node, what, _ENTRY_KEYS, _ENTRY_REQUIRED)
        if fields is None:
            return None
        get = fields.get
        name = self.string(fields["name"], f"{what}.name") if "name" in fields else None
        kind = self.choice(fields["kind"], f"{what}.kind", KINDS) if "kind" in fields else None
        contact = self.contacts(fields["contact"], f"{what}.contact") if "contact" in fields else ()
        languages = self.languages(get("languages"), f"{what}.languages")
        hours = self.string(fields["hours"], f"{what}.hours") if "hours" in fields else None
        audience = (
            self.choice(fields["audience"], f"{what}.audience", AUDIENCES)
            if "audience" in fields
            else None
        )
        source = self.string(fields["source"], f"{what}.source") if "source" in fields else None
        status = (
            self.choice(fields["status"], f"{what}.status", STATUSES)
            if "status" in fields
            else None
        )
        checked = self.date(fields["checked"], f"{what}.checked") if "checked" in fields else None
        notes = self.string(fields["notes"], f"{what}.notes") if "notes" in fields else None
        if status == "verified" and _is_null(fields.get("checked")):
            self.error(
                fields["checked"], f"{what}.checked: a verified entry needs the date it was checked"
            )
        if len(self.findings) > before:
            return None
        assert name and kind and hours and audience and source and status
        return Resource(
            name=name,
            kind=kind,
            contact=contact,
            languages=languages,
            hours=hours,
            audience=audience,
            source=source,
            checked=checked,
            status=status,
            country=country,
            notes=notes,
            where=f"{self.filename}:{node.start_mark.line + 1}",
        )

    def contacts(self, node: yaml.Node, what: str) -> tuple[Contact, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{what}: expected a non-empty list of {{type, value}}")
            return ()
        found: list[Contact] = []
        for i, item in enumerate(node.value):
            where = f"{what}[{i}]"
            fields = self.mapping(item, where, _CONTACT_KEYS, ("type", "value"))
            if fields is None:
                continue
            ctype = (
                self.choice(fields["type"], f"{where}.type", CONTACT_TYPES)
                if "type" in fields
                else None
            )
            # a number may be written unquoted (988): any scalar is accepted, then checked
            value = self.scalar(fields["value"], f"{where}.value") if "value" in fields else None
            note = self.string(fields["note"], f"{where}.note") if "note" in fields else None
            if ctype is None or value is None:
                continue
            if ctype in ("phone", "sms") and not _PHONE.match(value):
                self.error(fields["value"], f"{where}.value: {value!r} is not a phone number")
                continue
            if ctype in ("chat", "web") and not value.startswith("https://"):
                self.error(fields["value"], f"{where}.value: {value!r} must be an https:// address")
                continue
            found.append(Contact(ctype, value, note))
        return tuple(found)

    def languages(self, node: yaml.Node | None, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.error(node, f"{what}: expected a non-empty list of ISO 639 codes, e.g. [ar, fr]")
            return ()
        codes: list[str] = []
        for item in node.value:
            code = self.string(item, what)
            if code is None:
                continue
            if not _LANGUAGE.match(code):
                self.error(
                    item, f"{what}: {code!r} is not an ISO 639 code (2 or 3 lowercase letters)"
                )
                continue
            codes.append(code)
        return tuple(codes)

    def date(self, node: yaml.Node, what: str) -> date | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (_STR, _TIMESTAMP):
            self.error(node, f"{what}: expected a date (YYYY-MM-DD) or null")
            return None
        try:
            return date.fromisoformat(str(node.value).strip())
        except ValueError:
            self.error(node, f"{what}: {node.value!r} is not a date (YYYY-MM-DD)")
            return None
