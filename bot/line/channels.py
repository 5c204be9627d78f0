"""Each organisation's LINE channel: org_id → its LineApi client, slug → its channel secret.

The organisation named by ORG_SLUG without credentials of its own uses the environment's
LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (a single-organisation deployment changes nothing);
every other organisation uses the credentials stored sealed under CREDENTIALS_KEY (`itabot org add`).

The registry keeps a directory of every organisation (slug, disabled, the version of its credentials),
read in one query at most every `check_every` seconds, so a webhook or a send costs dictionary lookups (a
webhook's events are stored only if the organisation is still enabled at the version its cached secret came
from, checked in the storing transaction: storage/event_store.py; otherwise its row is read again at once).
An organisation's credentials are opened, and its client built, on first use and again only when their
version moved (`itabot org credentials`, a token refreshed by any process); a disabled organisation's
webhook answers 404 from the next check on. A short-lived token is issued from the channel id and secret
when there is none and again when it is due (`domain.organisations.refresh_at`); if LINE cannot issue one,
the current token goes on being used while it lasts. Secrets and tokens are never logged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.line.api import LineApi
from bot.line.tokens import TokenIssuer, TokenNotIssued
from domain.organisations import CredentialsBox, CredentialsError
from storage.clock import utcnow
from storage.organisations import DirectoryRow
from storage.uow import UnitOfWorkFactory
from usecases.organisations import (
    ChannelCredentials,
    MissingCredentialsKey,
    open_credentials,
    store_issued_token,
)

log = logging.getLogger(__name__)

ApiFactory = Callable[[str], LineApi]  # access token → client
ISSUE_RETRY_SECONDS = 30.0  # after LINE refused or could not issue a token, ask again no sooner than this


class NoChannel(LookupError):
    """The organisation has no usable LINE channel: no credentials of its own and not the environment's
    organisation, credentials that cannot be opened, or a short-lived token that could not be issued yet."""


@dataclass
class _Channel:
    version: int  # 0: the environment's channel
    secret: str = field(repr=False)
    access_token: str | None = field(repr=False)  # short-lived: None until issued
    api: LineApi | None


@dataclass(frozen=True)
class WebhookChannel:
    org_id: int
    secret: str = field(repr=False)
    version: int  # of the credentials the secret came from (0: the environment's)


class LineChannels:
    def __init__(self, uow_factory: UnitOfWorkFactory, box: CredentialsBox | None, default_slug: str,
                 default_secret: str, default_api: LineApi, default_token: str, api_factory: ApiFactory,
                 issuer: TokenIssuer, check_every: float = 5.0) -> None:
        self.uow_factory = uow_factory
        self.box = box
        self.default_slug = default_slug
        self.default_secret = default_secret
        self.default_api = default_api
        self.default_token = default_token
        self.api_factory = api_factory
        self.issuer = issuer
        self.check_every = check_every
        self._by_slug: dict[str, DirectoryRow] = {}
        self._by_id: dict[int, DirectoryRow] = {}
        self._read_at = float("-inf")
        self._channels: dict[int, _Channel] = {}
        self._retired: list[LineApi] = []  # replaced clients: a send may still be using one
        self._lock = threading.Lock()
        self._refresh_locks: dict[int, threading.Lock] = {}
        self._issue_failed_at: dict[int, float] = {}

    # -- what the webhook and the senders use --------------------------------------------------------
    def webhook(self, slug: str, fresh: bool = False) -> WebhookChannel | None:
        """The enabled organisation behind `/callback/<slug>` and its channel secret; None: 404. (Its access
        token plays no part: a short-lived one not issued yet does not stop events coming in.) `fresh`: this
        organisation's row is read again now (the webhook does so when the cached secret did not verify a
        body, or the store found the credentials changed or the organisation disabled since)."""
        self._check()
        row = None if fresh else self._by_slug.get(slug)
        if row is None or row.disabled:  # added or enabled since the last read? one indexed lookup
            with self.uow_factory() as uow:
                found = uow.organisations.directory(slug)
            if not found:
                return None
            row = found[0]
            self._by_slug = {**self._by_slug, slug: row}
            self._by_id = {**self._by_id, row.org_id: row}
        if row.disabled:
            return None
        try:
            return WebhookChannel(row.org_id, self._known(row).secret, row.version)
        except NoChannel:
            return None

    def api(self, org_id: int) -> LineApi:
        """The organisation's client (NoChannel when it has no usable LINE channel)."""
        channel = self._usable(org_id)
        assert channel.api is not None
        return channel.api

    def access_token(self, org_id: int) -> str:
        """For the rich-menu tools, which build their own SDK client."""
        channel = self._usable(org_id)
        assert channel.access_token is not None
        return channel.access_token

    # -- the directory, the credentials, the tokens ---------------------------------------------------
    def _check(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._read_at < self.check_every:
            return
        with self.uow_factory() as uow:
            rows = uow.organisations.directory()
        self._by_slug = {row.slug: row for row in rows}
        self._by_id = {row.org_id: row for row in rows}
        self._read_at = time.monotonic()

    def _row(self, org_id: int) -> DirectoryRow:
        self._check()
        row = self._by_id.get(org_id)
        if row is None:
            self._check(force=True)
            row = self._by_id.get(org_id)
        if row is None:
            raise NoChannel(f"organisation {org_id} does not exist")
        return row

    def _usable(self, org_id: int) -> _Channel:
        row = self._row(org_id)
        channel = self._known(row)
        if row.version and (channel.access_token is None or (
                row.token_refresh_at is not None and utcnow() >= row.token_refresh_at)):
            channel = self._refresh(row)
        if channel.api is None:
            raise NoChannel(f"organisation {org_id}: no access token could be issued yet")
        return channel

    def _known(self, row: DirectoryRow) -> _Channel:
        """The channel at the directory's version of the credentials: kept, or opened and built now."""
        channel = self._channels.get(row.org_id)
        if channel is not None and channel.version == row.version:
            return channel
        if row.version == 0:
            if row.slug != self.default_slug:
                raise NoChannel(f"organisation {row.org_id} has no LINE channel")
            return self._install(row.org_id, _Channel(0, self.default_secret, self.default_token, self.default_api))
        try:
            with self.uow_factory() as uow:
                credentials = open_credentials(uow, self.box, row.org_id)
        except (MissingCredentialsKey, CredentialsError) as exc:
            log.error("organisation %s: its LINE credentials cannot be opened: %s", row.org_id, exc)
            raise NoChannel(f"organisation {row.org_id}: credentials cannot be opened") from None
        if credentials is None:  # removed meanwhile: the next directory read tells
            raise NoChannel(f"organisation {row.org_id} has no LINE channel")
        return self._install(row.org_id, self._build(credentials))

    def _build(self, credentials: ChannelCredentials) -> _Channel:
        token = credentials.access_token
        return _Channel(credentials.version, credentials.channel_secret, token,
                        self.api_factory(token) if token is not None else None)

    def _install(self, org_id: int, channel: _Channel) -> _Channel:
        with self._lock:
            old = self._channels.get(org_id)
            if old is not None and old.api is not None and old.api is not channel.api \
                    and old.api is not self.default_api:
                self._retired.append(old.api)
            self._channels[org_id] = channel
        return channel

    def _refresh(self, row: DirectoryRow) -> _Channel:
        """Issue a short-lived token and store it (one thread per organisation here; another process may do
        the same: the store is conditional on the version, the later one is dropped). The channel to use."""
        with self._lock:
            lock = self._refresh_locks.setdefault(row.org_id, threading.Lock())
        with lock:
            with self.uow_factory() as uow:
                current = open_credentials(uow, self.box, row.org_id)
            if current is None:
                raise NoChannel(f"organisation {row.org_id} has no LINE channel")
            failed_at = self._issue_failed_at.get(row.org_id, float("-inf"))
            if current.needs_token(utcnow()) and time.monotonic() - failed_at >= ISSUE_RETRY_SECONDS:
                assert current.channel_id is not None
                try:
                    issued = self.issuer.issue(current.channel_id, current.channel_secret)
                except TokenNotIssued as exc:
                    self._issue_failed_at[row.org_id] = time.monotonic()
                    log.warning("organisation %s: no short-lived token issued (%s); %s", row.org_id, exc,
                                "keeping the current one" if current.access_token else "nothing can be sent yet")
                    return self._known_or_install(row.org_id, current)
                self._issue_failed_at.pop(row.org_id, None)
                with self.uow_factory() as uow:
                    stored = store_issued_token(uow, self.box, current, issued.access_token, issued.expires_in,
                                                utcnow())
                    uow.commit()
                log.info("organisation %s: short-lived access token issued (%s)", row.org_id,
                         "stored" if stored else "another process stored one first")
                with self.uow_factory() as uow:
                    current = open_credentials(uow, self.box, row.org_id) or current
            self._check(force=True)  # the directory learns the new version and refresh time
            return self._known_or_install(row.org_id, current)

    def _known_or_install(self, org_id: int, credentials: ChannelCredentials) -> _Channel:
        channel = self._channels.get(org_id)
        if channel is not None and channel.version == credentials.version:
            return channel
        return self._install(org_id, self._build(credentials))

    def close(self) -> None:
        with self._lock:
            clients = [c.api for c in self._channels.values() if c.api is not None and c.api is not self.default_api]
            clients += self._retired
            self._channels.clear()
            self._retired.clear()
        for client in clients:
            client.close()


class Channels(Protocol):
    def api(self, org_id: int) -> LineApi: ...


class SingleChannel:
    """Every organisation through one client (benchmarks and tests that build a sender by hand)."""

    def __init__(self, api: LineApi) -> None:
        self._api = api

    def api(self, org_id: int) -> LineApi:
        return self._api


def channels_of(line: LineApi | LineChannels) -> Channels:
    return line if isinstance(line, LineChannels) else SingleChannel(line)
