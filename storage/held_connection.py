"""One connection a busy thread keeps between its transactions: the webhook's event store writer (#17).

Checked out of the pool for every group commit, a connection cost the checkout and, with `pool_pre_ping`, a
`SELECT 1` round trip each time. Held instead, it costs neither; it goes back to the pool when the thread idles
(`release`, after about a second without work) and when the services close (the engine's dispose leaves a
checked-out connection open: a test could not drop its database). A held connection that died meanwhile (the
server restarted, an idle timeout, pg_terminate_backend) is what the pre-ping caught: here SQLAlchemy reports
it invalidated on the first statement, and the work runs once more on a fresh connection, checked out with the
pool's ping. Running the work again is safe: it was rolled back with the dead session (or, had it died in the
COMMIT itself, the work must be one that can be repeated: the event store's insert skips what was stored).

`autocommit=True`: the connection is in autocommit and the work is given it outside any transaction of
SQLAlchemy's, to send its statements to the driver itself (the event store's pipeline, storage/checked_store.py:
one implicit transaction, no BEGIN or COMMIT round trip); the driver's errors are raised as SQLAlchemy's
(`DBAPIError` and its kinds, a dead connection invalidated), as SQLAlchemy's own execution raises them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
T = TypeVar("T")


class HeldConnection:
    def __init__(self, engine: Engine, autocommit: bool = False) -> None:
        self.engine = engine
        self.autocommit = autocommit
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def run(self, work: Callable[[Connection], T]) -> T:
        """`work(connection)` in a transaction on the held connection (one checked out if none is held);
        once more on a fresh one when the held one turns out dead. The connection is given back on any error."""
        with self._lock:
            while True:
                was_held = self._connection is not None
                if self._connection is None:
                    self._connection = self.engine.connect()
                    if self.autocommit:
                        self._connection.execution_options(isolation_level="AUTOCOMMIT")
                connection = self._connection
                try:
                    if self.autocommit:
                        return self._on_driver(connection, work)
                    with connection.begin():
                        return work(connection)
                except DBAPIError as exc:
                    self._release()
                    if not (was_held and exc.connection_invalidated):
                        raise
                    log.warning("the held database connection was lost (%s); once more on a fresh one",
                                type(exc.orig).__name__)
                except BaseException:
                    self._release()
                    raise

    def _on_driver(self, connection: Connection, work: Callable[[Connection], T]) -> T:
        """`work(connection)` that sends its statements to the driver: its errors raised as SQLAlchemy's."""
        dialect = self.engine.dialect
        try:
            return work(connection)
        except dialect.loaded_dbapi.Error as exc:
            driver = connection.connection.driver_connection
            invalidated = dialect.is_disconnect(exc, driver, None)
            if invalidated:
                connection.invalidate(exc)
            raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=invalidated,
                                      dialect=dialect) from exc

    def release(self) -> None:
        """Give the connection back to the pool (waits for the work running on it)."""
        with self._lock:
            self._release()

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception as exc:  # a dead connection may fail to give itself back: it is discarded anyway
                log.warning("releasing the held database connection: %s", type(exc).__name__)
