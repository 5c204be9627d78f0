"""`itabot report …`: the reports the municipality publishes, as files or signed download links, and the
signature block and digits they are written with.

    itabot report progress --fiscal-year 2567 --round 6 --format docx|xlsx|csv -o FILE
    itabot report complaints --fiscal-year 2567 --format docx|xlsx -o FILE
    itabot report link progress|complaints --fiscal-year 2567 [--round 6] [--format docx]
    itabot report settings [--signer "ตำแหน่ง[=ชื่อ]" ...] [--no-signers] [--thai-digits|--arabic-digits]
                           [--digits chat|console|documents=thai|arabic ...]

The digit style of each surface (domain.digits) is kept with the report settings: `--thai-digits` /
`--arabic-digits` set the documents' style, `--digits SURFACE=STYLE` any surface's; changes are audited.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from bot.cli.common import selected_org_id, services, unit_of_work, when
from bot.report_links import report_links
from domain.digits import DigitStyle, Surface, parse_style
from domain.reports.links import FORMATS_BY_KIND, ReportFormat, ReportKind, ReportTicket
from domain.reports.progress import Signatory
from domain.reports.round_key import parse_round_key
from storage.audit_log import Actor
from storage.clock import utcnow
from storage.report_settings import MAX_SIGNATORIES, MAX_TEXT
from storage.uow import UnitOfWork
from texts import cli, common
from usecases.digit_settings import change_digits
from usecases.report_files import (
    local_today,
    render_complaint_stats,
    render_progress_report,
    report_file_name,
    thai_file_name,
)

YEAR = click.IntRange(2500, 2700)


@click.group("report", cls=AppGroup)
def report() -> None:
    """Reports: the progress report of a round and the complaint statistics of a fiscal year."""


def _round_months(uow: UnitOfWork, org_id: int, year: int, round_key: str | None) -> int:
    """The round asked for (default: the round reports go to today, else the latest that has started)."""
    if uow.plans.plan_for_year(org_id, year) is None:
        raise click.ClickException(cli.CLI_REPORT_NO_PLAN.format(year=year))
    rounds = uow.plans.rounds(org_id, year)
    if not rounds:
        raise click.ClickException(cli.CLI_REPORT_NO_ROUNDS.format(year=year))
    if round_key is None:
        today = local_today(uow, org_id)
        current = uow.plans.round_for(org_id, year, today)
        started = [r for r in rounds if r.start_date <= today]
        return (current if current is not None and current.start_date <= today else (started or rounds)[-1]).months
    months = parse_round_key(round_key)
    if months not in {r.months for r in rounds}:
        names = ", ".join(common.ROUND_NAME.format(months=r.months) for r in rounds)
        raise click.ClickException(cli.CLI_REPORT_NO_ROUND.format(round=round_key, year=year, rounds=names))
    return months


def _style(thai_digits: bool | None) -> DigitStyle | None:
    """--thai-digits / --arabic-digits for one file (None: the organisation's documents style)."""
    return None if thai_digits is None else DigitStyle.THAI if thai_digits else DigitStyle.ARABIC


def _surface_style(text: str) -> tuple[Surface, DigitStyle]:
    surface, _, style = text.partition("=")
    try:
        return Surface(surface.strip().lower()), parse_style(style)
    except ValueError:
        raise click.ClickException(cli.CLI_DIGITS_BAD.format(value=text)) from None


def _save(ticket: ReportTicket, data: bytes, output: Path | None, name: str) -> None:
    path = output or Path(ticket.file_name())
    path.write_bytes(data)
    click.echo(cli.CLI_REPORT_SAVED.format(report=name.rsplit(".", 1)[0], path=path,
                                             kb=max(1, len(data) // 1024)))


@report.command("progress")
@click.option("--fiscal-year", "year", type=YEAR, required=True, help=cli.HELP_FISCAL_YEAR)
@click.option("--round", "round_key", help=cli.HELP_REPORT_ROUND)
@click.option("--format", "fmt", type=click.Choice([f.value for f in FORMATS_BY_KIND[ReportKind.PROGRESS]]),
              default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=cli.HELP_REPORT_OUTPUT)
@click.option("--thai-digits/--arabic-digits", default=None, help=cli.HELP_REPORT_DIGITS)
def progress(year: int, round_key: str | None, fmt: str, output: Path | None, thai_digits: bool | None) -> None:
    """The progress report of a round as Word, Excel or CSV."""
    with unit_of_work() as (uow, org_id):
        months = _round_months(uow, org_id, year, round_key)
        data = render_progress_report(uow, org_id, year, months, fmt, digits=_style(thai_digits))
        ticket = ReportTicket(org_id, ReportKind.PROGRESS, year, months, ReportFormat(fmt))
        name = report_file_name(uow, ticket)
    _save(ticket, data, output, name)


@report.command("complaints")
@click.option("--fiscal-year", "year", type=YEAR, required=True, help=cli.HELP_FISCAL_YEAR)
@click.option("--format", "fmt", type=click.Choice([f.value for f in FORMATS_BY_KIND[ReportKind.COMPLAINTS]]),
              default="docx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help=cli.HELP_REPORT_OUTPUT)
@click.option("--thai-digits/--arabic-digits", default=None, help=cli.HELP_REPORT_DIGITS)
def complaints(year: int, fmt: str, output: Path | None, thai_digits: bool | None) -> None:
    """The complaint statistics of a fiscal year (counts only) as Word or Excel."""
    with unit_of_work() as (uow, org_id):
        data = render_complaint_stats(uow, org_id, year, fmt, services().complaints.policy,
                                      digits=_style(thai_digits))
    ticket = ReportTicket(org_id, ReportKind.COMPLAINTS, year, 0, ReportFormat(fmt))
    _save(ticket, data, output, thai_file_name(ticket))


@report.command("link")
@click.argument("kind", type=click.Choice([k.value for k in ReportKind]))
@click.option("--fiscal-year", "year", type=YEAR, required=True, help=cli.HELP_FISCAL_YEAR)
@click.option("--round", "round_key", help=cli.HELP_REPORT_LINK_ROUND)
@click.option("--format", "fmt", type=click.Choice([f.value for f in ReportFormat]), default="docx",
              show_default=True)
def link(kind: str, year: int, round_key: str | None, fmt: str) -> None:
    """Print a signed download link (valid REPORT_LINK_DAYS days)."""
    svc = services()
    org_id = selected_org_id()
    report_kind = ReportKind(kind)
    if ReportFormat(fmt) not in FORMATS_BY_KIND[report_kind]:
        raise click.ClickException(cli.CLI_REPORT_BAD_FORMAT)
    months = 0
    if report_kind is ReportKind.PROGRESS:
        with unit_of_work() as (uow, _):
            months = _round_months(uow, org_id, year, round_key)
    signed = report_links(svc.settings).link(ReportTicket(org_id, report_kind, year, months, ReportFormat(fmt)),
                                             utcnow())
    click.echo(cli.CLI_REPORT_LINK.format(url=signed.url, expires=when(signed.expires_at)))


def _signatory(text: str) -> Signatory:
    position, _, name = text.partition("=")
    if not position.strip() or len(position) > MAX_TEXT or len(name) > MAX_TEXT:
        raise click.ClickException(cli.CLI_REPORT_BAD_SIGNER.format(count=MAX_SIGNATORIES, length=MAX_TEXT))
    return Signatory(position.strip(), name.strip())


@report.command("settings")
@click.option("--signer", "signers", multiple=True, metavar=cli.HELP_REPORT_SIGNER_METAVAR,
              help=cli.HELP_REPORT_SIGNER)
@click.option("--no-signers", is_flag=True, help=cli.HELP_REPORT_NO_SIGNERS)
@click.option("--thai-digits/--arabic-digits", default=None, help=cli.HELP_REPORT_SETTINGS_DIGITS)
@click.option("--digits", "digit_styles", multiple=True, metavar="SURFACE=STYLE", help=cli.HELP_DIGITS)
def settings(signers: tuple[str, ...], no_signers: bool, thai_digits: bool | None,
             digit_styles: tuple[str, ...]) -> None:
    """Show or change the signature block (by position, names optional) and the digit style of each surface."""
    chosen = None if not signers and not no_signers else [_signatory(s) for s in signers]
    if chosen is not None and len(chosen) > MAX_SIGNATORIES:
        raise click.ClickException(cli.CLI_REPORT_BAD_SIGNER.format(count=MAX_SIGNATORIES, length=MAX_TEXT))
    styles = dict(_surface_style(text) for text in digit_styles)
    documents = _style(thai_digits)
    if documents is not None:
        styles[Surface.DOCUMENTS] = documents
    with unit_of_work() as (uow, org_id):
        now = utcnow()
        if chosen is not None:
            uow.report_settings.save(org_id, now, signatories=chosen)
        policy = change_digits(uow, org_id, styles, Actor.cli(), now)
        options = uow.report_settings.options(org_id)
    names = [cli.CLI_REPORT_SIGNATORY.format(
        position=s.position, name=cli.CLI_REPORT_SIGNATORY_NAME.format(name=s.name) if s.name else "")
        for s in options.signatories]
    digits = "\n".join(cli.CLI_DIGITS_LINE.format(surface=common.DIGIT_SURFACE_LABELS[s.value], key=s.value,
                                                  style=common.DIGIT_STYLE_LABELS[policy.style(s).value])
                       for s in Surface)
    click.echo(cli.CLI_REPORT_SETTINGS.format(signatories=", ".join(names) or cli.CLI_REPORT_NO_SIGNATORIES,
                                                digits=digits))
