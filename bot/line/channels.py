"""Each organisation's LINE channel: org_id → its LineApi client and channel secret.

The organisation named by ORG_SLUG without credentials of its own uses the environment's
LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN (a single-organisation deployment changes nothing);
every other organisation uses the credentials stored sealed under CREDENTIALS_KEY (`itabot org add`).

Clients are built on first use and kept; every `check_every` seconds the credentials' version is read
again and the client rebuilt when it moved (`itabot org credentials`, a refreshed token, in any process).
A short-lived token is issued from the channel id and secret when there is none and again before it
expires; if LINE cannot issue one, the current token goes on being used while it lasts.
Secrets and tokens are never logged."""

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
from storage.uow import UnitOfWorkFactory
from usecases.organisations import (
    ChannelCredentials,
    MissingCredentialsKey,
    open_credentials,
    store_issued_token,
)

log = logging.getLogger(__name__)

ApiFactory = Callable[[str], LineApi]
MAX_CACHED_SLUGS = 10_000  # access token → client


class NoChannel(LookupError):
    """The organisation has no LINE channel: no credentials of its own and not the environment's one."""


@dataclass
class _Channel:
    org_id: int
    version: int  # 0: the environment's channel
    secret: str = field(repr=False)
    access_token: str = field(repr=False)
    api: LineApi
    checked_at: float


@dataclass(frozen=True)
class WebhookChannel:
    org_id: int
    secret: str = field(repr=False)


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
        self._channels: dict[int, _Channel] = {}
        self._webhooks: dict[str, tuple[WebhookChannel | None, float]] = {}
        self._retired: list[LineApi] = []  # replaced clients: a send may still be using one
        self._lock = threading.Lock()
        self._refresh_locks: dict[int, threading.Lock] = {}

    # -- what the senders use ------------------------------------------------------------------------
    def api(self, org_id: int) -> LineApi:
        """The organisation's client (NoChannel when it has no LINE channel)."""
        return self._channel(org_id).api

    def access_token(self, org_id: int) -> str:
        """For the rich-menu tools, which build their own SDK client."""
        return self._channel(org_id).access_token

    def secret(self, org_id: int) -> str:
        return self._channel(org_id).secret

    def webhook(self, slug: str) -> WebhookChannel | None:
        """The enabled organisation behind `/callback/<slug>` and its channel secret; None: 404. (Its access
        token plays no part: a short-lived one not issued yet does not stop events coming in.)"""
        now = time.monotonic()
        cached = self._webhooks.get(slug)
        if cached is not None and now - cached[1] < self.check_every:
            return cached[0]
        found: WebhookChannel | None = None
        try:
            with self.uow_factory() as uow:
                org = uow.people.organisation(slug)
                if org is not None and org.disabled_at is None:
                    credentials = open_credentials(uow, self.box, org.id)
                    if credentials is not None:
                        found = WebhookChannel(org.id, credentials.channel_secret)
                    elif org.slug == self.default_slug:
                        found = WebhookChannel(org.id, self.default_secret)
        except (MissingCredentialsKey, CredentialsError) as exc:
            log.error("webhook /callback/%s: the organisation's LINE credentials cannot be opened: %s", slug, exc)
        if len(self._webhooks) >= MAX_CACHED_SLUGS:  # random slugs must not grow it without end
            self._webhooks.clear()
        self._webhooks[slug] = (found, now)
        return found

    # -- building, checking, refreshing --------------------------------------------------------------
    def _channel(self, org_id: int) -> _Channel:
        now = time.monotonic()
        channel = self._channels.get(org_id)
        if channel is not None and now - channel.checked_at < self.check_every:
            return channel
        try:
            with self.uow_factory() as uow:
                credentials = open_credentials(uow, self.box, org_id)
                org = uow.people.organisation_by_id(org_id) if credentials is None else None
        except (MissingCredentialsKey, CredentialsError) as exc:
            log.error("organisation %s: its LINE credentials cannot be opened: %s", org_id, exc)
            raise NoChannel(f"organisation {org_id}: credentials cannot be opened") from None
        if credentials is None:
            if org is None or org.slug != self.default_slug:
                raise NoChannel(f"organisation {org_id} has no LINE channel")
            if channel is not None and channel.version == 0:
                channel.checked_at = now
                return channel
            return self._install(_Channel(org_id, 0, self.default_secret, self.default_token, self.default_api, now))
        if credentials.needs_token(utcnow()):
            credentials = self._refresh(credentials)
        if channel is not None and channel.version == credentials.version:
            channel.checked_at = now
            return channel
        if credentials.access_token is None:
            raise NoChannel(f"organisation {org_id}: no access token could be issued yet")
        return self._install(_Channel(org_id, credentials.version, credentials.channel_secret,
                                      credentials.access_token, self.api_factory(credentials.access_token), now))

    def _install(self, channel: _Channel) -> _Channel:
        with self._lock:
            old = self._channels.get(channel.org_id)
            if old is not None and old.api is not channel.api and old.api is not self.default_api:
                self._retired.append(old.api)
            self._channels[channel.org_id] = channel
        return channel

    def _refresh(self, credentials: ChannelCredentials) -> ChannelCredentials:
        """Issue a short-lived token and store it; the credentials to use (the old token when LINE
        could not issue one)."""
        with self._lock:
            lock = self._refresh_locks.setdefault(credentials.org_id, threading.Lock())
        with lock:
            with self.uow_factory() as uow:  # another thread or process may have done it meanwhile
                current = open_credentials(uow, self.box, credentials.org_id)
            if current is None or not current.needs_token(utcnow()):
                return current or credentials
            assert current.channel_id is not None
            try:
                issued = self.issuer.issue(current.channel_id, current.channel_secret)
            except TokenNotIssued as exc:
                log.warning("organisation %s: no short-lived token issued (%s); %s", current.org_id, exc,
                            "keeping the current one" if current.access_token else "nothing can be sent yet")
                return current
            with self.uow_factory() as uow:
                stored = store_issued_token(uow, self.box, current, issued.access_token, issued.expires_in,
                                            utcnow())
                uow.commit()
            with self.uow_factory() as uow:
                latest = open_credentials(uow, self.box, current.org_id)
            log.info("organisation %s: short-lived access token issued (%s)", current.org_id,
                     "stored" if stored else "another process stored one first")
            return latest or current

    def close(self) -> None:
        with self._lock:
            clients = [c.api for c in self._channels.values() if c.api is not self.default_api] + self._retired
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
