"""Reporting rounds, reminder settings (storage.schedule_settings, as `itabot rounds set` and
`itabot reminders set`) and the digit style of each surface (domain.digits, as `itabot report settings`)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from bot.console.blueprint import access, blueprint, org_id, roles, services, this_fiscal_year
from domain.digits import ARABIC, DigitStyle, Surface, parse_style
from storage.models import Role
from storage.schedule_settings import SCHEMES, SettingError
from texts import chat, common, console
from usecases.digit_settings import change_digits
from usecases.rounds_change import change_rounds
from views.rounds import round_name

NUMBER_FIELDS = ("overdue_every_days", "overdue_max", "escalate_after_days", "summary_weekday")
CLOCK_FIELDS = ("work_start", "work_end", "summary_time")


def _year_shown() -> int:
    year = this_fiscal_year()
    with services().uow() as uow:
        plan = uow.plans.current_plan(org_id(), year)
    return plan.fiscal_year_be if plan else year


def _page(error: str | None = None, status: int = 200) -> Any:
    svc = services()
    year = _year_shown()
    with svc.uow() as uow:
        settings = uow.schedule.settings(org_id())
        has_plan = uow.plans.plan_for_year(org_id(), year) is not None
        digits = uow.report_settings.digit_policy(org_id())
        rounds = [{"name": round_name(r), "start": ARABIC.date(r.start_date), "end": ARABIC.date(r.end_date),
                   "due": ARABIC.date(r.due_date)} for r in uow.plans.rounds(org_id(), year)]
    return render_template("console/settings.html", settings=settings, year=year, rounds=rounds, has_plan=has_plan,
                           schemes=[(s, common.ROUNDS_SCHEME_LABELS[s]) for s in SCHEMES],
                           weekdays=list(enumerate(common.WEEKDAYS)), error=error,
                           digits=[(s.value, common.DIGIT_SURFACE_LABELS[s.value], digits.style(s).value)
                                   for s in Surface],
                           digit_styles=list(common.DIGIT_STYLE_LABELS.items())), status


def _setting_error(exc: SettingError) -> str:
    return console.CONSOLE_SETTING_BAD.format(name=console.CONSOLE_SETTING_NAMES.get(exc.name, exc.name),
                                            value=exc.value)


@blueprint.get("/settings")
@roles(Role.ADMIN)
def settings() -> Any:
    return _page()


@blueprint.post("/settings/reminders")
@roles(Role.ADMIN)
def settings_reminders() -> Any:
    form = request.form
    changes: dict[str, Any] = {name: form.get(name, "").strip() for name in NUMBER_FIELDS + CLOCK_FIELDS}
    changes["days_before"] = [p for p in form.get("days_before", "").replace(" ", "").split(",") if p]
    changes["on_due_day"] = form.get("on_due_day") == "1"
    changes["escalate_to_admins"] = form.get("escalate_to_admins") == "1"
    svc = services()
    try:
        with svc.uow() as uow:
            saved = uow.schedule.update(org_id(), g.console_now, **changes)
            values = dict(saved.values(), days_before=list(saved.reminders.days_before))
            uow.audit.record(org_id(), access().actor, "settings.reminders", g.console_now, None, **values)
            uow.commit()
    except SettingError as exc:
        return _page(_setting_error(exc), 400)
    flash(console.CONSOLE_SETTINGS_SAVED)
    return redirect(url_for("console.settings"))


@blueprint.post("/settings/rounds")
@roles(Role.ADMIN)
def settings_rounds() -> Any:
    scheme = request.form.get("scheme", "")
    year = _year_shown()
    svc = services()
    try:
        with svc.uow() as uow:
            changed = change_rounds(uow, org_id(), year, scheme, request.form.get("due_days", "").strip(),
                                    access().actor, g.console_now)
            saved, change = changed.settings, changed.change
            uow.commit()
    except SettingError as exc:
        return _page(_setting_error(exc), 400)
    flash(chat.ROUNDS_DONE.format(year=year, scheme=common.ROUNDS_SCHEME_LABELS[saved.round_scheme],
                                   days=saved.round_due_days, rounds="",
                                   moved=chat.ROUNDS_MOVED.format(count=change.reports_moved)
                                   if change.reports_moved else "").strip())
    return redirect(url_for("console.settings"))


@blueprint.post("/settings/digits")
@roles(Role.ADMIN)
def settings_digits() -> Any:
    styles: dict[Surface, DigitStyle] = {}
    for surface in Surface:
        try:
            styles[surface] = parse_style(request.form.get(surface.value, ""))
        except ValueError:
            return _page(console.CONSOLE_DIGITS_BAD, 400)
    with services().uow() as uow:
        change_digits(uow, org_id(), styles, access().actor, g.console_now)
        uow.commit()
    flash(console.CONSOLE_DIGITS_SAVED)
    return redirect(url_for("console.settings"))
