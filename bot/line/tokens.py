"""Issuing short-lived channel access tokens (`POST /v2/oauth/accessToken` with the channel id and secret)
through the SDK's ChannelAccessToken API. Like bot/line/api.py, no SDK type or exception leaves here, and the
SDK is imported only when a token is issued (it costs seconds of imports the CLI's commands do not need)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import urllib3


class TokenNotIssued(RuntimeError):
    """LINE did not issue a token: wrong channel id or secret (`refused`), or it could not be asked."""

    def __init__(self, detail: str, refused: bool) -> None:
        super().__init__(detail)
        self.refused = refused


@dataclass(frozen=True)
class IssuedToken:
    access_token: str = field(repr=False)
    expires_in: timedelta


class TokenIssuer:
    def __init__(self, base_url: str | None, timeout: float = 10.0) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def issue(self, channel_id: str, channel_secret: str) -> IssuedToken:
        from linebot.v3.oauth import ApiClient, ChannelAccessToken, Configuration
        from linebot.v3.oauth.exceptions import ApiException

        configuration = Configuration(host=self.base_url) if self.base_url else Configuration()
        try:
            with ApiClient(configuration) as client:
                response = ChannelAccessToken(client).issue_channel_token(
                    "client_credentials", channel_id, channel_secret, _request_timeout=self.timeout)
        except ApiException as exc:
            status = int(exc.status or 0)
            # the answer's body may echo the request: only the status is kept
            raise TokenNotIssued(f"HTTP {status}", refused=400 <= status < 500) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise TokenNotIssued(f"network: {type(exc).__name__}", refused=False) from None
        return IssuedToken(str(response.access_token), timedelta(seconds=int(response.expires_in)))
