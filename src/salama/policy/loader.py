"""Policy files (YAML), validated before they run, every error reported as ``file:line: message``.

The file is composed into YAML nodes (not constructed into Python objects) so that each value
keeps its line; a bad value is reported and the walk goes on, so the first error does not hide the
others. Any error refuses the whole file: :class:`~salama.errors.DataError` with
``details["errors"]`` listing them all.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml

from salama.detect.verdict import CATEGORIES
from salama.errors import DataError
from salama.policy import i18n
from salama.policy.model import (
    ACTIONS,
    BANDS,
    KNOWN_SIGNALS,
    SIGNAL_PREFIXES,
    SURFACES,
    Condition,
    Policy,
    Rule,
)
from salama.yamlcheck import BOOL as _BOOL
from salama.yamlcheck import FLOAT as _FLOAT
from salama.yamlcheck import INT as _INT
from salama.yamlcheck import STR as _STR
from salama.yamlcheck import Findings as _Errors
from salama.yamlcheck import compose, mapping

__all__ = ["DEFAULT_POLICY", "load_default_policy", "load_policy", "parse_policy"]

DEFAULT_POLICY = "default.yaml"
_TOP_KEYS = ("name", "version", "description", "rules")
_RULE_KEYS = ("id", "when", "action", "reason", "review")
_WHEN_KEYS = (
    "category",
    "min_score",
    "flagged",
    "max_score",
    "surfaces",
    "author_audiences",
    "reader_audiences",
    "signals_any",
)
_ID_RE = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,79}\Z")


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate the YAML text of a policy; ``source`` names it in error messages."""
    errors = _Errors(source)
    root = compose(text, errors)
    errors.raise_if_any()  # not YAML: nothing more to say
    policy = _policy(root, errors)
    errors.raise_if_any()
    assert policy is not None
    return Policy(policy.name, policy.version, policy.rules, source)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; errors are reported with the file's name."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}:1: cannot read: {exc}"
        raise DataError(msg, details={"errors": [msg]}) from exc
    return parse_policy(text, path.name)


@cache
def load_default_policy() -> Policy:
    """The policy shipped in the package (parsed once per process)."""
    ref = resources.files("salama.policy") / "policies" / DEFAULT_POLICY
    return parse_policy(ref.read_text("utf-8"), DEFAULT_POLICY)


# ---------------------------------------------------------------------------------------------
# The walk. Each helper reports what is wrong with its node and returns None for it.


def _string(node: yaml.Node, what: str, errors: _Errors) -> str | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (_STR, _INT, _FLOAT):
        errors.add(node, f"{what} must be a string")
        return None
    value = str(node.value).strip()
    if not value:
        errors.add(node, f"{what} must not be empty")
        return None
    return value


def _choice(node: yaml.Node, choices: tuple[str, ...], what: str, errors: _Errors) -> str | None:
    value = _string(node, what, errors)
    if value is None:
        return None
    if value not in choices:
        errors.add(node, f"unknown {what} {value!r}; one of: {', '.join(choices)}")
        return None
    return value


def _choices(
    node: yaml.Node, check: tuple[str, ...] | None, what: str, errors: _Errors, hint: str = ""
) -> tuple[str, ...] | None:
    """A non-empty list of strings, each in ``check`` (or a signal when ``check`` is None)."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        errors.add(node, f"{what} must be a non-empty list")
        return None
    out: list[str] = []
    ok = True
    for item in node.value:
        value = _string(item, f"an item of {what}", errors)
        if value is None:
            ok = False
            continue
        if check is not None and value not in check:
            errors.add(item, f"{what}: unknown value {value!r}; one of: {', '.join(check)}{hint}")
            ok = False
            continue
        if check is None and not _known_signal(value):
            known = ", ".join((*KNOWN_SIGNALS, *(p + "*" for p in SIGNAL_PREFIXES)))
            errors.add(item, f"{what}: unknown signal {value!r}; known: {known}")
            ok = False
            continue
        if value in out:
            errors.add(item, f"{what}: {value!r} listed twice")
            ok = False
            continue
        out.append(value)
    return tuple(out) if ok else None


def _known_signal(value: str) -> bool:
    if value in KNOWN_SIGNALS or any(value.startswith(p) for p in SIGNAL_PREFIXES):
        return True
    if value.endswith("*"):
        stem = value[:-1]
        return any(s.startswith(stem) for s in (*KNOWN_SIGNALS, *SIGNAL_PREFIXES))
    return False


def _bool(node: yaml.Node, what: str, errors: _Errors) -> bool | None:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _BOOL:
        errors.add(node, f"{what} must be true or false")
        return None
    return node.value.lower() in ("true", "yes", "on")


def _policy(root: yaml.Node | None, errors: _Errors) -> Policy | None:
    if root is None:
        errors.add(None, "empty file: a policy needs name, version and rules")
        return None
    top = mapping(root, "policy", _TOP_KEYS, errors, required=("name", "version", "rules"))
    if top is None:
        return None
    name = _string(top["name"][1], "name", errors) if "name" in top else None
    version = _string(top["version"][1], "version", errors) if "version" in top else None
    if "description" in top:
        _string(top["description"][1], "description", errors)
    rules: list[Rule] = []
    if "rules" in top:
        node = top["rules"][1]
        if not isinstance(node, yaml.SequenceNode):
            errors.add(node, "rules must be a list")
        else:
            seen: dict[str, int] = {}
            for item in node.value:
                _check_unique_id(item, seen, errors)
                rule = _rule(item, errors)
                if rule is not None:
                    rules.append(rule)
    if name is None or version is None:
        return None
    return Policy(name, version, tuple(rules))


def _check_unique_id(item: yaml.Node, seen: dict[str, int], errors: _Errors) -> None:
    """Report a repeated rule id, even on a rule that has other errors."""
    if not isinstance(item, yaml.MappingNode):
        return
    for key, value in item.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "id":
            if isinstance(value, yaml.ScalarNode) and value.value:
                rule_id = str(value.value)
                if rule_id in seen:
                    first = seen[rule_id]
                    errors.add(value, f"rule id {rule_id!r} used twice (first on line {first})")
                else:
                    seen[rule_id] = value.start_mark.line + 1
            return


def _rule(node: yaml.Node, errors: _Errors) -> Rule | None:
    fields = mapping(node, "rule", _RULE_KEYS, errors)
    if fields is None:
        return None
    missing = [k for k in ("id", "when", "action", "reason") if k not in fields]
    for key in missing:
        errors.add(node, f"rule: missing {key!r}")
    rule_id = None
    if "id" in fields:
        rule_id = _string(fields["id"][1], "id", errors)
        if rule_id is not None and not _ID_RE.match(rule_id):
            errors.add(
                fields["id"][1],
                f"rule id {rule_id!r}: lower-case letters, digits, '_', '-' and '.', "
                "at most 80 characters",
            )
            rule_id = None
    what = f"rule {rule_id!r}" if rule_id else "rule"
    action = _choice(fields["action"][1], ACTIONS, "action", errors) if "action" in fields else None
    reason = None
    if "reason" in fields:
        reason = _string(fields["reason"][1], "reason", errors)
        if reason is not None and reason not in i18n.REASONS:
            errors.add(
                fields["reason"][1],
                f"{what}: unknown reason {reason!r}: add it to salama/policy/i18n.py REASONS",
            )
            reason = None
    review = False
    if "review" in fields:
        review = bool(_bool(fields["review"][1], "review", errors))
    when = _condition(fields["when"][1], what, errors) if "when" in fields else None
    if missing or rule_id is None or action is None or reason is None or when is None:
        return None
    return Rule(
        rule_id, when, action, reason, review, f"{errors.source}:{node.start_mark.line + 1}"
    )


def _score(
    fields: dict[str, tuple[yaml.Node, yaml.Node]], key: str, errors: _Errors
) -> float | Literal[False] | None:
    """The score under ``key``: None when absent, False when invalid (and reported)."""
    if key not in fields:
        return None
    node = fields[key][1]
    if not isinstance(node, yaml.ScalarNode) or node.tag not in (_INT, _FLOAT):
        errors.add(node, f"{key} must be a number between 0 and 1")
        return False
    try:
        value = float(node.value.replace("_", ""))
    except ValueError:  # YAML 1.1 spellings such as .inf or 1:30 that float() does not read
        value = -1.0
    if not 0.0 <= value <= 1.0:
        errors.add(node, f"{key} must be between 0 and 1, found {node.value}")
        return False
    return value


def _condition(node: yaml.Node, what: str, errors: _Errors) -> Condition | None:
    fields = mapping(node, f"{what}: when", _WHEN_KEYS, errors)
    if fields is None:
        return None
    ok = True
    category = None
    if "category" not in fields:
        errors.add(node, f"{what}: when needs a 'category'")
        ok = False
    else:
        category = _choice(fields["category"][1], CATEGORIES, "category", errors)
    min_score = _score(fields, "min_score", errors)
    max_score = _score(fields, "max_score", errors)
    ok = ok and min_score is not False and max_score is not False
    flagged = False
    if "flagged" in fields:
        value = fields["flagged"][1]
        got = _bool(value, "flagged", errors)
        if got is False:
            errors.add(value, "flagged: false means nothing; leave it out and give min_score")
        if got is not True:
            ok = False
        flagged = bool(got)
    if "min_score" in fields and "flagged" in fields:
        errors.add(node, f"{what}: give min_score or flagged: true, not both")
        ok = False
    elif "min_score" not in fields and "flagged" not in fields:
        errors.add(node, f"{what}: when needs min_score (0..1) or flagged: true")
        ok = False
    lists: dict[str, frozenset[str] | None] = {}
    for key, check, hint in (
        ("surfaces", SURFACES, ""),
        ("author_audiences", BANDS, " ('unknown' is treated as teen_13_15: list that)"),
        ("reader_audiences", BANDS, " ('unknown' is treated as teen_13_15: list that)"),
    ):
        lists[key] = None
        if key in fields:
            values = _choices(fields[key][1], check, key, errors, hint)
            if values is None:
                ok = False
            else:
                lists[key] = frozenset(values)
    signals = None
    if "signals_any" in fields:
        signals = _choices(fields["signals_any"][1], None, "signals_any", errors)
        ok = ok and signals is not None
    if isinstance(min_score, float) and isinstance(max_score, float) and max_score <= min_score:
        errors.add(fields["max_score"][1], f"{what}: max_score must be above min_score")
        ok = False
    if not ok or category is None:
        return None
    return Condition(
        category=category,
        min_score=min_score if isinstance(min_score, float) else None,
        flagged=flagged,
        max_score=max_score if isinstance(max_score, float) else None,
        surfaces=lists["surfaces"],
        author_audiences=lists["author_audiences"],
        reader_audiences=lists["reader_audiences"],
        signals_any=signals,
    )
