"""The scheduler runs every organisation (#18): reminders and weekly summaries in each organisation's own
time zone and settings, from one leader's jobs (one reminders job and the summary jobs per time zone); one
organisation's failure is logged — its id and the error's type, never a complaint's text — and the others
still run. In process (tests/support/inprocess.py)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import update

from scheduler import jobs
from scheduler.job_scheduler import JobScheduler
from storage.clock import utcnow
from storage.models import Organisation
from tests.support.botcli import bind
from tests.support.complaints import file_complaint
from tests.support.inprocess import ChatBot
from tests.support.orgs import add_organisation, bind_in
from tests.support.plans import load_plan, measure

BKK, TOKYO = ZoneInfo("Asia/Bangkok"), ZoneInfo("Asia/Tokyo")
YEAR = 2567
HEAD_A, ADMIN_A, HEAD_B, ADMIN_B, CITIZEN = ("U" + c * 32 for c in "abcde")
SECRET_DETAILS = "ปลัดรับเงินสด 50,000 บาทจากผู้รับเหมา"


@pytest.fixture
def bot(chat_bot: ChatBot) -> ChatBot:
    """A in Bangkok (the deployment's zone), B in Tokyo with its summary on Tuesday 10:00."""
    a = chat_bot.org_id
    b = add_organisation(chat_bot, "tokyo-b", "เทศบาลบีโตเกียว", "Asia/Tokyo")
    for org_id in (a, b):
        load_plan(chat_bot.services.uow, org_id,
                  [measure("มาตรการเผยแพร่ข้อมูลต่อสาธารณะ", ["สำนักปลัดเทศบาล"], fiscal_year_be=YEAR)], YEAR)
    with chat_bot.services.uow() as uow:
        uow.schedule.update(b, utcnow(), summary_weekday=1, summary_time="10:00")
        uow.commit()
    bind(chat_bot, HEAD_A, "head", "สำนักปลัด", org=chat_bot.services.settings.org_slug)
    bind(chat_bot, ADMIN_A, "admin", org=chat_bot.services.settings.org_slug)
    bind_in(chat_bot, b, HEAD_B, "head", "สำนักปลัดเทศบาล")
    bind_in(chat_bot, b, ADMIN_B, "admin")
    jobs.bind(jobs.JobContext(chat_bot.services.uow, chat_bot.services.complaints.policy,
                              chat_bot.services.answers_committed))
    chat_bot.fake.reset()
    return chat_bot


def fire(bot: ChatBot, moment: datetime) -> None:
    """What the leader's jobs do at `moment`: each zone's reminders job, then delivery."""
    with time_machine.travel(moment, tick=False):
        for zone in ("Asia/Bangkok", "Asia/Tokyo"):
            jobs.reminders(zone)
        bot.deliver()


def summaries_to(bot: ChatBot, user: str) -> int:
    return sum("สรุปประจำสัปดาห์" in str(d.messages) for d in bot.fake.deliveries("push", user))


def reminders_to(bot: ChatBot, user: str) -> int:
    return sum("มาตรการเผยแพร่ข้อมูล" in str(d.messages) for d in bot.fake.deliveries("push", user))


def test_each_organisation_in_its_own_time_zone_and_settings(bot: ChatBot) -> None:
    # Mon 1 Apr 2024 07:30 in Bangkok is 09:30 in Tokyo: B's working day has begun, A's not
    fire(bot, datetime(2024, 4, 1, 7, 30, tzinfo=BKK))
    assert reminders_to(bot, HEAD_B) == 1 and reminders_to(bot, HEAD_A) == 0
    fire(bot, datetime(2024, 4, 1, 9, 0, tzinfo=BKK))
    assert reminders_to(bot, HEAD_A) == 1 and reminders_to(bot, HEAD_B) == 1  # one a day each
    # A's summary: Monday 08:30 Bangkok; B's: Tuesday 10:00 Tokyo (its own settings)
    assert summaries_to(bot, ADMIN_A) == 1 and summaries_to(bot, ADMIN_B) == 0
    fire(bot, datetime(2024, 4, 2, 7, 50, tzinfo=BKK))  # Tue 09:50 Tokyo: not yet
    assert summaries_to(bot, ADMIN_B) == 0
    fire(bot, datetime(2024, 4, 2, 8, 10, tzinfo=BKK))  # Tue 10:10 Tokyo
    assert summaries_to(bot, ADMIN_B) == 1 and summaries_to(bot, ADMIN_A) == 1


def test_a_disabled_organisation_gets_no_reminders_and_no_summary(bot: ChatBot) -> None:
    b = add_organisation_id(bot, "tokyo-b")
    with bot.services.uow() as uow:
        assert uow.organisations.disable(b, utcnow())
        uow.commit()
    for moment in (datetime(2024, 4, 1, 9, 0, tzinfo=BKK), datetime(2024, 4, 2, 8, 10, tzinfo=BKK)):
        fire(bot, moment)
        with time_machine.travel(moment, tick=False):
            jobs.reminders(None)  # every organisation, in one job
            bot.deliver()
    assert reminders_to(bot, HEAD_A) == 1 and summaries_to(bot, ADMIN_A) == 1
    assert reminders_to(bot, HEAD_B) == 0 and summaries_to(bot, ADMIN_B) == 0
    with bot.services.uow() as uow:  # enabled again: its reminders come back (`itabot org enable`)
        assert uow.organisations.enable(b)
        uow.commit()
    fire(bot, datetime(2024, 4, 2, 9, 0, tzinfo=BKK))  # Tue 11:00 in Tokyo
    assert reminders_to(bot, HEAD_B) == 1


def add_organisation_id(bot: ChatBot, slug: str) -> int:
    with bot.services.uow() as uow:
        found = uow.people.organisation(slug)
        assert found is not None
        return found.id


def test_one_organisations_failure_is_logged_and_the_others_still_run(
        bot: ChatBot, caplog: pytest.LogCaptureFixture) -> None:
    file_complaint(bot, CITIZEN, details=(SECRET_DETAILS,))
    with bot.services.uow() as uow:  # A's data is broken: a time zone that does not exist
        uow.session.execute(update(Organisation).where(Organisation.id == bot.org_id)
                            .values(timezone="Asia/Atlantis"))
        uow.commit()
    caplog.set_level(logging.INFO)
    with time_machine.travel(datetime(2024, 4, 1, 9, 0, tzinfo=BKK), tick=False):
        jobs.reminders(None)  # every organisation, in one job
        bot.deliver()
    assert reminders_to(bot, HEAD_B) == 1 and reminders_to(bot, HEAD_A) == 0
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage() and r.levelno >= logging.ERROR]
    assert f"reminders for org {bot.org_id} failed (ZoneInfoNotFoundError)" in failures[0]
    assert f"weekly summary for org {bot.org_id} failed" in failures[1]
    assert not any(SECRET_DETAILS in r.getMessage() or (r.exc_text and SECRET_DETAILS in r.exc_text)
                   for r in caplog.records)


def test_the_leader_keeps_one_reminders_job_and_its_summary_jobs_per_time_zone(bot: ChatBot) -> None:
    scheduler = JobScheduler(bot.services.engine, bot.services.uow, "Asia/Bangkok")
    scheduler.scheduler.start(paused=True)
    try:
        scheduler.sync_jobs()
        found = {job.id: job for job in scheduler.scheduler.get_jobs()}
        assert set(found) == {"reminders", "reminders@Asia/Tokyo", "weekly-summary-0-0830",
                              "weekly-summary-1-1000@Asia/Tokyo"}
        tokyo = found["weekly-summary-1-1000@Asia/Tokyo"]
        assert str(tokyo.trigger.timezone) == "Asia/Tokyo" and tokyo.kwargs == {"timezone": "Asia/Tokyo"}
        assert found["reminders"].kwargs == {"timezone": "Asia/Bangkok"}
        with bot.services.uow() as uow:  # B moves to Bangkok: its jobs go with it at the next sync
            uow.session.execute(update(Organisation).where(Organisation.slug == "tokyo-b")
                                .values(timezone="Asia/Bangkok"))
            uow.commit()
        scheduler.sync_jobs()
        assert {job.id for job in scheduler.scheduler.get_jobs()} == {
            "reminders", "weekly-summary-0-0830", "weekly-summary-1-1000"}
    finally:
        scheduler.shutdown()
