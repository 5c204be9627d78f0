"""A second organisation beside the deployment's own, on either tier: its units (the defaults), its members
bound through its own chat, events stored in its inbox as its `/callback/<slug>` would store them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.test import TestResponse

from storage.clock import utcnow
from storage.inbox import storable_event, store_new_events
from storage.models import Role

if TYPE_CHECKING:
    from tests.support.inprocess import ChatBot


def add_organisation(bot: ChatBot, slug: str, name: str, timezone: str = "Asia/Bangkok") -> int:
    with bot.services.uow() as uow:
        org = uow.people.ensure_organisation(slug, name, timezone)
        uow.commit()
        return org.id


@contextmanager
def in_org(bot: ChatBot, org_id: int) -> Iterator[None]:
    """While inside, what the fake platform sends is stored in `org_id`'s inbox (its own webhook)."""
    original = bot.fake.store

    def store(events_: list[dict[str, Any]]) -> None:
        with bot.services.engine.begin() as connection:
            store_new_events(connection, org_id, [storable_event(e) for e in events_], utcnow())

    bot.fake.store = store
    try:
        yield
    finally:
        bot.fake.store = original


def bind_in(bot: ChatBot, org_id: int, user_id: str, role: str, unit: str | None = None) -> None:
    """Invite and bind `user_id` in `org_id` through that organisation's chat."""
    with bot.services.uow() as uow:
        unit_row = uow.people.find_unit(org_id, unit) if unit else None
        assert unit is None or unit_row is not None, unit
        code = uow.people.create_invite(org_id, Role(role), unit_row.id if unit_row else None,
                                        bot.services.settings.secret_key, utcnow())
        uow.commit()
    with in_org(bot, org_id):
        bot.fake.send_text(user_id, code)
        bot.wait_idle()
    assert "ผูกบัญชีเรียบร้อย" in bot.texts_to(user_id)[-1]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class ClientConsole:
    """The console through Flask's test client (no server): cookies kept, the CSRF token of the last page."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.token: str | None = None

    def _keep_token(self, response: TestResponse) -> TestResponse:
        found = _CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def get(self, path: str) -> TestResponse:
        return self._keep_token(self.client.get(f"/console{path}", follow_redirects=True))

    def post(self, path: str, data: dict[str, Any] | None = None, *, form_page: str | None = None) -> TestResponse:
        if form_page is not None:
            self.get(form_page)
        payload = {**(data or {}), "csrf_token": self.token}
        return self._keep_token(self.client.post(f"/console{path}", data=payload, follow_redirects=True))

    def login(self, username: str, password: str) -> TestResponse:
        response = self.post("/login", {"username": username, "password": password}, form_page="/login")
        assert response.status_code == 200 and "/console/login" not in response.request.path, \
            response.get_data(as_text=True)[:2000]
        return response
