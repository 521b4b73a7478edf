"""Data files in YAML, validated node by node so that every error names its file and line.

The text is composed into YAML nodes (not constructed into Python objects), so each value keeps
its line; a checker reports what is wrong with a node to :class:`Findings` and goes on, so the
first error does not hide the others. Used by the policy loader (``salama.policy.loader``) and
the help resources (``salama.support.resources``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import yaml

from salama.errors import DataError

__all__ = ["Findings", "compose", "mapping"]

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
TIMESTAMP = "tag:yaml.org,2002:timestamp"


class Findings:
    """The errors found in one file (``source``), each at a line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._items: list[tuple[int, str]] = []

    def add(self, node: yaml.Node | None, message: str, line: int | None = None) -> None:
        """An error at ``node``'s line (or ``line``; line 1 without either)."""
        if line is None:
            line = node.start_mark.line + 1 if node is not None else 1
        self._items.append((line, message))

    def __len__(self) -> int:
        return len(self._items)

    def formatted(self) -> list[str]:
        """``source:line: message``, by line (in the order found within a line)."""
        ordered = sorted(enumerate(self._items), key=lambda item: (item[1][0], item[0]))
        return [f"{self.source}:{line}: {message}" for _, (line, message) in ordered]

    def raise_if_any(self) -> None:
        """DataError listing every error (``details["errors"]``), when there is one."""
        if self._items:
            listed = self.formatted()
            raise DataError(
                f"{len(listed)} error(s) in {self.source}: {listed[0]}", details={"errors": listed}
            )


def compose(text: str, findings: Findings) -> yaml.Node | None:
    """The node tree of ``text``; None when it is empty or not YAML (reported, with its line)."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        findings.add(None, f"YAML syntax: {exc.problem or exc}", line)
    except yaml.YAMLError as exc:
        findings.add(None, f"YAML syntax: {exc}", 1)
    return None


def mapping(
    node: yaml.Node,
    what: str,
    allowed: Iterable[str],
    findings: Findings,
    required: Sequence[str] = (),
) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    """A mapping with plain-name keys among ``allowed``, each once: name -> (key node, value
    node). Unknown, repeated and missing (``required``) keys are reported; None when ``node`` is
    not a mapping at all."""
    if not isinstance(node, yaml.MappingNode):
        findings.add(node, f"{what} must be a mapping")
        return None
    names = tuple(allowed)
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != STR:
            findings.add(key, f"{what}: keys must be plain names")
            continue
        name = key.value
        if name not in names:
            findings.add(key, f"{what}: unknown key {name!r}; allowed: {', '.join(names)}")
            continue
        if name in out:
            first = out[name][0].start_mark.line + 1
            findings.add(key, f"{what}: key {name!r} given twice (first on line {first})")
            continue
        out[name] = (key, value)
    for name in required:
        if name not in out:
            findings.add(node, f"{what}: missing {name!r}")
    return out
