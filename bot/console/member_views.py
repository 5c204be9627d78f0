"""Members and invite codes (storage.people, as `itabot invite/members/revoke`), and the console logins:
a login for a bound member (acting with the member's role and unit), unlock, deactivate, new password."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from bot.console import session as console_session
from bot.console.blueprint import FormError, access, blueprint, error_page, org_id, roles, services
from domain.passwords import hash_password, normalise_username, password_problem
from domain.pseudonyms import pseudonym
from storage.console_models import ConsoleUser
from storage.models import Member, Role
from storage.people import INVITE_VALID_FOR
from storage.uow import UnitOfWork
from texts import cli, common, console
from views.complaint_views import local_time

INVITE_ROLES = (Role.HEAD, Role.OFFICER, Role.ADMIN)
MAX_NOTE = 255


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else local_time(moment, services().settings.timezone)


def _page(error: str | None = None, status: int = 200, invite: dict[str, str] | None = None) -> Any:
    svc = services()
    with svc.uow() as uow:
        units = {u.id: u for u in uow.people.units(org_id())}
        members = uow.people.members(org_id())
        logins = uow.console_users.all(org_id())
        by_member: dict[int, list[ConsoleUser]] = {}
        for login in logins:
            if login.member_id is not None:
                by_member.setdefault(login.member_id, []).append(login)
        member_rows = [{"member": m, "unit": units[m.unit_id].name if m.unit_id in units else "-",
                        "account": pseudonym(m.line_user_id), "bound": _when(m.bound_at),
                        "logins": by_member.get(m.id, [])} for m in members]
        login_rows = [{"user": u, "last": _when(u.last_login_at),
                       "locked": u.locked_until is not None and u.locked_until > g.console_now,
                       "locked_until": _when(u.locked_until), "member": u.member_id} for u in logins]
    return render_template("console/members.html", members=member_rows, logins=login_rows, units=units.values(),
                           invite_roles=[r.value for r in INVITE_ROLES], error=error, invite=invite), status


def _member(uow: UnitOfWork, member_id: int) -> Member | None:
    member = uow.people.member_by_id(member_id)
    return member if member is not None and member.org_id == org_id() else None


def _login(uow: UnitOfWork, user_id: int) -> ConsoleUser | None:
    return uow.console_users.get(org_id(), user_id)


@blueprint.get("/members")
@roles(Role.ADMIN)
def members() -> Any:
    return _page()


@blueprint.post("/members/invite")
@roles(Role.ADMIN)
def member_invite() -> Any:
    role_value = request.form.get("role", "")
    note = (request.form.get("note") or "").strip()[:MAX_NOTE] or None
    if role_value not in {r.value for r in INVITE_ROLES}:
        return _page(console.CONSOLE_INVITE_BAD_ROLE, 400)
    role = Role(role_value)
    svc = services()
    try:
        with svc.uow() as uow:
            unit = None
            if request.form.get("unit"):
                unit_id = request.form["unit"]
                unit = uow.people.unit(int(unit_id)) if unit_id.isdigit() else None
                if unit is None or unit.org_id != org_id():
                    raise FormError(console.CONSOLE_INVITE_BAD_UNIT)
            if role is Role.HEAD and unit is None:
                raise FormError(console.CONSOLE_INVITE_UNIT_REQUIRED)
            code = uow.people.create_invite(org_id(), role, unit.id if unit else None, svc.settings.secret_key,
                                            g.console_now, note)
            uow.audit.record(org_id(), access().actor, "invite.create", g.console_now, None, role=role.value,
                             unit=unit.name if unit else None)
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    invite = {"code": code, "role": common.ROLE_NAMES[role.value], "unit": unit.name if unit else "",
              "expires": _when(g.console_now + INVITE_VALID_FOR)}
    return _page(invite=invite)


@blueprint.post("/members/<int:member_id>/revoke")
@roles(Role.ADMIN)
def member_revoke(member_id: int) -> Any:
    svc = services()
    me = access()
    if me.member is not None and me.member.id == member_id:
        return _page(console.CONSOLE_MEMBER_NOT_YOURSELF, 400)
    with svc.uow() as uow:
        member = _member(uow, member_id)
        if member is None or member.role == Role.CITIZEN.value:
            return error_page(404)
        role = member.role
        uow.people.revoke(member)
        uow.audit.record(org_id(), me.actor, "member.revoke", g.console_now, f"member:{member.id}", role=role)
        uow.commit()
    flash(cli.CLI_REVOKED.format(id=member_id, role=common.ROLE_NAMES.get(role, role)))
    return redirect(url_for("console.members"))


def _new_password_problem(username: str) -> str | None:
    new, again = request.form.get("password", ""), request.form.get("again", "")
    if new != again:
        return console.CONSOLE_PASSWORD_MISMATCH
    problem = password_problem(new, username)
    return console.CONSOLE_PASSWORD_PROBLEMS[problem] if problem else None


@blueprint.post("/members/<int:member_id>/login")
@roles(Role.ADMIN)
def member_login(member_id: int) -> Any:
    username = normalise_username(request.form.get("username", ""))
    if username is None:
        return _page(console.CONSOLE_USERNAME_BAD, 400)
    if (problem := _new_password_problem(username)) is not None:
        return _page(problem, 400)
    svc = services()
    password_hash = hash_password(request.form["password"])
    try:
        with svc.uow() as uow:
            member = _member(uow, member_id)
            if member is None or member.role == Role.CITIZEN.value:
                return error_page(404)
            if uow.console_users.by_username(org_id(), username) is not None:
                raise FormError(console.CONSOLE_USERNAME_TAKEN.format(username=username))
            user = uow.console_users.create(org_id(), username, password_hash, member.role, g.console_now,
                                            member_id=member.id)
            uow.audit.record(org_id(), access().actor, "console_user.create", g.console_now,
                             f"console_user:{user.id}", role=member.role, member_id=member.id)
            uow.commit()
    except FormError as exc:
        return _page(exc.message, exc.status)
    flash(console.CONSOLE_LOGIN_CREATED.format(username=username))
    return redirect(url_for("console.members"))


@blueprint.post("/logins/<int:user_id>/<any(unlock, deactivate, activate, password):action>")
@roles(Role.ADMIN)
def login_action(user_id: int, action: str) -> Any:
    me = access()
    if action == "deactivate" and user_id == me.user.id:
        return _page(console.CONSOLE_LOGIN_NOT_YOURSELF, 400)
    password_hash = None
    if action == "password":
        with services().uow() as uow:
            user = _login(uow, user_id)
            username = user.username if user else ""
        if (problem := _new_password_problem(username)) is not None:
            return _page(problem, 400)
        password_hash = hash_password(request.form["password"])
    with services().uow() as uow:
        user = _login(uow, user_id)
        if user is None:
            return error_page(404)
        if action == "unlock":
            uow.console_users.unlock(user)
        elif action in ("deactivate", "activate"):
            uow.console_users.set_active(user, action == "activate")
        else:
            assert password_hash is not None
            uow.console_users.set_password(user, password_hash, g.console_now)
            if user.id == me.user.id:
                console_session.start(user, g.console_now)  # the new epoch ended this session too
        uow.audit.record(org_id(), me.actor, f"console_user.{action}", g.console_now, f"console_user:{user.id}")
        uow.commit()
        flash(console.CONSOLE_LOGIN_ACTIONS[action].format(username=user.username))
    return redirect(url_for("console.members"))
