"""The docs name every setting, every route and every `flask` command, as Datasette's test_docs does: a new one
that no one documented fails here, pointing at the doc to extend."""

import re
from pathlib import Path

import pytest

from geotour.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))}
EVERYTHING = README + "".join(DOCS.values())
READS_ONLY = True  # one app for the module's tests (see conftest.app)


def test_the_readme_opens_with_the_two_commands_and_stays_a_front_door():
    assert "make run" in README[:600] and "make test" in README[:600]
    assert len(README.splitlines()) <= 150
    for name in ("panduan-kantor.md", "operations.md", "api.md", "development.md"):
        assert f"(docs/{name})" in README, name


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_setting_is_documented_in_the_operations_guide(key):
    assert f"`{key}`" in DOCS["operations.md"]


def _documented(rule: str) -> bool:
    """Is a route named in the docs, with its parameters in any spelling (<id>, {featureId})?"""
    parts = re.split(r"<[^>]+>", rule.rstrip("/") or "/")
    pattern = r"(?:<[^>]+>|\{[^}]+\})".join(re.escape(part) for part in parts)
    return re.search(rf"`(?:[A-Z]+ )?{pattern}/?[`?\s|]", EVERYTHING) is not None


def test_every_route_is_documented(app):
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert sorted(rule for rule in routes if not _documented(rule)) == []


def test_the_route_check_can_fail():
    assert _documented("/api/v1/layers/<layer_id>/export")
    assert not _documented("/api/v1/nothing-like-this/<x>")


def _commands(group, prefix=""):
    for name, command in group.commands.items():
        yield f"{prefix}{name}"
        if hasattr(command, "commands"):
            yield from _commands(command, f"{prefix}{name} ")


def test_every_flask_command_is_documented_in_the_operations_guide(app):
    commands = set(_commands(app.cli)) | {"routes", "shell", "run"}
    assert sorted(c for c in commands if f"`{c}" not in DOCS["operations.md"]) == []
