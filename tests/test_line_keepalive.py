"""Connections to LINE are kept open and reused (issue #17): the fake platform serves HTTP/1.1 keep-alive as
LINE does, and the outbox sends a burst over its channel's pooled connections, not one connection a send."""

from __future__ import annotations

import socket
import uuid

from bot.line.api import LineApi, Outcome
from linesim import FakeLinePlatform
from storage.clock import utcnow
from storage.models import Priority
from tests.conftest import ACCESS_TOKEN, RunningBot

USER = "U" + "c" * 32


def test_the_fake_platform_keeps_a_clients_connection_open(fake_line: FakeLinePlatform) -> None:
    api = LineApi(ACCESS_TOKEN, fake_line.base_url, timeout=10)
    try:
        before = fake_line.connections_accepted
        results = [api.push(USER, [{"type": "text", "text": f"{n}"}], str(uuid.uuid4())) for n in range(10)]
        assert {r.outcome for r in results} == {Outcome.DELIVERED}
        assert fake_line.connections_accepted - before == 1
        assert len(fake_line.deliveries(to=USER)) == 10
    finally:
        api.close()


def test_the_fake_platform_closes_a_connection_the_client_asks_it_to(fake_line: FakeLinePlatform) -> None:
    host, port = fake_line.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"GET /v2/bot/message/quota HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           b"Authorization: Bearer " + ACCESS_TOKEN.encode() + b"\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):  # ends when the server closes
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200")
    assert b"Connection: close" in answer


def test_a_burst_of_outbox_sends_reuses_the_channels_pooled_connections(bot_without_worker: RunningBot) -> None:
    bot = bot_without_worker
    users = [f"U{n:032x}" for n in range(40)]
    with bot.services.uow() as uow:
        uow.outbox.add_pushes(bot.services.org_id(), [(user, [{"type": "text", "text": "hi"}], Priority.NORMAL)
                                                      for user in users], utcnow())
        uow.commit()
    before = bot.fake.connections_accepted
    sent = 0
    while batch := sum(bot.services.sender.deliver_due(20).values()):
        sent += batch
    assert sent == 40 and len(bot.fake.deliveries(kind="push")) == 40
    connections = bot.fake.connections_accepted - before
    assert connections <= bot.services.settings.outbox_send_concurrency < 40


def test_every_organisations_sends_share_one_pool_each_with_its_own_token(fake_line: FakeLinePlatform) -> None:
    """An organisation's client posts over the environment client's keep-alive connections (bot/services.py
    `posts_through`) with its own Bearer token: many organisations' answers, one warm connection, and each
    message goes out on its own channel (a token LINE does not know is refused, whatever the connection)."""
    fake_line.add_channel("org-b", channel_secret="b-secret", access_token="token-b")
    default = LineApi(ACCESS_TOKEN, fake_line.base_url, timeout=10)
    of_b = LineApi("token-b", fake_line.base_url, timeout=10, posts_through=default)
    unknown = LineApi("no-such-token", fake_line.base_url, timeout=10, posts_through=default)
    try:
        before = fake_line.connections_accepted
        for n in range(3):
            for api in (default, of_b):
                assert api.push(USER, [{"type": "text", "text": f"{n}"}], str(uuid.uuid4())).outcome is Outcome.DELIVERED
        assert unknown.push(USER, [{"type": "text", "text": "x"}], str(uuid.uuid4())).outcome is Outcome.REJECTED
        assert fake_line.connections_accepted - before == 1
        by_channel = [d.channel for d in fake_line.deliveries(to=USER)]
        assert by_channel.count("org-b") == 3 and len(by_channel) == 6
    finally:
        for api in (unknown, of_b, default):
            api.close()
