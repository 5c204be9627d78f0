"""LINE's rich-menu API through the real `line-bot-sdk` v3 (MessagingApi and MessagingApiBlob).

Like bot/line/api.py, nothing outside this module sees SDK types or exceptions: a failed call raises
RichMenuApiError with LINE's status and message. `LINE_API_BASE_URL` sends every call (the image upload,
which LINE takes on api-data.line.me, too) to one host. The SDK is imported when a client is made.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import urllib3

if TYPE_CHECKING:
    from linebot.v3.messaging.exceptions import ApiException

T = TypeVar("T")
UPLOAD_TIMEOUT = 30.0


class RichMenuApiError(RuntimeError):
    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if status else message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class RichMenuInfo:
    rich_menu_id: str
    name: str
    chat_bar_text: str
    width: int
    height: int
    areas: int


def _message(exc: ApiException) -> str:
    body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes | bytearray) else exc.body
    try:
        parsed = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return str(body or exc.reason or "")[:300]
    if not isinstance(parsed, dict):
        return str(parsed)[:300]
    message = str(parsed.get("message", "")) or str(exc.reason or "")
    if parsed.get("details"):
        message += " " + json.dumps(parsed["details"], ensure_ascii=False)[:300]
    return message


class RichMenuApi:
    def __init__(self, access_token: str, base_url: str | None, timeout: float = 10.0) -> None:
        from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob

        self._client = ApiClient(Configuration(access_token=access_token, host=base_url))
        self._messaging = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._client)
        self.timeout = timeout

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RichMenuApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _call(call: Callable[[], T]) -> T:
        from linebot.v3.messaging.exceptions import ApiException

        try:
            return call()
        except ApiException as exc:
            raise RichMenuApiError(int(exc.status or 0) or None, _message(exc)) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise RichMenuApiError(None, f"network: {type(exc).__name__}") from exc

    def create(self, menu: dict[str, Any]) -> str:
        from linebot.v3.messaging import RichMenuRequest

        request = RichMenuRequest.from_dict(menu)
        response = self._call(lambda: self._messaging.create_rich_menu(request, _request_timeout=self.timeout))
        return str(response.rich_menu_id)

    def upload_image(self, rich_menu_id: str, data: bytes, content_type: str) -> None:
        self._call(lambda: self._blob.set_rich_menu_image(
            rich_menu_id, data, _headers={"Content-Type": content_type},
            _request_timeout=max(self.timeout, UPLOAD_TIMEOUT)))

    def download_image(self, rich_menu_id: str) -> bytes:
        return bytes(self._call(lambda: self._blob.get_rich_menu_image(
            rich_menu_id, _request_timeout=max(self.timeout, UPLOAD_TIMEOUT))))

    def set_default(self, rich_menu_id: str) -> None:
        self._call(lambda: self._messaging.set_default_rich_menu(rich_menu_id, _request_timeout=self.timeout))

    def default_id(self) -> str | None:
        try:
            response = self._call(lambda: self._messaging.get_default_rich_menu_id(_request_timeout=self.timeout))
        except RichMenuApiError as exc:
            if exc.status == 404:  # no default menu
                return None
            raise
        return str(response.rich_menu_id)

    def menus(self) -> list[RichMenuInfo]:
        response = self._call(lambda: self._messaging.get_rich_menu_list(_request_timeout=self.timeout))
        return [RichMenuInfo(m.rich_menu_id, m.name, m.chat_bar_text, m.size.width, m.size.height, len(m.areas))
                for m in response.richmenus]

    def delete(self, rich_menu_id: str) -> None:
        self._call(lambda: self._messaging.delete_rich_menu(rich_menu_id, _request_timeout=self.timeout))
