"""Public read-only pages the municipality links from its website (the OIT counts only what is reachable
from there): an index of what is published, the progress report of a fiscal year's rounds and the complaint
statistics of a fiscal year. Thai, mobile-friendly, no personal data (complaints: counts only), cacheable
(Cache-Control and ETag; Last-Modified for the progress report). Unknown organisations, years and rounds
get a Thai 404 page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request

from bot.services import Services
from bot.web.security_headers import add_security_headers
from domain.digits import ARABIC, Numerals, Surface, localise_html
from domain.fiscal import fiscal_year_of, local_date
from domain.reports.round_key import parse_round_key
from storage.clock import utcnow
from storage.models import Organisation
from storage.plan_models import ReportingRound
from storage.report_data import ReportNotFound, round_last_change
from storage.uow import UnitOfWork
from usecases.report_files import complaint_stats, progress_round_report
from views.rounds import round_name

blueprint = Blueprint("public", __name__, template_folder="templates", url_prefix="/public")
blueprint.after_request(add_security_headers)
MAX_AGE_SECONDS = 300


def _services() -> Services:
    services: Services = current_app.extensions["itabot"]
    services.org_id()  # the deployment's organisation exists from the first request on
    return services


def _organisation(uow: UnitOfWork, slug: str) -> tuple[Organisation, date]:
    org = uow.people.organisation(slug)
    if org is None:
        abort(404)
    uow.scope_to(org.id)  # the rest of the page sees only this organisation (row-level security)
    return org, local_date(utcnow(), org.timezone)


def _first_year(org: Organisation) -> int:
    return fiscal_year_of(local_date(org.created_at, org.timezone))


def _in_style(uow: UnitOfWork, org_id: int, html: str) -> str:
    """The page in the organisation's documents digit style (domain.digits): the same as its Word reports."""
    return localise_html(html, Numerals(uow.report_settings.digit_style(org_id, Surface.DOCUMENTS)))


def _cacheable(html: str, last_modified: datetime | None = None) -> Response:
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_SECONDS}"
    response.headers["Content-Language"] = "th"
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    response.add_etag()
    response.make_conditional(request)  # returns the response itself, typed as werkzeug's Response
    return response


@blueprint.get("/<slug>/")
def index(slug: str) -> Response:
    with _services().uow() as uow:
        org, today = _organisation(uow, slug)
        plan_years = uow.plans.fiscal_years(org.id)
        complaint_years = list(range(fiscal_year_of(today), _first_year(org) - 1, -1))
        html = render_template("public/index.html", org=org, plan_years=plan_years,
                               complaint_years=complaint_years)
        html = _in_style(uow, org.id, html)
    return _cacheable(html)


@blueprint.get("/<slug>/progress/<int:fiscal_year>")
def progress(slug: str, fiscal_year: int) -> Response:
    with _services().uow() as uow:
        org, today = _organisation(uow, slug)
        rounds = uow.plans.rounds(org.id, fiscal_year)
        if uow.plans.plan_for_year(org.id, fiscal_year) is None or not rounds:
            abort(404)
        asked = request.args.get("round")
        selected: ReportingRound | None
        if asked is None:
            selected = ([r for r in rounds if r.start_date <= today] or rounds[:1])[-1]
        else:
            months = parse_round_key(asked)
            selected = next((r for r in rounds if r.months == months), None)
            if selected is None:
                abort(404)
        try:
            report = progress_round_report(uow, org.id, fiscal_year, selected.months, today=today)
            changed = round_last_change(uow, org.id, fiscal_year, selected.months)
        except ReportNotFound:
            abort(404)
        html = _in_style(uow, org.id, render_template(
            "public/progress.html", org=org, report=report, rounds=rounds, selected=selected, zip=zip,
            round_name=round_name, long_date=lambda day: ARABIC.date(day, short=False)))
    return _cacheable(html, changed)


@blueprint.get("/<slug>/complaints/<int:fiscal_year>")
def complaints(slug: str, fiscal_year: int) -> Response:
    services = _services()
    with services.uow() as uow:
        org, today = _organisation(uow, slug)
        if not _first_year(org) <= fiscal_year <= fiscal_year_of(today):
            abort(404)
        report = complaint_stats(uow, org.id, fiscal_year, services.complaints.policy, today=today)
        html = _in_style(uow, org.id, render_template(
            "public/complaints.html", org=org, report=report, zip=zip,
            long_date=lambda day: ARABIC.date(day, short=False)))
    # No Last-Modified: when a complaint was last received or changed is not something to publish.
    return _cacheable(html)


@blueprint.get("/<path:anything>")
def unknown(anything: str) -> Response:
    abort(404)


@blueprint.errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    return render_template("public/message.html", kind="not-found"), 404
