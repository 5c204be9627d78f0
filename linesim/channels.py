"""Another Official Account on the same fake platform: its own secret (webhook signatures), access tokens,
quota and reply tokens, so tests can prove each organisation's answers went out with its own token.

    b = fake.add_channel("b", channel_secret="sb", access_token="tb", webhook_url=f"{url}/callback/b")
    b.send_text("U...", "สวัสดี")   # signed with b's secret, its reply token accepted only with b's token
    b.deliveries()                  # what was sent with b's token
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import events, webhook_sender

if TYPE_CHECKING:
    import requests

    from .fake_platform import FakeLinePlatform
    from .state import Delivery


class FakeChannel:
    def __init__(self, platform: FakeLinePlatform, name: str, channel_secret: str,
                 webhook_url: str | None = None) -> None:
        self.platform = platform
        self.name = name
        self.channel_secret = channel_secret
        self.webhook_url = webhook_url

    def sign(self, body: bytes) -> str:
        return webhook_sender.sign(self.channel_secret, body)

    def text_event(self, user_id: str, text: str) -> dict[str, Any]:
        token = self.platform.state.issue_reply_token(user_id, self.name)
        return events.message_event(user_id, token, events.text_message(text), "active")

    def send_events(self, events_: list[dict[str, Any]], signature: str | None = None) -> requests.Response:
        """Posts the events to this channel's webhook URL, signed with its secret (or `signature`)."""
        if not self.webhook_url:
            raise RuntimeError("webhook_url is not set")
        for event in events_:
            self.platform.state.record_user_event(event)
        body = webhook_sender.encode_body(events.DEFAULT_DESTINATION, events_)
        return webhook_sender.post_webhook(self.webhook_url, body, signature or self.sign(body),
                                           timeout=self.platform.webhook_timeout)

    def send_text(self, user_id: str, text: str) -> requests.Response:
        return self.send_events([self.text_event(user_id, text)])

    def deliveries(self, kind: str | None = None, to: str | None = None) -> list[Delivery]:
        return self.platform.state.deliveries(kind, to, channel=self.name)

    def messages_to(self, user_id: str) -> list[dict[str, Any]]:
        return [message for d in self.deliveries(to=user_id) for message in d.messages]

    def set_monthly_quota(self, limit: int | None) -> None:
        self.platform.state.set_monthly_quota(limit, self.name)

    @property
    def usage(self) -> int:
        return self.platform.state.channel_usage(self.name)

    def replace_access_token(self, access_token: str) -> None:
        """A new long-lived token (as reissued in the LINE console): the old one is refused from now on."""
        self.platform.state.replace_long_lived_token(self.name, access_token)

    def expire_access_tokens(self) -> int:
        return self.platform.state.expire_access_tokens(self.name)

    @property
    def tokens_issued(self) -> int:
        return self.platform.state.tokens_issued(self.name)
