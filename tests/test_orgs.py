"""Organisations as data (#18), in process: `itabot org ...`, credentials sealed at rest and never shown,
`--org` on every command that works on one organisation."""

from __future__ import annotations

import base64
import os
from dataclasses import replace

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo

from bot.cli.main import ORG_COMMANDS, cli
from bot.config import ConfigError, Settings, credentials_box
from domain.organisations import CredentialsBox, CredentialsError, TokenKind, refresh_at, valid_slug
from storage.org_models import OrgCredentials
from tests.conftest import make_env
from tests.support.inprocess import UNREACHABLE_LINE, ChatBot
from usecases.organisations import open_credentials

SECRET_B = "b-channel-secret-0123456789abcdef"
TOKEN_B = "b-long-lived-token-ZYXWVUTSRQPONMLK"


def org_cli(bot: ChatBot, *args: str, input: str | None = None, expect_exit: int = 0) -> Result:
    result = CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: bot.app), input=input,
                                catch_exceptions=False)
    assert result.exit_code == expect_exit, result.output
    return result


def add_b(bot: ChatBot, *extra: str) -> Result:
    return org_cli(bot, "org", "add", "b", "--name", "เทศบาลตำบลบี", "--credentials-stdin", *extra,
                   input=f"{SECRET_B}\n{TOKEN_B}\n")


def test_org_add_seals_the_credentials_and_never_shows_them(chat_bot: ChatBot) -> None:
    added = add_b(chat_bot)
    assert "เพิ่มองค์กร b (เทศบาลตำบลบี) แล้ว" in added.output
    assert "/callback/b" in added.output
    listing = org_cli(chat_bot, "org", "list").output
    assert "b " in listing and "เทศบาลตำบลบี" in listing and "token ระยะยาว" in listing
    assert "default" in listing and "LINE_CHANNEL_SECRET" in listing  # the environment's organisation
    for output in (added.output, listing):
        assert SECRET_B not in output and TOKEN_B not in output
    # at rest: sealed bytes only, bound to the organisation
    with chat_bot.services.uow() as uow:
        row = uow.session.get(OrgCredentials, uow.people.organisation("b").id)  # type: ignore[union-attr]
        assert row is not None and row.token_kind == TokenKind.LONG_LIVED.value and row.version == 1
        stored = row.secret_sealed + (row.token_sealed or b"")
        opened = open_credentials(uow, chat_bot.services.credentials_box, row.org_id)
    for plain in (SECRET_B, TOKEN_B):
        assert plain.encode() not in stored and base64.b64encode(plain.encode()) not in stored
    assert opened is not None and opened.channel_secret == SECRET_B and opened.access_token == TOKEN_B
    assert SECRET_B not in repr(opened) and TOKEN_B not in repr(opened)
    if chat_bot.services.settings.database_url.startswith("sqlite:///"):
        with open(chat_bot.services.settings.database_url.removeprefix("sqlite:///"), "rb") as db_file:
            raw = db_file.read()
        assert SECRET_B.encode() not in raw and TOKEN_B.encode() not in raw


def test_hidden_prompts_do_not_echo_what_is_typed(chat_bot: ChatBot) -> None:
    result = org_cli(chat_bot, "org", "add", "c", "--name", "เทศบาลซี", input=f"{SECRET_B}\n{TOKEN_B}\n")
    assert "Channel secret" in result.output and "Channel access token" in result.output
    assert SECRET_B not in result.output and TOKEN_B not in result.output


def test_short_lived_credentials_take_the_channel_id_and_the_secret_only(chat_bot: ChatBot) -> None:
    org_cli(chat_bot, "org", "add", "c", "--name", "เทศบาลซี", "--channel-id", "2000000001",
            "--credentials-stdin", input=f"{SECRET_B}\n")
    with chat_bot.services.uow() as uow:
        org = uow.people.organisation("c")
        assert org is not None
        opened = open_credentials(uow, chat_bot.services.credentials_box, org.id)
    assert opened is not None and opened.kind is TokenKind.SHORT_LIVED and opened.channel_id == "2000000001"
    assert opened.access_token is None  # issued by the LINE clients on first use
    assert "token อายุสั้น" in org_cli(chat_bot, "org", "list").output


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["org", "add", "B_bad", "--name", "x"], f"{SECRET_B}\n{TOKEN_B}\n", "slug \"B_bad\" ใช้ไม่ได้"),
    (["org", "add", "b", "--name", "x", "--timezone", "Mars/Olympus"], f"{SECRET_B}\n{TOKEN_B}\n",
     "ไม่รู้จักเขตเวลา"),
    (["org", "add", "b", "--name", "x"], f"{SECRET_B}\n", "standard input ต้องมี 2 บรรทัด"),
    (["org", "add", "b", "--name", "x"], f"{SECRET_B}\nwith space\n", "channel access token ว่างหรือมีช่องว่างปน"),
    (["org", "add", "default", "--name", "x"], f"{SECRET_B}\n{TOKEN_B}\n", "มีองค์กร default อยู่แล้ว"),
    (["org", "add", "b", "--name", "x", "--channel-id", "12ab"], f"{SECRET_B}\n", "Channel ID \"12ab\" ใช้ไม่ได้"),
    (["org", "credentials", "nope"], f"{SECRET_B}\n{TOKEN_B}\n", "ไม่พบองค์กร nope"),
    (["org", "disable", "nope"], None, "ไม่พบองค์กร nope"),
    (["org", "enable", "nope"], None, "ไม่พบองค์กร nope"),
])
def test_bad_input_gets_a_thai_answer_and_changes_nothing(chat_bot: ChatBot, args: list[str], stdin: str | None,
                                                          message: str) -> None:
    extra = ["--credentials-stdin"] if stdin is not None else []
    result = org_cli(chat_bot, *args, *extra, input=stdin, expect_exit=1)
    assert message in result.output
    assert SECRET_B not in result.output and TOKEN_B not in result.output
    with chat_bot.services.uow() as uow:
        assert {row.slug for row in uow.organisations.listing()} <= {"default"}


def test_without_credentials_key_nothing_is_stored_and_the_answer_says_why(chat_bot: ChatBot) -> None:
    chat_bot.services.credentials_box = None  # CREDENTIALS_KEY not set (optional outside development)
    result = org_cli(chat_bot, "org", "add", "b", "--name", "x", "--credentials-stdin",
                     input=f"{SECRET_B}\n{TOKEN_B}\n", expect_exit=1)
    assert "CREDENTIALS_KEY" in result.output
    with chat_bot.services.uow() as uow:
        assert uow.people.organisation("b") is None


def test_credentials_replace_and_disable(chat_bot: ChatBot) -> None:
    add_b(chat_bot)
    replaced = org_cli(chat_bot, "org", "credentials", "b", "--credentials-stdin", input="new-secret\nnew-token\n")
    assert "เปลี่ยนข้อมูลช่อง LINE ขององค์กร b แล้ว" in replaced.output and "new-" not in replaced.output
    with chat_bot.services.uow() as uow:
        org = uow.people.organisation("b")
        assert org is not None
        opened = open_credentials(uow, chat_bot.services.credentials_box, org.id)
    assert opened is not None and (opened.channel_secret, opened.access_token, opened.version) == \
        ("new-secret", "new-token", 2)
    assert "ปิดใช้งานองค์กร b แล้ว" in org_cli(chat_bot, "org", "disable", "b").output
    assert "ปิดใช้งานอยู่แล้ว" in org_cli(chat_bot, "org", "disable", "b").output
    line_of_b = next(line for line in org_cli(chat_bot, "org", "list").output.splitlines() if line.startswith("b "))
    assert line_of_b.endswith("· ปิดใช้งาน")


def test_every_command_on_one_organisation_takes_org(chat_bot: ChatBot) -> None:
    def leaves(command: object) -> list[object]:
        subs = getattr(command, "commands", None)
        return [leaf for sub in subs.values() for leaf in leaves(sub)] if subs else [command]

    for command in ORG_COMMANDS:
        for leaf in leaves(command):
            assert "--org" in [opt for p in leaf.params for opt in p.opts], leaf  # type: ignore[attr-defined]


def test_org_chooses_the_organisation_and_is_needed_once_there_are_two(chat_bot: ChatBot) -> None:
    before = org_cli(chat_bot, "units", "list").output  # one organisation: no --org needed
    add_b(chat_bot)
    ambiguous = org_cli(chat_bot, "units", "list", expect_exit=1).output
    assert "ระบบมีหลายองค์กร กรุณาระบุ --org SLUG" in ambiguous and "b, default" in ambiguous
    org_cli(chat_bot, "units", "add", "กองเฉพาะบี", "--org", "b")
    of_b = org_cli(chat_bot, "units", "list", "--org", "b").output
    of_default = org_cli(chat_bot, "units", "list", "--org", "default").output
    assert "กองเฉพาะบี" in of_b and "กองเฉพาะบี" not in of_default and of_default == before
    unknown = org_cli(chat_bot, "units", "list", "--org", "zz", expect_exit=1).output
    assert "ไม่พบองค์กร zz องค์กรที่มี: b, default" in unknown
    org_cli(chat_bot, "org", "disable", "b")
    assert org_cli(chat_bot, "units", "list").output == before  # the only enabled one again


def test_sealed_credentials_open_only_under_their_key_and_for_their_row() -> None:
    box = CredentialsBox.from_b64(base64.b64encode(os.urandom(32)).decode())
    other = CredentialsBox.from_b64(base64.b64encode(os.urandom(32)).decode())
    sealed = box.seal(7, "secret", "s3cret")
    assert box.open(7, "secret", sealed) == "s3cret"
    for opener, org_id, field in ((other, 7, "secret"), (box, 8, "secret"), (box, 7, "token")):
        with pytest.raises(CredentialsError):
            opener.open(org_id, field, sealed)
    assert box.seal(7, "secret", "s3cret") != sealed  # a fresh nonce each time


def test_credentials_key_is_optional_and_checked(tmp_path: os.PathLike[str]) -> None:
    env = make_env("sqlite:///x.db", UNREACHABLE_LINE, tmp_path)  # type: ignore[arg-type]
    dev = Settings.from_env(env)
    assert credentials_box(dev) is not None  # development and tests: derived from SECRET_KEY
    production = {**env, "ITABOT_ENV": "production", "COMPLAINT_KEY": base64.b64encode(os.urandom(32)).decode()}
    assert credentials_box(Settings.from_env(production)) is None  # one organisation needs none
    key = base64.b64encode(os.urandom(32)).decode()
    assert credentials_box(Settings.from_env({**production, "CREDENTIALS_KEY": key})) is not None
    with pytest.raises(ConfigError, match="CREDENTIALS_KEY is malformed") as bad:
        Settings.from_env({**production, "CREDENTIALS_KEY": "c2hvcnQ="})
    assert "c2hvcnQ" not in str(bad.value)
    assert replace(dev, credentials_key="").credentials_key == ""


def test_slugs_and_refresh_times() -> None:
    assert valid_slug("tessaban-bangkok-1") and not valid_slug("-x") and valid_slug("b") and not valid_slug("") \
        and not valid_slug("Upper") and not valid_slug("a/b")
    from datetime import UTC, datetime, timedelta
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    assert refresh_at(issued, timedelta(days=30)) == issued + timedelta(days=23)
    assert refresh_at(issued, timedelta(seconds=4)) == issued + timedelta(seconds=2)


@pytest.mark.parametrize("key", ["missing", "another"])
def test_credentials_that_cannot_be_opened_answer_404_not_500(chat_bot: ChatBot, key: str,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    from linesim import events
    from linesim.webhook_sender import encode_body, sign

    add_b(chat_bot)
    channels = chat_bot.services.channels
    channels.box = None if key == "missing" else CredentialsBox.from_b64(base64.b64encode(os.urandom(32)).decode())
    body = encode_body(events.DEFAULT_DESTINATION, [])
    answer = chat_bot.http.post("/callback/b", data=body, headers={"x-line-signature": sign(SECRET_B, body)})
    assert answer.status_code == 404
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "cannot be opened" in logged and SECRET_B not in logged and TOKEN_B not in logged


def test_an_organisation_added_just_after_the_directory_was_read_is_served_at_once(chat_bot: ChatBot) -> None:
    from linesim import events
    from linesim.webhook_sender import encode_body, sign

    channels = chat_bot.services.channels
    assert channels.webhook("b") is None  # the directory is read now, and kept for check_every seconds
    add_b(chat_bot)
    body = encode_body(events.DEFAULT_DESTINATION, [])
    answer = chat_bot.http.post("/callback/b", data=body, headers={"x-line-signature": sign(SECRET_B, body)})
    assert answer.status_code == 200
    assert chat_bot.http.post("/callback/zz", data=body, headers={"x-line-signature": sign(SECRET_B, body)}
                              ).status_code == 404


def test_a_replaced_secret_and_a_disabled_organisation_take_effect_at_once_in_a_process_that_cached_them(
        chat_bot: ChatBot) -> None:
    """The web process caches each organisation's secret; another process (here the CLI, which tells this
    registry nothing, whose directory is not read again for an hour) replaces the credentials, then disables
    the organisation: the very next webhook is judged by what the database holds."""
    from linesim import events
    from linesim.webhook_sender import encode_body, sign

    add_b(chat_bot)
    channels = chat_bot.services.channels
    channels.check_every = 3600.0

    def post(secret: str, *text: str) -> int:
        body = encode_body(events.DEFAULT_DESTINATION,
                           [events.message_event("U" + "b" * 32, None, events.text_message(t)) for t in text])
        return chat_bot.http.post("/callback/b", data=body, headers={"x-line-signature": sign(secret, body)}
                                  ).status_code

    def stored() -> int:
        with chat_bot.services.uow() as uow:
            return sum(uow.inbox.counts_by_status().values())

    assert post(SECRET_B, "ก่อน") == 200 and stored() == 1  # the secret is cached now
    org_cli(chat_bot, "org", "credentials", "b", "--credentials-stdin", input=f"new-secret-b\n{TOKEN_B}\n")
    assert post(SECRET_B, "ด้วยความลับเก่า") == 400  # verified by the cached secret, refused by the store
    assert stored() == 1
    assert post("new-secret-b", "ด้วยความลับใหม่") == 200 and stored() == 2
    assert post(SECRET_B) == 400  # the LINE console's Verify (no events) with the old secret
    org_cli(chat_bot, "org", "disable", "b")
    assert post("new-secret-b", "หลังปิด") == 404 and post("new-secret-b") == 404
    assert stored() == 2
    assert "เปิดใช้งานองค์กร b อีกครั้งแล้ว" in org_cli(chat_bot, "org", "enable", "b").output
    assert post("new-secret-b", "เปิดอีกครั้ง") == 200 and stored() == 3


def test_enable_serves_a_disabled_organisation_again_and_both_are_audited(chat_bot: ChatBot) -> None:
    from sqlalchemy import select

    from storage.console_models import AuditEntry

    add_b(chat_bot)
    assert "เปิดใช้งานอยู่แล้ว" in org_cli(chat_bot, "org", "enable", "b").output
    org_cli(chat_bot, "org", "disable", "b")
    assert "เปิดใช้งานองค์กร b อีกครั้งแล้ว" in org_cli(chat_bot, "org", "enable", "b").output
    line_of_b = next(line for line in org_cli(chat_bot, "org", "list").output.splitlines() if line.startswith("b "))
    assert line_of_b.endswith("· ใช้งาน")
    with chat_bot.services.uow() as uow:
        org = uow.people.organisation("b")
        assert org is not None and org.disabled_at is None
        logged = list(uow.session.execute(select(AuditEntry.action, AuditEntry.actor_label)
                                          .where(AuditEntry.org_id == org.id).order_by(AuditEntry.id)))
    assert logged == [("organisation.disable", "itabot"), ("organisation.enable", "itabot")]


def test_credentials_replaced_twice_while_one_request_is_answered_get_503_and_nothing_stored(
        chat_bot: ChatBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached secret is stale (replaced once), so the webhook reads the organisation again and verifies
    the body with the secret it finds; another process replaces the credentials a second time before the
    events are stored. The store refuses that version too: 503 (LINE sends it again), nothing stored under
    either old secret, no 500; LINE's redelivery signed with the newest secret is stored, once."""
    from linesim import events
    from linesim.webhook_sender import encode_body, sign

    add_b(chat_bot)
    channels = chat_bot.services.channels
    channels.check_every = 3600.0
    body = encode_body(events.DEFAULT_DESTINATION,
                       [events.message_event("U" + "b" * 32, None, events.text_message("สองครั้ง"))])

    def post(secret: str) -> int:
        return chat_bot.http.post("/callback/b", data=body, headers={"x-line-signature": sign(secret, body)}
                                  ).status_code

    def stored() -> int:
        with chat_bot.services.uow() as uow:
            return sum(uow.inbox.counts_by_status().values())

    verify = encode_body(events.DEFAULT_DESTINATION, [])  # the LINE console's Verify: the secret is cached now
    assert chat_bot.http.post("/callback/b", data=verify, headers={"x-line-signature": sign(SECRET_B, verify)}
                              ).status_code == 200
    real_webhook = channels.webhook
    reads: list[bool] = []

    def webhook_then_replaced_again(slug: str, fresh: bool = False) -> object:
        channel = real_webhook(slug, fresh)
        reads.append(fresh)
        if fresh and reads.count(True) == 1:  # right after the request read the organisation again
            org_cli(chat_bot, "org", "credentials", "b", "--credentials-stdin", input=f"third-secret-b\n{TOKEN_B}\n")
        return channel

    org_cli(chat_bot, "org", "credentials", "b", "--credentials-stdin", input=f"second-secret-b\n{TOKEN_B}\n")
    monkeypatch.setattr(channels, "webhook", webhook_then_replaced_again)
    assert post("second-secret-b") == 503
    assert reads == [False, True] and stored() == 0
    monkeypatch.setattr(channels, "webhook", real_webhook)
    assert post("second-secret-b") == 400 and stored() == 0
    assert post("third-secret-b") == 200 and stored() == 1
    assert post("third-secret-b") == 200 and stored() == 1  # LINE's redelivery: stored once


def test_webhook_fast_path_and_flask_views_answer_alike(chat_bot: ChatBot) -> None:
    """LINE's posts (a Content-Length, a signature) are answered before Flask (bot/web/webhook.py
    WebhookFastPath); a body without a Content-Length (chunked) goes through Flask's views. Both give the same
    status, JSON and content type for every outcome, and both store."""
    import io
    import json

    from flask import request_started

    from linesim import events
    from linesim.webhook_sender import encode_body, sign

    add_b(chat_bot)

    def body(text: str) -> bytes:
        return encode_body(events.DEFAULT_DESTINATION,
                           [events.message_event("U" + "c" * 32, None, events.text_message(text))])

    def post(path: str, data: bytes, secret: str, chunked: bool) -> tuple[int, object, str]:
        headers = {"x-line-signature": sign(secret, data), "Content-Type": "application/json"}
        if chunked:  # the fast path leaves it to Flask
            answer = chat_bot.http.post(path, input_stream=io.BytesIO(data),
                                        headers={**headers, "Transfer-Encoding": "chunked"},
                                        environ_overrides={"wsgi.input_terminated": True})  # as gunicorn
        else:
            answer = chat_bot.http.post(path, data=data, headers=headers)
        return answer.status_code, json.loads(answer.data), answer.headers["Content-Type"]

    def stored() -> int:
        with chat_bot.services.uow() as uow:
            return sum(uow.inbox.counts_by_status().values())

    through_flask: list[str] = []

    def started(sender: object, **extra: object) -> None:
        from flask import request
        through_flask.append(request.path)

    request_started.connect(started, chat_bot.app)
    cases = [("/callback/b", SECRET_B, 200), ("/callback", "wrong", 400), ("/callback/b", "wrong", 400),
             ("/callback/nobody", SECRET_B, 404), ("/callback", chat_bot.services.settings.line_channel_secret, 200)]
    for n, (path, secret, status) in enumerate(cases):
        fast = post(path, body(f"เร็ว {n}"), secret, chunked=False)
        slow = post(path, body(f"ช้า {n}"), secret, chunked=True)
        assert fast == slow and fast[0] == status, (path, fast, slow)
    request_started.disconnect(started, chat_bot.app)
    assert through_flask == [path for path, _, _ in cases]  # the chunked ones only
    assert stored() == 4
    not_json = b"{not json"
    assert post("/callback/b", not_json, SECRET_B, False) == post("/callback/b", not_json, SECRET_B, True) == (
        400, {"message": "body is not JSON"}, "application/json")
