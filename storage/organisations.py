"""Organisations and their LINE channel credentials (sealed bytes: this layer never sees a plain secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, select, update
from sqlalchemy.orm import Session

from storage.chat_lists import bound_chats, in_ids
from storage.models import Organisation
from storage.org_models import OrgCredentials


@dataclass(frozen=True)
class SealedCredentials:
    """An organisation's credentials row, copied out of the session."""

    org_id: int
    token_kind: str
    channel_id: str | None
    secret_sealed: bytes
    token_sealed: bytes | None
    token_expires_at: datetime | None
    token_refresh_at: datetime | None
    version: int


@dataclass(frozen=True)
class OrgRow:
    id: int
    slug: str
    name: str
    timezone: str
    disabled: bool
    token_kind: str | None  # None: no credentials of its own


@dataclass(frozen=True)
class DirectoryRow:
    """What the LINE channel registry keeps of every organisation between its checks."""

    org_id: int
    slug: str
    disabled: bool
    version: int  # 0: no credentials of its own
    token_refresh_at: datetime | None


_orgs = cast(Table, Organisation.__table__)
_credentials = cast(Table, OrgCredentials.__table__)
# Built once (the webhook's hot path): the credentials version of the enabled organisations among `ids`, bound as
# one value (one SQL text however many organisations a group commit gathers: storage/chat_lists.py).
_CHANNEL_VERSIONS = {dialect: select(_orgs.c.id, _credentials.c.version)
                     .select_from(_orgs.outerjoin(_credentials, _credentials.c.org_id == _orgs.c.id))
                     .where(in_ids(_orgs.c.id, dialect), _orgs.c.disabled_at.is_(None))
                     for dialect in ("postgresql", "sqlite")}


def channel_versions(connection: Connection, org_ids: list[int]) -> dict[int, int]:
    """{org_id: version of its credentials (0: none of its own)} of those organisations that exist and are
    enabled, in one query on a Core connection: the webhook's group commit checks, in the transaction that
    stores a request's events, that the secret it was verified with is still the organisation's."""
    if not org_ids:
        return {}
    dialect = connection.dialect.name
    versions = connection.execute(_CHANNEL_VERSIONS[dialect], {"ids": bound_chats(dialect, org_ids)})
    return {org_id: version or 0 for org_id, version in versions}


def _copy(row: OrgCredentials) -> SealedCredentials:
    return SealedCredentials(row.org_id, row.token_kind, row.channel_id, row.secret_sealed, row.token_sealed,
                             row.token_expires_at, row.token_refresh_at, row.version)


class OrganisationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def listing(self) -> list[OrgRow]:
        """Every organisation, by slug, with the kind of its credentials."""
        rows = self.session.execute(
            select(Organisation, OrgCredentials.token_kind)
            .outerjoin(OrgCredentials, OrgCredentials.org_id == Organisation.id)
            .order_by(Organisation.slug))
        return [OrgRow(org.id, org.slug, org.name, org.timezone, org.disabled_at is not None, kind)
                for org, kind in rows]

    def summaries(self) -> list[OrgRow]:
        """Every organisation, by slug, from the organisations table alone (what a console operator sees: no
        tenant table is read, so the kind of credentials is not known here)."""
        return [OrgRow(org.id, org.slug, org.name, org.timezone, org.disabled_at is not None, None)
                for org in self.session.scalars(select(Organisation).order_by(Organisation.slug))]

    def directory(self, slug: str | None = None) -> list[DirectoryRow]:
        """Every organisation (or the one with `slug`) with the version of its credentials, in one query."""
        query = (select(Organisation.id, Organisation.slug, Organisation.disabled_at, OrgCredentials.version,
                        OrgCredentials.token_refresh_at)
                 .outerjoin(OrgCredentials, OrgCredentials.org_id == Organisation.id).order_by(Organisation.id))
        if slug is not None:
            query = query.where(Organisation.slug == slug)
        return [DirectoryRow(org_id, slug_, disabled_at is not None, version or 0, refresh)
                for org_id, slug_, disabled_at, version, refresh in self.session.execute(query)]

    def enabled(self, org_id: int) -> bool:
        """The organisation exists and is not disabled."""
        return self.session.scalar(select(Organisation.id).where(Organisation.id == org_id,
                                                                 Organisation.disabled_at.is_(None))) is not None

    def enabled_ids(self) -> list[int]:
        return list(self.session.scalars(select(Organisation.id).where(Organisation.disabled_at.is_(None))
                                         .order_by(Organisation.id)))

    def disable(self, org_id: int, now: datetime) -> bool:
        """False when it already was."""
        result = self.session.execute(update(Organisation).where(Organisation.id == org_id,
                                                                 Organisation.disabled_at.is_(None))
                                      .values(disabled_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def enable(self, org_id: int) -> bool:
        """Serve a disabled organisation again; False when it was not disabled."""
        result = self.session.execute(update(Organisation).where(Organisation.id == org_id,
                                                                 Organisation.disabled_at.is_not(None))
                                      .values(disabled_at=None))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def credentials(self, org_id: int) -> SealedCredentials | None:
        row = self.session.get(OrgCredentials, org_id)
        return _copy(row) if row is not None else None

    def credentials_version(self, org_id: int) -> int | None:
        return self.session.scalar(select(OrgCredentials.version).where(OrgCredentials.org_id == org_id))

    def save_credentials(self, org_id: int, token_kind: str, channel_id: str | None, secret_sealed: bytes,
                         token_sealed: bytes | None, now: datetime) -> None:
        """New credentials (all of them replaced: an issued short-lived token is forgotten)."""
        row = self.session.get(OrgCredentials, org_id, with_for_update=True)
        if row is None:
            row = OrgCredentials(org_id=org_id, version=0)
            self.session.add(row)
        row.token_kind = token_kind
        row.channel_id = channel_id
        row.secret_sealed = secret_sealed
        row.token_sealed = token_sealed
        row.token_expires_at = row.token_refresh_at = None
        row.version = (row.version or 0) + 1
        row.updated_at = now
        self.session.flush()

    def save_issued_token(self, org_id: int, known_version: int, token_sealed: bytes, expires_at: datetime,
                          refresh_at: datetime, now: datetime) -> bool:
        """Store a token issued for the credentials at `known_version`; False (nothing stored) when they
        changed meanwhile (replaced, or another process stored its own token first)."""
        result = self.session.execute(
            update(OrgCredentials)
            .where(OrgCredentials.org_id == org_id, OrgCredentials.version == known_version)
            .values(token_sealed=token_sealed, token_expires_at=expires_at, token_refresh_at=refresh_at,
                    version=known_version + 1, updated_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]
