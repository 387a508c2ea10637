"""Build matching rules from structured calls; the text is always the canonical form.

Covers what the Console's rule builder cannot: ``ANY``/``ALL`` nesting, ``!=``, tag
existence and tag values, instance and resource variables::

    from dyngroup import rule as r

    text = str(r.all_(
        r.instance_compartment_id == "ocid1.compartment.oc1..prod",
        r.tag("Ops", "Role") == "web",
        r.any_(r.tag("Ops", "Env"), r.resource_type != "fnfunc"),
    ))
    # "ALL {instance.compartment.id = 'ocid1.compartment.oc1..prod', tag.Ops.Role.value = 'web',
    #  ANY {tag.Ops.Env.value, resource.type != 'fnfunc'}}"

``dyngroup.canonical(str(node)) == str(node)`` for every node built here (property-tested).
Values that cannot be written (holding both ``'`` and ``"``) and names outside the
language raise ``ValueError`` when built, never later.
"""

from __future__ import annotations

from typing import Tuple

__all__ = [
    "Condition",
    "Group",
    "Node",
    "Tag",
    "Variable",
    "all_",
    "any_",
    "instance_compartment_id",
    "instance_id",
    "resource_compartment_id",
    "resource_id",
    "resource_type",
    "tag",
]

_PUNCTUATION = set("{},=!'\".")


def _quote(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"a rule value is a str, not {type(value).__name__}")
    if "'" in value and '"' in value:
        raise ValueError(f"a rule value cannot hold both quote characters: {value!r}")
    quote = '"' if "'" in value else "'"
    return f"{quote}{value}{quote}"


def _check_name(what: str, name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"a tag {what} must be a non-empty str")
    bad = [c for c in name if not ("!" <= c <= "~") or c in _PUNCTUATION]
    if bad:
        raise ValueError(f"tag {what} {name!r} holds {bad[0]!r}: only printable ASCII without spaces, dots or {{}},=!'\"")
    return name


class Node:
    """A rule or part of one; ``str()`` gives its canonical text."""

    def text(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<rule {self.text()}>"


class Condition(Node):
    """``variable = 'value'``, ``variable != 'value'``."""

    def __init__(self, variable: "Variable", op: str, value: str) -> None:
        self.variable = variable
        self.op = op
        self.value = value
        self._quoted = _quote(value)

    def text(self) -> str:
        return f"{self.variable.name} {self.op} {self._quoted}"


class Variable:
    """A variable of the rule language; compare it with ``==`` / ``!=`` to get a condition."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, value: object) -> Condition:  # type: ignore[override]
        return Condition(self, "=", value)  # type: ignore[arg-type]

    def __ne__(self, value: object) -> Condition:  # type: ignore[override]
        return Condition(self, "!=", value)  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<variable {self.name}>"


class Tag(Variable, Node):
    """``tag.<namespace>.<key>.value``: alone it is a condition (the tag exists); ``==`` and
    ``!=`` compare its value (a missing tag satisfies ``!=``)."""

    def __init__(self, namespace: str, key: str) -> None:
        super().__init__(f"tag.{_check_name('namespace', namespace)}.{_check_name('key', key)}.value")
        self.namespace = namespace
        self.key = key

    def text(self) -> str:
        return self.name

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<rule {self.text()}>"


class Group(Node):
    """``ANY {…}`` or ``ALL {…}`` of at least one member."""

    def __init__(self, keyword: str, items: Tuple[Node, ...]) -> None:
        if not items:
            raise ValueError(f"{keyword} {{}} needs at least one member")
        for item in items:
            if not isinstance(item, Node):
                raise TypeError(f"a member of {keyword} is a rule node, not {type(item).__name__}")
        self.keyword = keyword
        self.items = items

    def text(self) -> str:
        return f"{self.keyword} {{{', '.join(item.text() for item in self.items)}}}"



def all_(*items: Node) -> Group:
    """Matches when every member matches."""
    return Group("ALL", items)


def any_(*items: Node) -> Group:
    """Matches when at least one member matches."""
    return Group("ANY", items)


def tag(namespace: str, key: str) -> Tag:
    """The defined tag ``namespace.key`` (names compare case-insensitively, values exactly)."""
    return Tag(namespace, key)


instance_id = Variable("instance.id")
instance_compartment_id = Variable("instance.compartment.id")
resource_id = Variable("resource.id")
resource_compartment_id = Variable("resource.compartment.id")
resource_type = Variable("resource.type")
