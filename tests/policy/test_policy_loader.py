"""Policy files: every error reported at file:line, none hiding another."""

from __future__ import annotations

from pathlib import Path

import pytest

from salama.errors import DataError
from salama.policy import load_default_policy, load_policy, parse_policy

BROKEN = """\
name: broken
version: 2
colour: blue
rules:
  - id: a
    when:
      category: insults
      min_score: 1.5
      surfaces: [comment, chat]
    action: ban
    reason: insult_rethink
  - id: a
    when:
      category: hate
      flagged: true
      min_score: 0.2
      reader_audiences: [unknown]
      signals_any: [nope]
    action: block
    reason: nosuch
  - id: c
    when: {category: threat}
    action: hold
    reason: threat
    extra: 1
"""


def errors_of(text: str, source: str = "p.yaml") -> list[str]:
    with pytest.raises(DataError) as err:
        parse_policy(text, source)
    assert err.value.code == "invalid_data"
    found = err.value.details["errors"]
    assert isinstance(found, list)
    assert str(found[0]) in err.value.message
    return [str(e) for e in found]


def test_a_broken_file_reports_every_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, "utf-8")
    with pytest.raises(DataError) as err:
        load_policy(path)
    found = err.value.details["errors"]
    assert found == [
        "broken.yaml:3: policy: unknown key 'colour'; allowed: name, version, description, rules",
        "broken.yaml:7: unknown category 'insults'; one of: insult, hate, threat, sexual, "
        "sexual_minors, self_harm, profanity",
        "broken.yaml:8: min_score must be between 0 and 1, found 1.5",
        "broken.yaml:9: surfaces: unknown value 'chat'; one of: comment, dm, post, bio, "
        "username, search",
        "broken.yaml:10: unknown action 'ban'; one of: allow, nudge, limit, hold, block, support",
        "broken.yaml:12: rule id 'a' used twice (first on line 5)",
        "broken.yaml:14: rule 'a': give min_score or flagged: true, not both",
        "broken.yaml:17: reader_audiences: unknown value 'unknown'; one of: teen_13_15, "
        "teen_16_17, adult ('unknown' is treated as teen_13_15: list that)",
        "broken.yaml:18: signals_any: unknown signal 'nope'; known: negation, reported_speech, "
        "invisible_chars, bidi_override, self_harm:first_person, self_harm:topic, "
        "rule:hate:identity+attack, rule:grooming:*",
        "broken.yaml:20: rule 'a': unknown reason 'nosuch': add it to salama/policy/i18n.py "
        "REASONS",
        "broken.yaml:22: rule 'c': when needs min_score (0..1) or flagged: true",
        "broken.yaml:25: rule: unknown key 'extra'; allowed: id, when, action, reason, review",
    ]
    assert err.value.message.startswith("12 error(s) in broken.yaml: broken.yaml:3:")


def test_missing_pieces() -> None:
    found = errors_of("name: x\nrules:\n  - id: r\n    when: {min_score: 0.5}\n")
    assert found == [
        "p.yaml:1: policy: missing 'version'",
        "p.yaml:3: rule: missing 'action'",
        "p.yaml:3: rule: missing 'reason'",
        "p.yaml:4: rule 'r': when needs a 'category'",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "p.yaml:1: empty file"),
        ("- a\n- b\n", "p.yaml:1: policy must be a mapping"),
        ("name: x\nversion: 1\nrules: {}\n", "p.yaml:3: rules must be a list"),
        ("name: [x]\nversion: 1\nrules: []\n", "p.yaml:1: name must be a string"),
        ("name: x\nname: y\nversion: 1\nrules: []\n", "p.yaml:2: policy: key 'name' given twice"),
        ("name: x\nversion: 1\nrules:\n  - just a string\n", "p.yaml:4: rule must be a mapping"),
        ("name: x\nversion: 1\nrules: [\n", "p.yaml:4: YAML syntax"),
        ("a: b: c\n", "p.yaml:1: YAML syntax"),
    ],
)
def test_shapes(text: str, message: str) -> None:
    assert errors_of(text)[0].startswith(message)


def rule(when: str, extra: str = "") -> str:
    return (
        "name: x\nversion: 1\nrules:\n  - id: r1\n"
        f"    when: {{category: insult, {when}}}\n    action: block\n    reason: threat\n{extra}"
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("flagged: false", "flagged: false means nothing"),
        ("flagged: 1", "flagged must be true or false"),
        ("min_score: high", "min_score must be a number"),
        ("min_score: -0.1", "min_score must be between 0 and 1"),
        ("min_score: 0.5, max_score: 0.5", "max_score must be above min_score"),
        ("min_score: 0.5, surfaces: []", "surfaces must be a non-empty list"),
        ("min_score: 0.5, surfaces: dm", "surfaces must be a non-empty list"),
        ("min_score: 0.5, surfaces: [dm, dm]", "surfaces: 'dm' listed twice"),
        ("min_score: 0.5, author_audiences: [teens]", "author_audiences: unknown value 'teens'"),
        ("min_score: 0.5, signals_any: ['rule:nope*']", "unknown signal 'rule:nope*'"),
        ("min_score: 0.5, texts: [x]", "unknown key 'texts'"),
    ],
)
def test_condition_errors(when: str, message: str) -> None:
    (found,) = errors_of(rule(when))
    assert found.startswith("p.yaml:5: ")
    assert message in found


def test_rule_level_errors() -> None:
    (found,) = errors_of(rule("flagged: true", "    review: maybe\n"))
    assert found == "p.yaml:8: review must be true or false"
    bad_id = rule("flagged: true").replace("id: r1", "id: Block Everything")
    assert "rule id 'Block Everything'" in errors_of(bad_id)[0]


def test_a_valid_policy() -> None:
    text = rule(
        "min_score: 0.2, max_score: 0.9, surfaces: [dm], reader_audiences: [teen_13_15], "
        "signals_any: ['rule:grooming:*', negation]",
        "    review: yes\n",
    )
    policy = parse_policy(text, "ok.yaml")
    assert policy.label == "x@1"
    (r,) = policy.rules
    assert r.where == "ok.yaml:4"
    assert r.review is True
    assert r.when.min_score == 0.2
    assert r.when.max_score == 0.9
    assert r.when.surfaces == {"dm"}
    assert r.when.signals_any == ("rule:grooming:*", "negation")
    assert r.when.author_audiences is None


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_the_shipped_policy_loads_and_is_cached() -> None:
    policy = load_default_policy()
    assert policy.name == "salama-default"
    assert policy.source == "default.yaml"
    assert load_default_policy() is policy
    ids = [r.id for r in policy.rules]
    assert len(ids) == len(set(ids))
