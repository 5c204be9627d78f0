"""LINE-shaped API errors: an HTTP status plus a JSON body `{"message": ..., "details": [...]}`."""

from __future__ import annotations

from typing import Any

INVALID_REPLY_TOKEN = "Invalid reply token"
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
MONTHLY_LIMIT = "You have reached your monthly limit."
RATE_LIMIT = "The API rate limit has been exceeded. Try again later."
INTERNAL_ERROR = "Internal server error"
AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."


class ApiError(Exception):
    """Raised by the platform rules; the server turns it into an HTTP response."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('message', '')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def error_body(message: str, details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return body


def bad_request(details: list[dict[str, str]]) -> ApiError:
    return ApiError(400, error_body(f"The request body has {len(details)} error(s)", details))


def default_fault_body(status: int) -> dict[str, Any]:
    if status == 429:
        return {"message": RATE_LIMIT}
    if status == 401:
        return {"message": AUTH_FAILED}
    if status >= 500:
        return {"message": INTERNAL_ERROR}
    return {"message": "Injected fault"}
