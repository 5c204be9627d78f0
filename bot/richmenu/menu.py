"""itabot's main rich menu: four tiles (report progress, file a complaint, follow a complaint, help), its
LINE object, and deploying it (create → upload the image → make it the default → delete older itabot menus).

Each tile's tap is what a person would type or press: `report:start` and `complaint:start` are the
postbacks the report and complaint flows start on; "ติดตาม" and "ช่วยเหลือ" are the words the follow-up and
help handlers answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.line.richmenu_api import RichMenuApi, RichMenuApiError
from bot.richmenu.image import Box, Tile, content_type_of, draw_menu, find_thai_font, grid
from texts import chat, cli

WIDTH, HEIGHT = 2500, 1686
COLUMNS, ROWS = 2, 2
NAME_PREFIX = chat.RICHMENU_NAME.split()[0]  # "itabot": how older menus of ours are recognised


@dataclass(frozen=True)
class MenuButton:
    label: str
    hint: str
    color: tuple[int, int, int]
    icon: str
    action: dict[str, Any]


def _postback(data: str, words: str, label: str) -> dict[str, Any]:
    return {"type": "postback", "label": label, "data": data, "displayText": words}


def _message(words: str, label: str) -> dict[str, Any]:
    return {"type": "message", "label": label, "text": words}


def menu_buttons() -> list[MenuButton]:
    report, complaint, follow, help_ = (chat.RICHMENU_REPORT, chat.RICHMENU_COMPLAINT, chat.RICHMENU_FOLLOW,
                                        chat.RICHMENU_HELP)
    return [
        MenuButton(report[0], report[1], (6, 148, 76), "report", _postback("report:start", report[2], report[0])),
        MenuButton(complaint[0], complaint[1], (200, 56, 48), "complaint",
                   _postback("complaint:start", complaint[2], complaint[0])),
        MenuButton(follow[0], follow[1], (28, 98, 180), "follow", _message(follow[2], follow[0])),
        MenuButton(help_[0], help_[1], (96, 104, 120), "help", _message(help_[2], help_[0])),
    ]


def _bounds(box: Box) -> dict[str, int]:
    return {"x": box.x, "y": box.y, "width": box.width, "height": box.height}


def menu_object(buttons: list[MenuButton], boxes: list[Box]) -> dict[str, Any]:
    """The rich menu object LINE takes (`POST /v2/bot/richmenu`)."""
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,  # shown open when the chat opens
        "name": chat.RICHMENU_NAME,
        "chatBarText": chat.RICHMENU_CHAT_BAR,
        "areas": [{"bounds": _bounds(box), "action": button.action}
                  for button, box in zip(buttons, boxes, strict=True)],
    }


@dataclass(frozen=True)
class BuiltMenu:
    menu: dict[str, Any]
    image: bytes
    content_type: str
    font: Path


def build_menu(font: Path | None = None) -> BuiltMenu:
    """Draw the image and make the object. Raises ThaiFontError (a Thai message) without a Thai font."""
    font_path = find_thai_font(font)
    buttons = menu_buttons()
    boxes = grid(WIDTH, HEIGHT, COLUMNS, ROWS)
    tiles = [Tile(b.label, b.hint, b.color, b.icon) for b in buttons]
    image = draw_menu(tiles, boxes, (WIDTH, HEIGHT), font_path)
    return BuiltMenu(menu_object(buttons, boxes), image, content_type_of(image), font_path)


class DeployError(RuntimeError):
    def __init__(self, step: str, cause: RichMenuApiError) -> None:
        super().__init__(f"{step}: {cause}")
        self.step = step
        self.cause = cause


@dataclass(frozen=True)
class Deployed:
    rich_menu_id: str
    deleted: list[str]


def deploy(api: RichMenuApi, built: BuiltMenu, progress: Callable[[str], None] = lambda _: None) -> Deployed:
    """Register the menu, upload its image, make it everyone's default, then delete older itabot menus
    (in that order, so people always have a menu). A menu left half made by a failure is deleted."""
    step = "list"
    try:
        older = [m.rich_menu_id for m in api.menus() if m.name.split()[:1] == [NAME_PREFIX]]
        step = "create"
        menu_id = api.create(built.menu)
    except RichMenuApiError as exc:
        raise DeployError(step, exc) from exc
    progress(cli.CLI_RICHMENU_CREATED.format(id=menu_id))
    try:
        step = "upload"
        api.upload_image(menu_id, built.image, built.content_type)
        progress(cli.CLI_RICHMENU_UPLOADED)
        step = "default"
        api.set_default(menu_id)
        progress(cli.CLI_RICHMENU_DEFAULT)
    except RichMenuApiError as exc:
        with contextlib.suppress(RichMenuApiError):  # the error that matters is the first one
            api.delete(menu_id)
        raise DeployError(step, exc) from exc
    step = "delete"
    deleted = []
    try:
        for old in older:
            api.delete(old)
            deleted.append(old)
    except RichMenuApiError as exc:
        raise DeployError(step, exc) from exc
    progress(cli.CLI_RICHMENU_DELETED_OLD.format(count=len(deleted)))
    return Deployed(menu_id, deleted)
