"""SQL statements compiled once per test run instead of once per test.

SQLAlchemy keeps each engine's compiled statements in that engine's own cache, keyed by the engine's dialect
object. The bot makes one engine per process, so in production a statement is compiled once; but every test
builds the bot afresh, with an engine of its own, and compiled every statement it ran again — some 55 a test,
~13 % of a test run's CPU (cProfile over the conversation and console tests).

Here every engine of the test run shares one cache (each base mapper's cache of flush statements too), and
a key's dialect object is replaced by what makes two dialects compile alike: its class, the server's version
and the settings a compiler reads. Every engine the tests make comes from `storage.db.make_engine` with the same
options, so a statement compiled for one is what another would compile; `tests/test_statement_cache.py` checks
that a statement compiled on a second engine is taken from the cache and gives the same SQL and results. Test
harness only: nothing of the bot changes.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Mapper
from sqlalchemy.util import LRUCache

CACHE_SIZE = 5000
DIALECT_SETTINGS = ("name", "driver", "paramstyle", "positional", "label_length", "max_identifier_length",
                    "server_version_info", "supports_native_boolean", "supports_native_decimal",
                    "supports_multivalues_insert", "use_insertmanyvalues", "insert_returning", "update_returning",
                    "delete_returning", "default_schema_name", "implicit_returning", "_json_serializer",
                    "_json_deserializer", "_backslash_escapes")


class SharedStatementCache:
    """A compiled-statement cache (`get`, `[key] = value`, as SQLAlchemy uses one) shared by engines whose
    dialects compile alike."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._compiled: LRUCache[Hashable, Any] = LRUCache(size)
        self._kinds: weakref.WeakKeyDictionary[Dialect, Hashable] = weakref.WeakKeyDictionary()
        self.hits = 0
        self.misses = 0

    def kind(self, dialect: Dialect) -> Hashable:
        """What decides how a dialect compiles (read on first use: the server's version is known once the
        engine has connected, which it has before it compiles anything)."""
        kind = self._kinds.get(dialect)
        if kind is None:
            kind = self._kinds[dialect] = (type(dialect), *(_hashable(getattr(dialect, name, None))
                                                            for name in DIALECT_SETTINGS))
        return kind

    def _key(self, key: tuple[Any, ...]) -> Hashable:
        dialect, *rest = key
        return (self.kind(dialect), *rest)

    def get(self, key: tuple[Any, ...], default: Any = None) -> Any:
        found = self._compiled.get(self._key(key), default)
        if found is default:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def __setitem__(self, key: tuple[Any, ...], value: Any) -> None:
        self._compiled[self._key(key)] = value

    def __len__(self) -> int:
        return len(self._compiled)

    def clear(self) -> None:
        self._compiled.clear()


def _hashable(value: object) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value  # type: ignore[return-value]


shared = SharedStatementCache()
_engine_init = Engine.__init__


def _engine_init_sharing(self: Engine, *args: Any, **kwargs: Any) -> None:
    _engine_init(self, *args, **kwargs)
    if self._compiled_cache is not None:  # query_cache_size=0 turns caching off: left so
        self._compiled_cache = shared  # type: ignore[assignment]


def install() -> None:
    """Every engine made from now on, and every mapper's flush statements, use the shared cache."""
    Engine.__init__ = _engine_init_sharing  # type: ignore[method-assign]
    Mapper._compiled_cache = shared  # type: ignore[assignment,method-assign]


def pytest_configure(config: Any) -> None:
    install()
