"""Rich menus as the Messaging API keeps them: objects checked as LINE checks them, one image each, a default.

Rich menus are configuration, like the access token: `reset()` of the platform keeps them.
"""

from __future__ import annotations

import copy
import io
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from . import errors, validation
from .errors import ApiError

MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT, MIN_RATIO = 800, 2500, 250, 1.45
MAX_AREAS = 20
MAX_NAME = 300
MAX_CHAT_BAR_TEXT = 14
MAX_ACTION_TEXT = 300
MAX_IMAGE_BYTES = 1024 * 1024
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
AREA_ACTIONS = frozenset({"postback", "message", "uri", "datetimepicker", "richmenuswitch", "camera",
                          "cameraRoll", "location", "clipboard"})
NO_DEFAULT = "no default richmenu"
IMAGE_ALREADY_UPLOADED = "An image has already been uploaded to the richmenu"
IMAGE_REQUIRED = "must upload richmenu image before applying it to user"

Details = list[dict[str, str]]


@dataclass
class StoredMenu:
    body: dict[str, Any]  # as the bot sent it, plus richMenuId
    image: bytes | None = None
    content_type: str | None = None


def new_rich_menu_id() -> str:
    return "richmenu-" + secrets.token_hex(16)


def _detail(message: str, prop: str) -> dict[str, str]:
    return {"message": message, "property": prop}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_size(size: Any) -> Details:
    if not isinstance(size, dict) or not _is_int(size.get("width")) or not _is_int(size.get("height")):
        return [_detail("Must be an object with integer width and height", "size")]
    width, height = size["width"], size["height"]
    details: Details = []
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        details.append(_detail(f"Must be between {MIN_WIDTH} and {MAX_WIDTH}", "size.width"))
    if height < MIN_HEIGHT:
        details.append(_detail(f"Must be {MIN_HEIGHT} or more", "size.height"))
    if height > 0 and width / height < MIN_RATIO:
        details.append(_detail(f"The aspect ratio (width / height) must be {MIN_RATIO} or more", "size"))
    return details


def _check_text(value: Any, limit: int, prop: str) -> Details:
    if not isinstance(value, str) or not value:
        return [_detail("May not be empty", prop)]
    if validation.utf16_length(value) > limit:
        return [_detail(f"Length must be between 0 and {limit}", prop)]
    return []


def _check_action(action: Any, prop: str) -> Details:
    if not isinstance(action, dict) or action.get("type") not in AREA_ACTIONS:
        return [_detail("Must be a supported action object", f"{prop}.type")]
    kind = action["type"]
    details: Details = []
    label = action.get("label")
    if label is not None and (not isinstance(label, str) or validation.utf16_length(label) > 20):
        details.append(_detail("Length must be between 0 and 20", f"{prop}.label"))
    if kind == "postback":
        details += _check_text(action.get("data"), MAX_ACTION_TEXT, f"{prop}.data")
        for key in ("displayText", "text"):
            if key in action:
                details += _check_text(action[key], MAX_ACTION_TEXT, f"{prop}.{key}")
    elif kind == "message":
        details += _check_text(action.get("text"), MAX_ACTION_TEXT, f"{prop}.text")
    elif kind == "uri":
        details += _check_text(action.get("uri"), 1000, f"{prop}.uri")
    elif kind == "richmenuswitch":
        details += _check_text(action.get("richMenuAliasId"), 32, f"{prop}.richMenuAliasId")
        details += _check_text(action.get("data"), MAX_ACTION_TEXT, f"{prop}.data")
    return details


def _check_areas(areas: Any, size: dict[str, Any]) -> Details:
    if not isinstance(areas, list) or not 1 <= len(areas) <= MAX_AREAS:
        return [_detail(f"Size must be between 1 and {MAX_AREAS}", "areas")]
    details: Details = []
    for i, area in enumerate(areas):
        prop = f"areas[{i}]"
        bounds = area.get("bounds") if isinstance(area, dict) else None
        keys = ("x", "y", "width", "height")
        if not isinstance(bounds, dict) or not all(_is_int(bounds.get(k)) and bounds[k] >= 0 for k in keys):
            details.append(_detail("Must have non-negative integer x, y, width and height", f"{prop}.bounds"))
        elif bounds["width"] == 0 or bounds["height"] == 0:
            details.append(_detail("Width and height must be 1 or more", f"{prop}.bounds"))
        elif bounds["x"] + bounds["width"] > size["width"] or bounds["y"] + bounds["height"] > size["height"]:
            details.append(_detail("The area must be within the rich menu", f"{prop}.bounds"))
        action = area.get("action") if isinstance(area, dict) else None
        details += _check_action(action, f"{prop}.action")
    return details


def check_rich_menu(body: Any) -> Details:
    """LINE's checks of a rich menu object, with LINE's error details."""
    if not isinstance(body, dict):
        return [_detail("Must be a JSON object", "")]
    details = _check_size(body.get("size"))
    if not isinstance(body.get("selected"), bool):
        details.append(_detail("Must be true or false", "selected"))
    details += _check_text(body.get("name"), MAX_NAME, "name")
    details += _check_text(body.get("chatBarText"), MAX_CHAT_BAR_TEXT, "chatBarText")
    if not details:  # the areas are checked against a valid size
        details += _check_areas(body.get("areas"), body["size"])
    return details


def _image_size(data: bytes, expected_format: str) -> tuple[int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected_format:
                raise ApiError(400, {"message": "The image does not match its Content-Type"})
            return image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ApiError(400, {"message": "The image could not be read"}) from exc


class RichMenuStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._menus: dict[str, StoredMenu] = {}
        self._default: str | None = None

    def create(self, body: Any) -> str:
        details = check_rich_menu(body)
        if details:
            raise errors.bad_request(details)
        menu_id = new_rich_menu_id()
        stored = {"richMenuId": menu_id, **copy.deepcopy(body)}
        with self._lock:
            self._menus[menu_id] = StoredMenu(stored)
        return menu_id

    def _menu(self, menu_id: str) -> StoredMenu:
        menu = self._menus.get(menu_id)
        if menu is None:
            raise ApiError(404, {"message": "Not found"})
        return menu

    def set_image(self, menu_id: str, data: bytes, content_type: str) -> None:
        kind = content_type.split(";")[0].strip().lower()
        if kind not in IMAGE_TYPES:
            raise ApiError(415, {"message": "The Content-Type must be image/jpeg or image/png"})
        if len(data) > MAX_IMAGE_BYTES:
            raise ApiError(413, {"message": "Request Entity Too Large"})
        with self._lock:
            menu = self._menu(menu_id)
            size = (menu.body["size"]["width"], menu.body["size"]["height"])
        if _image_size(data, IMAGE_TYPES[kind]) != size:
            raise ApiError(400, {"message": f"The image size must be {size[0]}x{size[1]}, as the rich menu"})
        with self._lock:
            menu = self._menu(menu_id)
            if menu.image is not None:
                raise ApiError(400, {"message": IMAGE_ALREADY_UPLOADED})
            menu.image, menu.content_type = bytes(data), kind

    def image(self, menu_id: str) -> tuple[bytes, str]:
        with self._lock:
            menu = self._menu(menu_id)
            if menu.image is None or menu.content_type is None:
                raise ApiError(404, {"message": "Not found"})
            return menu.image, menu.content_type

    def get(self, menu_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._menu(menu_id).body)

    def menus(self) -> list[dict[str, Any]]:
        with self._lock:
            return [copy.deepcopy(menu.body) for menu in self._menus.values()]

    def delete(self, menu_id: str) -> None:
        with self._lock:
            self._menu(menu_id)
            del self._menus[menu_id]
            if self._default == menu_id:
                self._default = None

    def set_default(self, menu_id: str) -> None:
        with self._lock:
            if self._menu(menu_id).image is None:
                raise ApiError(400, {"message": IMAGE_REQUIRED})
            self._default = menu_id

    def default_id(self) -> str | None:
        with self._lock:
            return self._default

    def cancel_default(self) -> None:
        with self._lock:
            self._default = None

    def default_menu(self) -> dict[str, Any] | None:
        """The default menu (with an image), for the chat page."""
        with self._lock:
            if self._default is None:
                return None
            return copy.deepcopy(self._menus[self._default].body)
