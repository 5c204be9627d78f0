"""The fake LINE platform's channels: each Official Account's token, quota and reply tokens apart, and
short-lived tokens issued from channel id + secret through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.oauth import ApiClient as OAuthClient
from linebot.v3.oauth import ChannelAccessToken
from linebot.v3.oauth import Configuration as OAuthConfiguration
from linebot.v3.oauth.exceptions import ApiException as OAuthApiException

from linesim import FakeLinePlatform

USER = "U" + "a" * 32
TEXT = [{"type": "text", "text": "hi"}]


@pytest.fixture
def fake() -> Iterator[FakeLinePlatform]:
    with FakeLinePlatform(channel_secret="secret-a", access_token="token-a") as platform:
        yield platform


def _messaging(fake: FakeLinePlatform, token: str) -> tuple[ApiClient, MessagingApi]:
    client = ApiClient(Configuration(host=fake.base_url, access_token=token))
    return client, MessagingApi(client)


def test_each_channel_is_told_apart_by_its_token(fake: FakeLinePlatform) -> None:
    b = fake.add_channel("b", channel_secret="secret-b", access_token="token-b", monthly_quota=1)
    client_a, api_a = _messaging(fake, "token-a")
    client_b, api_b = _messaging(fake, "token-b")
    with client_a, client_b:
        api_a.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        api_b.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        with pytest.raises(ApiException) as over:  # b's own quota of 1, a's is unlimited
            api_b.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        assert over.value.status == 429
        api_a.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        assert api_b.get_message_quota().value == 1
        assert api_b.get_message_quota_consumption().total_usage == 1
        assert api_a.get_message_quota_consumption().total_usage == 2
    assert [d.channel for d in fake.deliveries()] == ["default", "b", "default"]
    assert len(b.deliveries()) == 1
    assert [e["channel"] for e in fake.requests_log()][:2] == ["default", "b"]


def test_a_reply_token_is_accepted_only_with_its_own_channels_token(fake: FakeLinePlatform) -> None:
    b = fake.add_channel("b", channel_secret="secret-b", access_token="token-b")
    event = b.text_event(USER, "hello")
    client_a, api_a = _messaging(fake, "token-a")
    client_b, api_b = _messaging(fake, "token-b")
    with client_a, client_b:
        request = ReplyMessageRequest.from_dict({"replyToken": event["replyToken"], "messages": TEXT})
        with pytest.raises(ApiException) as wrong:
            api_a.reply_message(request)
        assert wrong.value.status == 400
        api_b.reply_message(request)
    assert [d.kind for d in b.deliveries()] == ["reply"]


def test_short_lived_tokens_are_issued_from_id_and_secret_and_expire(fake: FakeLinePlatform) -> None:
    b = fake.add_channel("b", channel_secret="secret-b", channel_id="2000000001")
    with OAuthClient(OAuthConfiguration(host=fake.base_url)) as oauth_client:
        oauth = ChannelAccessToken(oauth_client)
        with pytest.raises(OAuthApiException) as refused:
            oauth.issue_channel_token("client_credentials", "2000000001", "secret-a")
        assert refused.value.status == 400
        issued = oauth.issue_channel_token("client_credentials", "2000000001", "secret-b")
    assert issued.expires_in == 30 * 24 * 3600 and b.tokens_issued == 1
    client, api = _messaging(fake, issued.access_token)
    with client:
        api.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        assert b.expire_access_tokens() == 1
        with pytest.raises(ApiException) as expired:
            api.push_message(PushMessageRequest.from_dict({"to": USER, "messages": TEXT}))
        assert expired.value.status == 401
    assert len(b.deliveries()) == 1
