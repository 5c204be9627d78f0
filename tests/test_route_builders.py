"""The test run's kept URL builders (tests/support/route_builders.py) are the ones werkzeug compiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import CodeType

import pytest
from flask import Flask, url_for
from werkzeug.routing.converters import AnyConverter, BaseConverter, NumberConverter
from werkzeug.routing.rules import Rule

from bot.app import create_app
from bot.config import Settings
from tests.conftest import make_env
from tests.support import route_builders
from tests.support.inprocess import UNREACHABLE_LINE


@pytest.fixture
def two_apps(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    apps = [create_app(Settings.from_env(make_env(database_url, UNREACHABLE_LINE, tmp_path))) for _ in range(2)]
    yield apps[0], apps[1]
    for app in apps:
        app.extensions["itabot"].close()


def code_of(code: CodeType) -> tuple[object, ...]:
    return code.co_code, code.co_consts, code.co_varnames, code.co_argcount, code.co_name, code.co_names


def sample(converter: BaseConverter) -> object:
    if isinstance(converter, NumberConverter):
        return 7
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x-ก"


def test_every_rule_gets_the_builders_werkzeug_compiles_for_it(two_apps: tuple[Flask, Flask]) -> None:
    first, second = two_apps
    assert Rule._compile_builder is route_builders._compile_builder_once
    rules = list(second.url_map.iter_rules())
    assert len(rules) > 40 and route_builders.cached_builders() > 40
    for rule in rules:
        for built, unknown in ((rule._build, False), (rule._build_unknown, True)):
            assert built.__self__ is rule  # bound to this rule: its own converters
            assert code_of(built.__func__.__code__) == code_of(route_builders.compile_builder(rule, unknown).__code__)
    # the second app's builders are the first's, bound to its own rules
    shared = {rule.rule: rule._build.__func__ for rule in first.url_map.iter_rules() if not rule.defaults}
    assert all(shared[rule.rule] is rule._build.__func__ for rule in rules if not rule.defaults)


def test_urls_with_arguments_build_alike_in_both_apps(two_apps: tuple[Flask, Flask]) -> None:
    built = []
    for app in two_apps:
        with app.test_request_context():
            dynamic = sorted((r for r in app.url_map.iter_rules() if r.arguments and not r.defaults),
                             key=lambda r: r.endpoint)
            assert dynamic
            urls = [url_for(r.endpoint, **{a: sample(r._converters[a]) for a in r.arguments}, extra="1")
                    for r in dynamic]
        built.append(urls)
    assert built[0] == built[1]
    assert all("extra=1" in url for url in built[0]) and any("x-%E0%B8%81" in url for url in built[0])
