"""Organisations' own LINE channels end to end (#18): two (or three) organisations on one deployment, the
fake LINE platform telling the channels apart by access token, webhooks signed with each channel's secret.

- `/callback/<slug>` verifies with that organisation's secret; another's → 400, nothing stored; unknown or
  disabled → 404; `/callback` stays the environment's channel.
- every answer and push goes out with its organisation's token; quota read and respected per channel;
  replaced credentials take over; short-lived tokens issued and refreshed; `richmenu deploy --org`.
"""

from __future__ import annotations

import json

import requests
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from bot.cli.main import cli
from linesim import FakeLinePlatform, events
from linesim.channels import FakeChannel
from linesim.webhook_sender import encode_body, post_webhook, sign
from storage.clock import utcnow
from storage.models import InboxEvent, OutboxMessage, OutboxStatus, Priority
from tests.conftest import CHANNEL_SECRET, RunningBot, wait_for
from views import messages

SECRET_B = "b-channel-secret-0123456789abcdef"
TOKEN_B = "b-long-lived-token"
SECRET_C = "c-channel-secret-fedcba9876543210"
CHANNEL_C = "2000000003"
USER_A = "U" + "a" * 32
USER_B = "U" + "b" * 32


def org_cli(bot: RunningBot, *args: str, input: str | None = None, expect_exit: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: bot.app), input=input,
                                catch_exceptions=False)
    assert result.exit_code == expect_exit, result.output
    return result.output


def add_org_b(bot: RunningBot, fake: FakeLinePlatform, **channel: object) -> tuple[FakeChannel, int]:
    b = fake.add_channel("b", channel_secret=SECRET_B, access_token=TOKEN_B, webhook_url=f"{bot.url}/callback/b",
                         **channel)  # type: ignore[arg-type]
    org_cli(bot, "org", "add", "b", "--name", "เทศบาลตำบลบี", "--credentials-stdin", input=f"{SECRET_B}\n{TOKEN_B}\n")
    return b, org_id(bot, "b")


def org_id(bot: RunningBot, slug: str) -> int:
    with bot.services.uow() as uow:
        org = uow.people.organisation(slug)
        assert org is not None
        return org.id


def follow(channel: FakeChannel | FakeLinePlatform, user: str) -> requests.Response:
    if isinstance(channel, FakeChannel):
        event = events.follow_event(user, channel.platform.state.issue_reply_token(user, channel.name), False)
        return channel.send_events([event])
    return channel.send_events([channel.follow_event(user)])


def test_each_organisation_answers_through_its_own_channel(bot: RunningBot, fake_line: FakeLinePlatform) -> None:
    b, org_b = add_org_b(bot, fake_line)
    assert follow(b, USER_B).status_code == 200
    assert follow(fake_line, USER_A).status_code == 200
    bot.wait_idle()
    # each reply token is accepted only with its own channel's access token: B's answer used B's token
    to_b = b.deliveries(to=USER_B)
    assert [d.kind for d in to_b] == ["reply"] and "เทศบาลตำบลบี" in to_b[0].messages[0]["text"]
    to_a = fake_line.deliveries(to=USER_A)
    assert [(d.kind, d.channel) for d in to_a] == [("reply", "default")]
    assert "เทศบาลทดสอบ" in to_a[0].messages[0]["text"]
    with bot.services.uow() as uow:
        stored = dict(uow.session.execute(select(InboxEvent.chat_key, InboxEvent.org_id)).all())
    assert sorted(stored.values()) == sorted([bot.org_id, org_b])
    # a push for B goes out with B's token, one for A with A's
    with bot.services.uow() as uow:
        uow.outbox.add_push(org_b, USER_B, [messages.text("ถึงบี")], Priority.NORMAL, utcnow())
        uow.outbox.add_push(bot.org_id, USER_A, [messages.text("ถึงเอ")], Priority.NORMAL, utcnow())
        uow.commit()
    bot.services.answers_committed.set()
    assert wait_for(lambda: len(fake_line.deliveries(kind="push")) == 2)
    assert [(d.channel, d.to) for d in fake_line.deliveries(kind="push", to=USER_B)] == [("b", (USER_B,))]
    assert [(d.channel, d.to) for d in fake_line.deliveries(kind="push", to=USER_A)] == [("default", (USER_A,))]


def _post(url: str, secret: str, events_: list[dict[str, object]]) -> requests.Response:
    body = encode_body(events.DEFAULT_DESTINATION, events_)
    return post_webhook(url, body, sign(secret, body))


def _stored(bot: RunningBot) -> int:
    with bot.services.uow() as uow:
        return sum(uow.inbox.counts_by_status().values())


def test_a_webhook_is_verified_with_its_own_organisations_secret(bot: RunningBot, fake_line: FakeLinePlatform) -> None:
    b, _ = add_org_b(bot, fake_line)
    event = b.text_event(USER_B, "ช่วยเหลือ")
    for url, secret in ((f"{bot.url}/callback/b", CHANNEL_SECRET), (f"{bot.url}/callback", SECRET_B),
                        (f"{bot.url}/callback/default", SECRET_B)):
        refused = _post(url, secret, [event])
        assert refused.status_code == 400 and refused.json() == {"message": "invalid signature"}
    assert _stored(bot) == 0
    assert _post(f"{bot.url}/callback/nobody", SECRET_B, [event]).status_code == 404
    assert requests.post(f"{bot.url}/callback/b", data=b"{}", timeout=5).status_code == 400  # no signature
    assert _stored(bot) == 0
    # the environment's organisation on both of its URLs, B on its own
    assert _post(f"{bot.url}/callback/default", CHANNEL_SECRET, []).status_code == 200
    assert _post(f"{bot.url}/callback", CHANNEL_SECRET, []).status_code == 200
    assert _post(f"{bot.url}/callback/b", SECRET_B, [event]).status_code == 200
    assert _stored(bot) == 1
    # disabled: 404 (every process's registry notices within its check interval)
    org_cli(bot, "org", "disable", "b")
    bot.services.channels.check_every = 0.05
    assert wait_for(lambda: _post(f"{bot.url}/callback/b", SECRET_B, []).status_code == 404)
    assert _stored(bot) == 1


def test_the_environments_callback_refuses_while_its_organisation_is_disabled(bot: RunningBot) -> None:
    """`/callback` verifies with the environment's secret, which the database does not hold: the group commit
    still checks that the default organisation is enabled, in the transaction that would store the events."""
    event = bot.fake.text_event(USER_A, "ช่วยเหลือ")
    bot.services.org_id()  # the default organisation exists (made on first use)
    org_cli(bot, "org", "disable", "default")
    for body in ([event], []):  # events, and the LINE console's Verify
        refused = _post(f"{bot.url}/callback", CHANNEL_SECRET, body)
        assert refused.status_code == 404 and refused.json() == {"message": "no such channel"}
    assert _stored(bot) == 0
    org_cli(bot, "org", "enable", "default")
    assert _post(f"{bot.url}/callback", CHANNEL_SECRET, [event]).status_code == 200
    assert _stored(bot) == 1


def test_quota_is_read_and_respected_per_channel(bot: RunningBot, fake_line: FakeLinePlatform) -> None:
    b, org_b = add_org_b(bot, fake_line, monthly_quota=0)
    fake_line.set_monthly_quota(100)
    with bot.services.uow() as uow:
        uow.outbox.add_push(org_b, USER_B, [messages.text("ถึงบี")], Priority.NORMAL, utcnow())
        uow.outbox.add_push(bot.org_id, USER_A, [messages.text("ถึงเอ")], Priority.NORMAL, utcnow())
        uow.commit()
    bot.services.answers_committed.set()

    def settled() -> bool:
        with bot.services.uow() as uow:
            counts = uow.outbox.counts_by_status()
        return counts.get(OutboxStatus.DELIVERED.value) == 1 and counts.get(OutboxStatus.PARKED.value) == 1

    assert wait_for(settled)
    assert [d.channel for d in fake_line.deliveries(kind="push")] == ["default"]
    with bot.services.uow() as uow:
        parked = uow.session.scalars(select(OutboxMessage.org_id).where(
            OutboxMessage.status == OutboxStatus.PARKED.value)).all()
    assert parked == [org_b]
    bot.services.quota.refresh_all()  # each organisation's quota read with its own token
    with bot.services.uow() as uow:
        quota_a, quota_b = uow.outbox.quota(bot.org_id), uow.outbox.quota(org_b)
    assert quota_a is not None and (quota_a.quota_limit, quota_a.total_usage, quota_a.exhausted_at) == (100, 1, None)
    assert quota_b is not None and (quota_b.quota_limit, quota_b.total_usage) == (0, 0)
    assert quota_b.exhausted_at is not None
    # B's channel gets room: only B's parked push goes back in line, and out with B's token
    b.set_monthly_quota(10)
    bot.services.quota.refresh_all()
    bot.services.answers_committed.set()
    assert wait_for(lambda: [d.channel for d in fake_line.deliveries(kind="push")] == ["default", "b"])
    assert b.usage == 1 and fake_line.usage == 1


def test_replaced_credentials_take_over_in_the_running_processes(bot: RunningBot,
                                                                  fake_line: FakeLinePlatform) -> None:
    b, org_b = add_org_b(bot, fake_line)
    follow(b, USER_B)
    bot.wait_idle()
    b.replace_access_token("b-reissued-token")  # reissued in the LINE console: the old one is refused now
    printed = org_cli(bot, "org", "credentials", "b", "--credentials-stdin", input=f"{SECRET_B}\nb-reissued-token\n")
    assert "b-reissued-token" not in printed
    # Every use reads the directory again (the deployment's 5 s, or any fixed wait, would be a race: a read
    # made just before the command's commit would still be fresh when the push below goes out).
    bot.services.channels.check_every = 0.0
    with bot.services.uow() as uow:
        uow.outbox.add_push(org_b, USER_B, [messages.text("ด้วย token ใหม่")], Priority.NORMAL, utcnow())
        uow.commit()
    bot.services.answers_committed.set()
    assert wait_for(lambda: len(b.deliveries(kind="push")) == 1)
    # no push went out with the old token (a quota read the worker made in the moment between LINE's reissue
    # and the command may meet 401, as it would in production: it is read again later)
    assert not [e for e in fake_line.requests_log() if e["status"] == 401 and e["path"].endswith("/push")]


def test_short_lived_tokens_are_issued_and_refreshed_before_they_expire(bot: RunningBot,
                                                                       fake_line: FakeLinePlatform) -> None:
    c = fake_line.add_channel("c", channel_secret=SECRET_C, channel_id=CHANNEL_C, token_lifetime=3.0,
                              webhook_url=f"{bot.url}/callback/c")
    org_cli(bot, "org", "add", "c", "--name", "เทศบาลซี", "--channel-id", CHANNEL_C, "--credentials-stdin",
            input=f"{SECRET_C}\n")
    org_c = org_id(bot, "c")
    assert c.tokens_issued == 0  # issued on first use
    assert follow(c, USER_B).status_code == 200
    bot.wait_idle()
    assert [d.kind for d in c.deliveries(to=USER_B)] == ["reply"] and c.tokens_issued == 1
    first = bot.services.channels.access_token(org_c)
    with bot.services.uow() as uow:
        sealed = uow.organisations.credentials(org_c)
    assert sealed is not None and sealed.token_sealed is not None and first.encode() not in sealed.token_sealed
    # due for replacement at half its life (1.5 s): the next check issues a new one before it expires
    bot.services.channels.check_every = 0.05
    assert wait_for(lambda: bot.services.channels.access_token(org_c) != first, timeout=10)
    assert c.tokens_issued == 2
    assert wait_for(lambda: fake_line.state.channel_for_token(first) is None, timeout=10)  # the old one expired
    with bot.services.uow() as uow:
        uow.outbox.add_push(org_c, USER_B, [messages.text("ด้วย token ใหม่")], Priority.NORMAL, utcnow())
        uow.commit()
    bot.services.answers_committed.set()
    assert wait_for(lambda: len(c.deliveries(kind="push")) == 1)


def test_a_channel_id_and_secret_line_refuses_leave_a_clear_log_and_no_secret(
        bot: RunningBot, fake_line: FakeLinePlatform, caplog: object) -> None:
    c = fake_line.add_channel("c", channel_secret=SECRET_C, channel_id=CHANNEL_C, webhook_url=f"{bot.url}/callback/c")
    org_cli(bot, "org", "add", "c", "--name", "เทศบาลซี", "--channel-id", CHANNEL_C, "--credentials-stdin",
            input="not-the-secret\n")
    org_c = org_id(bot, "c")
    with bot.services.uow() as uow:
        uow.outbox.add_push(org_c, USER_B, [messages.text("ไม่ได้ส่ง")], Priority.NORMAL, utcnow())
        uow.commit()
    bot.services.answers_committed.set()

    def retried() -> bool:
        with bot.services.uow() as uow:
            row = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.org_id == org_c)).one()
            return row.attempts >= 1 and row.status in (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)

    assert wait_for(retried)
    assert c.deliveries() == [] and c.tokens_issued == 0
    logged = "\n".join(r.getMessage() for r in caplog.records)  # type: ignore[attr-defined]
    assert "no short-lived token issued (HTTP 400)" in logged
    assert "not-the-secret" not in logged and SECRET_C not in logged


def test_richmenu_deploy_uses_the_organisations_token(bot: RunningBot, fake_line: FakeLinePlatform) -> None:
    add_org_b(bot, fake_line)
    assert "--org SLUG" in org_cli(bot, "richmenu", "deploy", expect_exit=1)
    org_cli(bot, "richmenu", "deploy", "--org", "b")
    menu_calls = [e for e in fake_line.requests_log() if "/richmenu" in e["path"]]
    assert menu_calls and {e["channel"] for e in menu_calls} == {"b"}
    assert all(e["status"] in (200, 404) for e in menu_calls), json.dumps(menu_calls)




def test_evidence_is_downloaded_with_its_organisations_token(bot_without_worker: RunningBot,
                                                             fake_line: FakeLinePlatform) -> None:
    bot = bot_without_worker
    _, org_b = add_org_b(bot, fake_line)
    fake_line.register_content("900000000000000001", b"\xff\xd8\xff photo of B", "image/jpeg")
    with bot.services.uow() as uow:
        evidence = uow.evidence.add(org_b, "complaint", 1, "900000000000000001", "image", None, utcnow())
        assert evidence is not None
        evidence_id = evidence.id
        uow.commit()
    assert bot.services.evidence.fetch_due() == 1
    downloads = [e for e in fake_line.requests_log() if e["path"].endswith("/900000000000000001/content")]
    assert [(e["channel"], e["status"]) for e in downloads] == [("b", 200)]
    with bot.services.uow() as uow:
        stored = uow.evidence.for_owner("complaint", 1)
    assert [(e.id, e.status) for e in stored] == [(evidence_id, "ready")]
