"""Organisations as data: add one with its LINE channel's credentials, replace them, disable it, list them;
open an organisation's credentials for the LINE clients, store a freshly issued short-lived token.

The channel secret and the access token are sealed under CREDENTIALS_KEY (`domain.organisations`) before
they reach the storage, and never come back out of here except to the LINE clients (bot/line/channels.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.organisations import CredentialsBox, TokenKind, refresh_at, valid_slug
from storage.models import Organisation
from storage.organisations import OrgRow
from storage.uow import UnitOfWork


class OrganisationError(ValueError):
    """Bad input for an organisation; `reason` names which (the CLI words it in Thai)."""

    def __init__(self, reason: str, value: str = "") -> None:
        super().__init__(f"{reason}: {value}")
        self.reason = reason
        self.value = value


class MissingCredentialsKey(RuntimeError):
    """CREDENTIALS_KEY is not set: no organisation's credentials can be sealed or opened."""


@dataclass(frozen=True)
class NewCredentials:
    """As typed by whoever adds the organisation: a long-lived token, or a channel id (short-lived tokens)."""

    channel_secret: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)
    channel_id: str | None = None

    @property
    def kind(self) -> TokenKind:
        return TokenKind.SHORT_LIVED if self.channel_id else TokenKind.LONG_LIVED

    def check(self) -> None:
        if not self.channel_secret or any(c.isspace() for c in self.channel_secret):
            raise OrganisationError("secret")
        if self.channel_id is not None:
            if not self.channel_id.isdigit() or len(self.channel_id) > 32:
                raise OrganisationError("channel_id", self.channel_id)
        elif not self.access_token or any(c.isspace() for c in self.access_token):
            raise OrganisationError("token")


@dataclass(frozen=True)
class ChannelCredentials:
    """An organisation's opened credentials, for its LINE clients only (never logged: no repr)."""

    org_id: int
    kind: TokenKind
    channel_id: str | None
    channel_secret: str = field(repr=False)
    access_token: str | None = field(repr=False)  # short-lived: None until issued
    token_refresh_at: datetime | None
    version: int

    def needs_token(self, now: datetime) -> bool:
        """A short-lived token is to be issued: none yet, or it is due for replacement."""
        if self.kind is not TokenKind.SHORT_LIVED:
            return False
        return self.access_token is None or self.token_refresh_at is None or now >= self.token_refresh_at


def _box(box: CredentialsBox | None) -> CredentialsBox:
    if box is None:
        raise MissingCredentialsKey("CREDENTIALS_KEY is not set")
    return box


def _check_org(slug: str, name: str, timezone: str) -> None:
    if not valid_slug(slug):
        raise OrganisationError("slug", slug)
    if not name.strip():
        raise OrganisationError("name")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrganisationError("timezone", timezone) from None


def _seal(uow: UnitOfWork, box: CredentialsBox, org_id: int, credentials: NewCredentials, now: datetime) -> None:
    token = box.seal(org_id, "token", credentials.access_token) if credentials.access_token else None
    if credentials.kind is TokenKind.SHORT_LIVED:
        token = None  # issued from the channel id and secret by the LINE clients
    uow.organisations.save_credentials(org_id, credentials.kind.value, credentials.channel_id,
                                       box.seal(org_id, "secret", credentials.channel_secret), token, now)


def add_organisation(uow: UnitOfWork, box: CredentialsBox | None, slug: str, name: str, timezone: str,
                     credentials: NewCredentials, now: datetime) -> Organisation:
    """A new organisation (with the default units) and its channel's credentials."""
    sealer = _box(box)
    _check_org(slug, name, timezone)
    credentials.check()
    if uow.people.organisation(slug) is not None:
        raise OrganisationError("exists", slug)
    org = uow.people.ensure_organisation(slug, name.strip(), timezone)
    _seal(uow, sealer, org.id, credentials, now)
    return org


def find(uow: UnitOfWork, slug: str) -> Organisation:
    org = uow.people.organisation(slug)
    if org is None:
        raise OrganisationError("unknown", slug)
    return org


def replace_credentials(uow: UnitOfWork, box: CredentialsBox | None, slug: str, credentials: NewCredentials,
                        now: datetime) -> Organisation:
    sealer = _box(box)
    credentials.check()
    org = find(uow, slug)
    _seal(uow, sealer, org.id, credentials, now)
    return org


def disable_organisation(uow: UnitOfWork, slug: str, now: datetime) -> bool:
    """Its webhook answers 404 from then on; False when it already was disabled."""
    return uow.organisations.disable(find(uow, slug).id, now)


def enable_organisation(uow: UnitOfWork, slug: str) -> bool:
    """Serve a disabled organisation again: its webhook, its console logins and its scheduled reminders and
    summaries, with its data as it was left; False when it was not disabled."""
    return uow.organisations.enable(find(uow, slug).id)


def list_organisations(uow: UnitOfWork) -> list[OrgRow]:
    return uow.organisations.listing()


def open_credentials(uow: UnitOfWork, box: CredentialsBox | None, org_id: int) -> ChannelCredentials | None:
    """The organisation's own credentials, opened; None when it has none (the environment's channel)."""
    sealed = uow.organisations.credentials(org_id)
    if sealed is None:
        return None
    opener = _box(box)
    token = opener.open(org_id, "token", sealed.token_sealed) if sealed.token_sealed is not None else None
    return ChannelCredentials(org_id, TokenKind(sealed.token_kind), sealed.channel_id,
                              opener.open(org_id, "secret", sealed.secret_sealed), token, sealed.token_refresh_at,
                              sealed.version)


def store_issued_token(uow: UnitOfWork, box: CredentialsBox | None, credentials: ChannelCredentials, token: str,
                       expires_in: timedelta, now: datetime) -> bool:
    """Keep a short-lived token just issued for `credentials`; False when they changed meanwhile."""
    return uow.organisations.save_issued_token(
        credentials.org_id, credentials.version, _box(box).seal(credentials.org_id, "token", token),
        now + expires_in, refresh_at(now, expires_in), now)
