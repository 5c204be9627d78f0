"""What the chat simulator page (`GET /`) reads besides the thread: its own files, the Thai web font, the
content people sent (pictures shown in the thread), the default rich menu and its image, and a summary of
every persona's thread (unread counts on the chat list)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from bot.fonts import CACHE_CONTROL, CONTENT_TYPE, web_font

from .errors import ApiError
from .wsgi_util import json_response

if TYPE_CHECKING:
    from .fake_platform import FakeLinePlatform

PAGE = "chat_page.html"
STATIC_FILES = {  # the page's own files: nothing else in the package is served
    "chat_page.css": "text/css; charset=utf-8",
    "chat_page.js": "text/javascript; charset=utf-8",
    "flex_render.js": "text/javascript; charset=utf-8",
}

RULES = [
    Rule("/", methods=["GET"], endpoint="page"),
    Rule("/_fake/static/<name>", methods=["GET"], endpoint="static"),
    Rule("/_fake/fonts/<name>", methods=["GET"], endpoint="font"),
    Rule("/_fake/content/<message_id>", methods=["GET"], endpoint="content"),
    Rule("/_fake/richmenu", methods=["GET"], endpoint="richmenu"),
    Rule("/_fake/richmenu/<menu_id>/image", methods=["GET"], endpoint="richmenu_image"),
    Rule("/_fake/threads", methods=["GET"], endpoint="threads"),
]


def _not_found() -> Response:
    return json_response(404, {"error": "not found"})


def _page(platform: FakeLinePlatform, request: Request) -> Response:
    html = resources.files(__package__).joinpath(PAGE).read_text(encoding="utf-8")
    return Response(html, content_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"})


def _static(platform: FakeLinePlatform, request: Request, name: str) -> Response:
    content_type = STATIC_FILES.get(name)
    if content_type is None:
        return _not_found()
    body = resources.files(__package__).joinpath(name).read_bytes()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})


def _font(platform: FakeLinePlatform, request: Request, name: str) -> Response:
    body = web_font(name)
    if body is None:
        return _not_found()  # the page falls back to the system's Thai fonts
    return Response(body, content_type=CONTENT_TYPE, headers={"Cache-Control": CACHE_CONTROL})


def _content(platform: FakeLinePlatform, request: Request, message_id: str) -> Response:
    content = platform.state.content(message_id)
    if content is None or content.status != 200:
        return _not_found()
    return Response(content.data, content_type=content.content_type)


def _richmenu(platform: FakeLinePlatform, request: Request) -> Response:
    menu = platform.state.richmenus.default_menu()
    if menu is not None:
        menu["imageUrl"] = f"/_fake/richmenu/{menu['richMenuId']}/image"
    return json_response(200, {"richmenu": menu})


def _richmenu_image(platform: FakeLinePlatform, request: Request, menu_id: str) -> Response:
    try:
        data, content_type = platform.state.richmenus.image(menu_id)
    except ApiError:
        return _not_found()
    return Response(data, content_type=content_type)


def _threads(platform: FakeLinePlatform, request: Request) -> Response:
    return json_response(200, {"threads": platform.state.thread_summaries()})


HANDLERS: dict[str, Callable[..., Response]] = {
    "page": _page,
    "static": _static,
    "font": _font,
    "content": _content,
    "richmenu": _richmenu,
    "richmenu_image": _richmenu_image,
    "threads": _threads,
}
