"""check, canonical, RuleError, and the rule builder (property test against the parser)."""

from __future__ import annotations

import random
import string

import pytest

import dyngroup
from dyngroup import rule as r

from conftest import run_cli


def test_check_accepts_and_canonicalises():
    found = dyngroup.check("all {Instance.Compartment.Id = \"ocid1.compartment.oc1..a\", tag.Ops.Role.value}")
    assert found.ok and found.diagnostics == []
    assert found.canonical == "ALL {instance.compartment.id = 'ocid1.compartment.oc1..a', tag.Ops.Role.value}"


def test_check_reports_where_and_what(cli):
    rule = "ALL {compartment.id = 'x'}"
    found = dyngroup.check(rule)
    assert not found.ok
    (d,) = found.diagnostics
    assert (d.severity, d.line, d.column) == ("error", 1, 6)
    assert d.message == "unknown variable `compartment.id`"
    assert "^^^^^^^^^^^^^^" in d.rendered
    assert "did you mean" in d.help
    # The rendered text is the CLI's.
    assert run_cli(cli, "check", rule).stderr == d.rendered


def test_legacy_form_is_a_warning_unless_strict():
    rule = "instance.compartment.id = ocid1.compartment.oc1..a"
    lenient = dyngroup.check(rule)
    assert lenient.ok and [d.severity for d in lenient.diagnostics] == ["warning"]
    strict = dyngroup.check(rule, strict=True)
    assert not strict.ok and strict.diagnostics[0].is_error


def test_canonical_raises_rule_error_with_the_cli_text(cli):
    rule = "ANY {instance.id = 'a',"
    with pytest.raises(dyngroup.RuleError) as raised:
        dyngroup.canonical(rule)
    assert str(raised.value) == run_cli(cli, "check", rule).stderr
    assert isinstance(raised.value, dyngroup.DyngroupError)


def test_builder_example():
    node = r.all_(
        r.instance_compartment_id == "ocid1.compartment.oc1..prod",
        r.tag("Ops", "Role") == "web",
        r.any_(r.tag("Ops", "Env"), r.resource_type != "fnfunc", r.instance_id == "it's"),
    )
    assert str(node) == (
        "ALL {instance.compartment.id = 'ocid1.compartment.oc1..prod', tag.Ops.Role.value = 'web', "
        "ANY {tag.Ops.Env.value, resource.type != 'fnfunc', instance.id = \"it's\"}}"
    )
    assert dyngroup.canonical(str(node)) == str(node)


@pytest.mark.parametrize(
    "build",
    [
        lambda: r.all_(),
        lambda: r.tag("a.b", "c"),
        lambda: r.tag("", "c"),
        lambda: r.tag("a", "c d"),
        lambda: r.instance_id == "both ' and \"",
    ],
)
def test_builder_refuses_what_cannot_be_written(build):
    with pytest.raises(ValueError):
        build()


NAME_CHARS = string.ascii_letters + string.digits + "-_:/@#$%&*+()"
VALUE_CHARS = string.ascii_letters + string.digits + " .-_:/'\"{},=!ü"
FIXED = [r.instance_id, r.instance_compartment_id, r.resource_id, r.resource_compartment_id, r.resource_type]


def random_value(rng: random.Random) -> str:
    value = "".join(rng.choice(VALUE_CHARS) for _ in range(rng.randint(0, 12)))
    return value.replace('"', "") if "'" in value and '"' in value else value


def random_node(rng: random.Random, depth: int) -> r.Node:
    if depth > 0 and rng.random() < 0.4:
        items = [random_node(rng, depth - 1) for _ in range(rng.randint(1, 4))]
        return (r.all_ if rng.random() < 0.5 else r.any_)(*items)
    if rng.random() < 0.5:
        name = lambda: "".join(rng.choice(NAME_CHARS) for _ in range(rng.randint(1, 8)))  # noqa: E731
        tag = r.tag(name(), name())
        choice = rng.randrange(3)
        if choice == 0:
            return tag
        return (tag == random_value(rng)) if choice == 1 else (tag != random_value(rng))
    variable = rng.choice(FIXED)
    value = random_value(rng)
    return (variable == value) if rng.random() < 0.5 else (variable != value)


def test_builder_output_parses_back_to_itself():
    rng = random.Random(12)
    for _ in range(2000):
        node = random_node(rng, depth=rng.randint(0, 4))
        text = str(node)
        found = dyngroup.check(text, strict=True)
        assert found.ok, (text, found.diagnostics)
        assert found.diagnostics == [], text
        assert found.canonical == text
