"""The layers point one way, and the wheel ships only the bot.

    texts ← domain ← storage ← views ← usecases ← bot foundation ← adapters ← bot (the composition root)
                                                   foundation: bot.config, bot.services, bot.line, bot.richmenu
                                                   adapters: handlers, scheduler, bot.web, bot.console, bot.cli

A module may import its own package and anything in a lower layer, never a higher one, and an adapter never
imports another adapter (they share code through the layers below). `linesim` (the fake LINE platform, the
chat simulator, the dev server and the demo) is a development tool on top of everything: nothing imports it
but the tests and the `itabot dev` command, lazily. The rule is read from the source, so it stays true.

Queries belong to storage/: outside it nothing reaches for a unit of work's SQLAlchemy session (`uow.session`,
`ctx.uow.session.get(...)`); a query is a method of a repository (`uow.plans`, `uow.people`, …)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (component, layer). A component is a top-level package or a sub-package of bot/; the longest prefix wins.
LAYERS: dict[str, int] = {
    "texts": 0,
    "domain": 1,
    "storage": 2,
    "views": 3,
    "usecases": 4,
    "bot.config": 5,
    "bot.fonts": 5,
    "bot.logging_setup": 5,
    "bot.line": 5,
    "bot.richmenu": 5,
    "bot.report_links": 5,
    "bot.services": 5,
    "handlers": 6,
    "scheduler": 6,
    "bot.web": 6,
    "bot.console": 6,
    "bot.cli": 6,
    "bot": 7,  # the composition root: bot/__init__.py, bot/app.py, bot/worker.py
    "bot.cli.main": 7,  # the `itabot` group: builds the app, runs the worker, gathers the command groups
    "linesim": 8,
}
ADAPTERS = {"handlers", "scheduler", "bot.web", "bot.console", "bot.cli"}
SHIPPED = ["texts", "domain", "storage", "views", "usecases", "handlers", "scheduler", "bot"]
# The dev command starts the simulator: the one upward import, made inside the command, only when run.
LAZY_ALLOWED = {("bot.cli.main", "linesim")}


def component(module: str) -> str | None:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return prefix
    return None


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in [*SHIPPED, "linesim"]:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def imports_of(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            # `from bot import web` imports the sub-package bot.web
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names
                      if component(f"{node.module}.{alias.name}") not in (None, component(node.module))]
    return found


def violations() -> list[str]:
    wrong = []
    for name, path in modules():
        own = component(name)
        assert own is not None, name
        for imported, line in imports_of(path):
            other = component(imported)
            if other is None or other == own or (name, other) in LAZY_ALLOWED:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
            if LAYERS[other] > LAYERS[own]:
                wrong.append(f"{where} (layer {LAYERS[other]} above {own}'s {LAYERS[own]})")
            elif own in ADAPTERS and other in ADAPTERS:
                wrong.append(f"{where} (one adapter importing another)")
    return wrong


# Modules allowed to query through the session outside storage/: none. Add none.
SESSION_ALLOWED: set[str] = set()


def session_uses(path: Path) -> list[int]:
    """The lines that reach for a `.session` attribute (`uow.session`, `ctx.uow.session.get(...)`, `self.session`).
    Flask's cookie session is imported by name, never reached as an attribute, so it does not count."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return sorted({node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "session"})


def session_violations() -> list[str]:
    wrong = []
    for name, path in modules():
        where = path.relative_to(ROOT).as_posix()
        if component(name) == "storage" or where in SESSION_ALLOWED:
            continue
        wrong += [f"{where}:{line} uses .session: make the query a repository method in storage/"
                  for line in session_uses(path)]
    return wrong


def test_imports_point_down_the_layers() -> None:
    assert violations() == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from handlers.base import Context\nfrom bot import web\n")
    assert [(m, component(m)) for m, _ in imports_of(probe)] == [
        ("handlers.base", "handlers"), ("bot", "bot"), ("bot.web", "bot.web")]
    assert LAYERS["handlers"] > LAYERS["storage"]


def test_only_storage_touches_the_session() -> None:
    assert session_violations() == []


def test_the_session_allow_list_is_only_what_is_left() -> None:
    """A module that no longer needs its exemption loses it, so the rule cannot quietly lapse there."""
    assert [where for where in sorted(SESSION_ALLOWED) if not session_uses(ROOT / where)] == []


def test_the_session_rule_catches_a_query(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from flask import session\n"
                     "def f(uow, ctx):\n"
                     "    session.clear()\n"  # Flask's cookie session: not a unit of work's
                     "    uow.session.get(Plan, 1)\n"
                     "    s = ctx.uow.session\n"
                     "    return uow.plans.plan(1)\n")
    assert session_uses(probe) == [4, 5]


@pytest.mark.slow
def test_the_wheel_ships_the_bot_without_the_simulator(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: building leaves build/ and *.egg-info beside the sources
    for name in [*SHIPPED, "linesim", "pyproject.toml", "README.md"]:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / name, source / name)
    # setuptools' own build backend, as `pip wheel` calls it, without pip's isolated build environment
    # (setuptools and wheel are test dependencies): the same wheel, without installing them afresh each run
    subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                    "build_meta.build_wheel(sys.argv[1])", str(tmp_path / "dist")],
                   check=True, cwd=source, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("itabot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("itabot-")}
    assert tops == set(SHIPPED)
    assert not [n for n in names if "linesim" in n or "fake_line" in n or "demo" in n]
    assert "bot/templates/console/base.html" in names
    assert "storage/migrations/env.py" in names and "storage/migrations/script.py.mako" in names
    assert any(n.startswith("storage/migrations/versions/0001_") for n in names)


def test_handlers_query_through_repositories() -> None:
    """Handlers reach the database through `uow.<repository>` methods, never the session itself."""
    found = [f"{path.relative_to(ROOT)}:{node.lineno}"
             for path in sorted((ROOT / "handlers").rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Attribute) and node.attr == "session"]
    assert found == []
