"""The deployment's operators (#18): the list of organisations, adding one with its LINE channel's
credentials and its first administrator, replacing the credentials, disabling one.

An operator is the hosting vendor, not a municipality: its requests run under OPERATOR_SCOPE (on PostgreSQL
row-level security shows it no organisation's rows) and read the organisations table only. What it changes
in an organisation (credentials, first administrator, disabling) runs scoped to that organisation and is
audited in that organisation's own log. Secrets are sealed (usecases/organisations.py), never shown back,
never logged, never put back into a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError

from bot.console.blueprint import FormError, access, blueprint, error_page, roles, services
from domain.passwords import MAX_LENGTH, hash_password, normalise_username, password_problem
from storage.models import Organisation, Role
from storage.tenancy import org_scope
from storage.uow import UnitOfWork
from texts import console
from usecases.console_accounts import HasAdmin, create_first_admin
from usecases.organisations import (
    MissingCredentialsKey,
    NewCredentials,
    OrganisationError,
    add_organisation,
    disable_organisation,
    enable_organisation,
    replace_credentials,
)

SECRET_FIELDS = ("channel_secret", "access_token")


def _page(error: str | None = None, status: int = 200) -> Any:
    with services().uow() as uow:
        rows = uow.organisations.summaries()
    kept = {k: v for k, v in request.form.items() if k not in (*SECRET_FIELDS, "admin_password", "admin_again",
                                                               "csrf_token")}
    return render_template("console/operator.html", rows=rows, error=error, form=kept,
                           default_slug=services().settings.org_slug), status


def _credentials() -> NewCredentials:
    """The channel's secret and (long-lived) token, or its channel id (short-lived tokens) from the form."""
    channel_id = request.form.get("channel_id", "").strip() or None
    token = None if channel_id else request.form.get("access_token", "").strip()
    return NewCredentials(request.form.get("channel_secret", "").strip(), token, channel_id)


def _org_error(exc: Exception) -> FormError:
    if isinstance(exc, MissingCredentialsKey):
        return FormError(console.CONSOLE_OPERATOR_NO_KEY)
    assert isinstance(exc, OrganisationError)
    template = console.CONSOLE_OPERATOR_ORG_ERRORS.get(exc.reason, console.CONSOLE_ERRORS[400][1])
    return FormError(template.format(value=exc.value))


def _admin_password_hash(username: str | None) -> str | None:
    """The first administrator's password, checked and hashed (slow: before any transaction); None when the
    form names no administrator."""
    if not username:
        return None
    password = request.form.get("admin_password", "")[:MAX_LENGTH + 1]
    if password != request.form.get("admin_again", "")[:MAX_LENGTH + 1]:
        raise FormError(console.CONSOLE_PASSWORD_MISMATCH)
    problem = password_problem(password, username)
    if problem is not None:
        raise FormError(console.CONSOLE_PASSWORD_PROBLEMS[problem])
    return hash_password(password)


def _admin_username() -> str | None:
    raw = request.form.get("admin_username", "").strip()
    if not raw:
        return None
    name = normalise_username(raw)
    if name is None:
        raise FormError(console.CONSOLE_USERNAME_BAD)
    return name


def _organisation(slug: str) -> Organisation | None:
    with services().uow() as uow:
        return uow.people.organisation(slug.strip().lower())


def _login_url() -> str:
    return f"{services().settings.public_base_url}/console/login"


@blueprint.get("/operator/orgs")
@roles(Role.OPERATOR)
def operator_orgs() -> Any:
    return _page()


@blueprint.post("/operator/orgs")
@roles(Role.OPERATOR)
def operator_org_add() -> Any:
    svc = services()
    slug, name = request.form.get("slug", "").strip().lower(), request.form.get("name", "").strip()
    timezone = request.form.get("timezone", "").strip() or "Asia/Bangkok"
    try:
        username = _admin_username()
        password_hash = _admin_password_hash(username)
        svc.org_id()  # the environment's organisation exists first (and keeps its slug)
        # Creating an organisation is system-level: its rows (units, credentials, first administrator) are
        # written for an id that exists only once the organisation row does; nothing of another is read.
        with org_scope(None), svc.uow() as uow:
            try:
                org = add_organisation(uow, svc.credentials_box, slug, name, timezone, _credentials(), g.console_now)
            except (OrganisationError, MissingCredentialsKey) as exc:
                raise _org_error(exc) from None
            uow.audit.record(org.id, access().actor, "organisation.create", g.console_now, f"organisation:{org.id}",
                             name=org.name)
            if username is not None and password_hash is not None:
                create_first_admin(uow, org.id, username, password_hash, access().actor, g.console_now)
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    except IntegrityError:  # the same slug added at the same moment by another request
        return _page(console.CONSOLE_OPERATOR_ORG_ERRORS["exists"].format(value=slug), 409)
    flash(console.CONSOLE_OPERATOR_ADDED.format(name=name, slug=slug, url=f"{svc.settings.public_base_url}/callback/{slug}"))
    if username is not None:
        flash(console.CONSOLE_OPERATOR_ADMIN_CREATED.format(username=username, slug=slug, url=_login_url()))
    return redirect(url_for("console.operator_orgs"))


@blueprint.post("/operator/orgs/<slug>/credentials")
@roles(Role.OPERATOR)
def operator_org_credentials(slug: str) -> Any:
    svc = services()
    org = _organisation(slug)
    if org is None:
        return error_page(404, console.CONSOLE_OPERATOR_UNKNOWN.format(slug=slug))
    credentials = _credentials()
    try:
        with org_scope(org.id), svc.uow() as uow:
            try:
                replace_credentials(uow, svc.credentials_box, org.slug, credentials, g.console_now)
            except (OrganisationError, MissingCredentialsKey) as exc:
                raise _org_error(exc) from None
            uow.audit.record(org.id, access().actor, "organisation.credentials", g.console_now,
                             f"organisation:{org.id}")
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    flash(console.CONSOLE_OPERATOR_CREDENTIALS_REPLACED.format(
        slug=org.slug, kind=console.CONSOLE_OPERATOR_KINDS[credentials.kind.value]))
    return redirect(url_for("console.operator_orgs"))


@blueprint.post("/operator/orgs/<slug>/disable")
@roles(Role.OPERATOR)
def operator_org_disable(slug: str) -> Any:
    return _switch(slug, "organisation.disable", lambda uow, org: disable_organisation(uow, org.slug, g.console_now),
                   console.CONSOLE_OPERATOR_DISABLED, console.CONSOLE_OPERATOR_ALREADY_DISABLED)


@blueprint.post("/operator/orgs/<slug>/enable")
@roles(Role.OPERATOR)
def operator_org_enable(slug: str) -> Any:
    return _switch(slug, "organisation.enable", lambda uow, org: enable_organisation(uow, org.slug),
                   console.CONSOLE_OPERATOR_ENABLED, console.CONSOLE_OPERATOR_ALREADY_ENABLED)


def _switch(slug: str, action: str, change: Callable[[UnitOfWork, Organisation], bool], changed_text: str,
            unchanged_text: str) -> Any:
    """Disable or enable an organisation: audited in its own log when it changed, then back to the list."""
    org = _organisation(slug)
    if org is None:
        return error_page(404, console.CONSOLE_OPERATOR_UNKNOWN.format(slug=slug))
    with org_scope(org.id), services().uow() as uow:
        changed = change(uow, org)
        if changed:
            uow.audit.record(org.id, access().actor, action, g.console_now, f"organisation:{org.id}")
        uow.commit()
    flash((changed_text if changed else unchanged_text).format(slug=org.slug))
    return redirect(url_for("console.operator_orgs"))


@blueprint.post("/operator/orgs/<slug>/admin")
@roles(Role.OPERATOR)
def operator_org_admin(slug: str) -> Any:
    org = _organisation(slug)
    if org is None:
        return error_page(404, console.CONSOLE_OPERATOR_UNKNOWN.format(slug=slug))
    try:
        username = _admin_username()
        if username is None:
            raise FormError(console.CONSOLE_USERNAME_BAD)
        password_hash = _admin_password_hash(username)
        assert password_hash is not None
        with org_scope(org.id), services().uow() as uow:
            try:
                create_first_admin(uow, org.id, username, password_hash, access().actor, g.console_now)
            except HasAdmin:
                raise FormError(console.CONSOLE_OPERATOR_HAS_ADMIN.format(slug=org.slug), 409) from None
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    flash(console.CONSOLE_OPERATOR_ADMIN_CREATED.format(username=username, slug=org.slug, url=_login_url()))
    return redirect(url_for("console.operator_orgs"))
