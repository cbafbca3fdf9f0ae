"""Pages get the objects they show or change by id only through the apps' access helpers
(STYLE.md), never by a lookup of their own: this reads every app's views.py."""

import ast
from pathlib import Path

import pytest

import hotline

VIEWS = sorted(Path(hotline.__file__).parent.glob("*/views.py"))
LOOKUPS = {"get", "filter", "exclude", "get_or_create", "in_bulk"}
KEYS = {"pk", "id", "slug", "code", "token", "reference"}


def own_lookups(source: str) -> list[str]:
    """`X.objects...get(pk=...)`-like calls: an ORM lookup of one object by one of its keys."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in LOOKUPS or "objects" not in ast.unparse(node.func.value):
            continue
        if node.func.attr == "get" or any(k.arg in KEYS for k in node.keywords):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_the_check_finds_a_lookup_of_its_own() -> None:
    assert own_lookups("def v(r, i):\n    return Case.objects.get(pk=i)\n")
    assert own_lookups("def v(r, s):\n    return Resource.objects.published().filter(slug=s)\n")
    assert not own_lookups("def v(r):\n    return Case.objects.filter(status='open')\n")


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.parent.name)
def test_views_fetch_objects_through_access_helpers(path: Path) -> None:
    assert VIEWS, "no views found"
    assert own_lookups(path.read_text()) == []
