"""The rich menu: the fake platform's rich-menu endpoints driven by the real SDK, `itabot richmenu deploy`
(image, areas, default, older menus deleted, Thai labels drawn), and the bot answering every tile."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob, RichMenuRequest
from linebot.v3.messaging.exceptions import ApiException
from PIL import Image

from bot.line.richmenu_api import RichMenuApi, RichMenuApiError
from bot.richmenu.image import ThaiFontError, find_thai_font, grid
from bot.richmenu.menu import HEIGHT, WIDTH, build_menu
from linesim import FakeLinePlatform
from tests.conftest import RunningBot
from tests.support.botcli import bind, run_cli
from tests.support.chat import say, send, tap
from tests.support.plans import load_plan, small_plan
from texts import chat, cli

TOKEN = "richmenu-test-token"
TIMEOUT = 5
NO_THAI_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
HEAD = "U" + "e" * 32
CITIZEN = "U" + "f" * 32


def menu_body(width: int = 2500, height: int = 843, **changes: Any) -> dict[str, Any]:
    body = {
        "size": {"width": width, "height": height},
        "selected": False,
        "name": "other team's menu",
        "chatBarText": "Tap here",
        "areas": [{"bounds": {"x": 0, "y": 0, "width": width, "height": height},
                   "action": {"type": "postback", "data": "a=1", "displayText": "กด"}}],
    }
    body.update(changes)
    return body


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def platform() -> Iterator[FakeLinePlatform]:
    with FakeLinePlatform(channel_secret="s", access_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def sdk(platform: FakeLinePlatform) -> Iterator[tuple[MessagingApi, MessagingApiBlob]]:
    with ApiClient(Configuration(host=platform.base_url, access_token=TOKEN)) as client:
        yield MessagingApi(client), MessagingApiBlob(client)


def create(api: MessagingApi, body: dict[str, Any]) -> str:
    return api.create_rich_menu(RichMenuRequest.from_dict(body), _request_timeout=TIMEOUT).rich_menu_id


def upload(blob: MessagingApiBlob, menu_id: str, data: bytes, content_type: str = "image/png") -> None:
    blob.set_rich_menu_image(menu_id, data, _headers={"Content-Type": content_type}, _request_timeout=TIMEOUT)


def raw_create(platform: FakeLinePlatform, body: Any) -> requests.Response:
    # Bodies the SDK's own models would refuse to build are sent as LINE would receive them.
    return requests.post(platform.base_url + "/v2/bot/richmenu", json=body, timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {TOKEN}"})


# ----- the fake platform's endpoints --------------------------------------------------------------
def test_a_menu_is_created_given_its_image_made_default_listed_and_deleted(
        platform: FakeLinePlatform, sdk: tuple[MessagingApi, MessagingApiBlob]) -> None:
    api, blob = sdk
    with pytest.raises(ApiException) as none:
        api.get_default_rich_menu_id(_request_timeout=TIMEOUT)
    assert none.value.status == 404
    menu_id = create(api, menu_body())
    assert menu_id.startswith("richmenu-")
    with pytest.raises(ApiException) as no_image:
        api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert no_image.value.status == 400  # LINE: upload the image before applying the menu
    image = png(2500, 843)
    upload(blob, menu_id, image)
    api.set_default_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert api.get_default_rich_menu_id(_request_timeout=TIMEOUT).rich_menu_id == menu_id
    assert bytes(blob.get_rich_menu_image(menu_id, _request_timeout=TIMEOUT)) == image
    [listed] = api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus
    assert (listed.rich_menu_id, listed.name, listed.chat_bar_text) == (menu_id, "other team's menu", "Tap here")
    assert listed.areas[0].action.data == "a=1"
    assert api.get_rich_menu(menu_id, _request_timeout=TIMEOUT).size.height == 843

    api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert api.get_rich_menu_list(_request_timeout=TIMEOUT).richmenus == []
    with pytest.raises(ApiException) as gone:
        api.get_default_rich_menu_id(_request_timeout=TIMEOUT)
    assert gone.value.status == 404  # deleting the default menu leaves none
    with pytest.raises(ApiException) as unknown:
        api.delete_rich_menu(menu_id, _request_timeout=TIMEOUT)
    assert unknown.value.status == 404
    paths = [(r["method"], r["path"]) for r in platform.requests_log()]
    assert ("POST", f"/v2/bot/richmenu/{menu_id}/content") in paths
    assert ("POST", f"/v2/bot/user/all/richmenu/{menu_id}") in paths


@pytest.mark.parametrize(("body", "prop"), [
    (menu_body(2500, 2000), "size"),  # width / height below 1.45
    (menu_body(2600, 843), "size.width"),
    (menu_body(chatBarText="เมนูหลักของเทศบาลตำบล"), "chatBarText"),  # over 14 characters
    (menu_body(name=""), "name"),
    (menu_body(areas=[]), "areas"),
    (menu_body(areas=[{"bounds": {"x": 0, "y": 0, "width": 2501, "height": 843},
                       "action": {"type": "message", "text": "x"}}]), "areas[0].bounds"),
    (menu_body(areas=[{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                       "action": {"type": "postback"}}]), "areas[0].action.data"),
    (menu_body(areas=[{"bounds": {"x": 0, "y": 0, "width": 10, "height": 10},
                       "action": {"type": "message", "text": "x"}}] * 21), "areas"),
    (menu_body(selected="yes"), "selected"),
])
def test_menus_line_would_refuse_are_refused_with_its_details(platform: FakeLinePlatform, body: dict[str, Any],
                                                              prop: str) -> None:
    response = raw_create(platform, body)
    assert response.status_code == 400
    assert prop in [d["property"] for d in response.json()["details"]]
    assert platform.state.richmenus.menus() == []


def test_images_must_be_png_or_jpeg_of_the_menu_size_under_1_mb_and_uploaded_once(
        sdk: tuple[MessagingApi, MessagingApiBlob]) -> None:
    api, blob = sdk
    menu_id = create(api, menu_body())
    for data, content_type, status in [
        (png(2500, 843), "image/gif", 415),
        (png(2500, 1686), "image/png", 400),  # not the menu's size
        (b"\x89PNG not really", "image/png", 400),
        (b"\x00" * (1024 * 1024 + 1), "image/png", 413),
    ]:
        with pytest.raises(ApiException) as refused:
            upload(blob, menu_id, data, content_type)
        assert refused.value.status == status, (content_type, refused.value.body)
    out = io.BytesIO()
    Image.new("RGB", (2500, 843), (200, 200, 200)).save(out, format="JPEG")
    upload(blob, menu_id, out.getvalue(), "image/jpeg")
    with pytest.raises(ApiException) as twice:
        upload(blob, menu_id, out.getvalue(), "image/jpeg")
    assert twice.value.status == 400
    with pytest.raises(ApiException) as unknown:
        upload(blob, "richmenu-" + "0" * 32, png(2500, 843))
    assert unknown.value.status == 404


# ----- drawing the menu ----------------------------------------------------------------------------
def _white_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    histogram = image.crop(box).convert("L").histogram()
    return sum(histogram[231:]) / sum(histogram)


def test_the_menu_image_has_four_coloured_tiles_with_thai_labels_drawn() -> None:
    built = build_menu()
    assert built.content_type == "image/png" and len(built.image) <= 1024 * 1024
    image = Image.open(io.BytesIO(built.image))
    assert image.size == (WIDTH, HEIGHT) == (2500, 1686)
    assert built.font.name.startswith("Sarabun")
    boxes = grid(WIDTH, HEIGHT, 2, 2)
    assert [a["bounds"] for a in built.menu["areas"]] == [
        {"x": b.x, "y": b.y, "width": b.width, "height": b.height} for b in boxes]
    for box in boxes:
        # The label band (under the icon) holds white Thai letters on the tile's colour ...
        label_band = (box.x + box.width // 10, box.y + int(box.height * 0.55),
                      box.x + box.width * 9 // 10, box.y + int(box.height * 0.73))
        assert 0.05 < _white_share(image, label_band) < 0.6
        # ... and a band with no text is plain colour.
        empty_band = (box.x + 20, box.y + int(box.height * 0.92), box.x + box.width // 6, box.y + box.height - 20)
        assert _white_share(image, empty_band) == 0


def test_labels_are_drawn_as_thai_letters_not_missing_glyph_boxes() -> None:
    from PIL import ImageDraw, ImageFont

    font_path = find_thai_font()
    font = ImageFont.truetype(str(font_path), 120)

    def drawn(text: str) -> bytes:
        canvas = Image.new("L", (1200, 200), 0)
        ImageDraw.Draw(canvas).text((10, 10), text, font=font, fill=255)
        return canvas.tobytes()

    assert drawn("รายงานผล") != drawn("ร้องเรียน")  # distinct glyphs, not one placeholder box each
    with pytest.raises(ThaiFontError) as refused:
        find_thai_font(NO_THAI_FONT)
    assert "ไม่มีตัวอักษรภาษาไทย" in str(refused.value)


# ----- itabot richmenu deploy ----------------------------------------------------------------------
def test_deploy_installs_the_menu_as_default_and_replaces_only_older_itabot_menus(bot: RunningBot,
                                                                                  tmp_path: Path) -> None:
    fake = bot.fake
    with ApiClient(Configuration(host=fake.base_url, access_token=fake.access_token)) as client:
        others = create(MessagingApi(client), menu_body())  # another tool's menu: left alone
    saved = tmp_path / "menu.png"
    first = run_cli(bot, "richmenu", "deploy", "--output", str(saved))
    for step in ("1/4", "2/4", "3/4", "4/4", "2500×1686", cli.CLI_RICHMENU_DONE):
        assert step in first, first
    store = fake.state.richmenus
    first_id = store.default_id()
    assert first_id is not None and first_id in first
    data, content_type = store.image(first_id)
    assert content_type == "image/png" and data == saved.read_bytes()
    menu = store.get(first_id)
    assert (menu["chatBarText"], menu["selected"], menu["size"]) == ("เมนู", True, {"width": 2500, "height": 1686})
    assert [a["action"] for a in menu["areas"]] == [
        {"type": "postback", "label": "รายงานผล", "data": "report:start", "displayText": "รายงานผล"},
        {"type": "postback", "label": "ร้องเรียน", "data": "complaint:start", "displayText": "ร้องเรียน"},
        {"type": "message", "label": "ติดตามเรื่อง", "text": "ติดตาม"},
        {"type": "message", "label": "ช่วยเหลือ", "text": "ช่วยเหลือ"},
    ]

    second = run_cli(bot, "richmenu", "deploy")
    assert "ลบเมนูเก่าของ itabot แล้ว 1 รายการ" in second
    second_id = store.default_id()
    assert second_id != first_id
    assert sorted(m["richMenuId"] for m in store.menus()) == sorted([others, second_id])


def test_a_failed_upload_leaves_the_current_menu_in_place_and_says_so_in_thai(bot: RunningBot) -> None:
    run_cli(bot, "richmenu", "deploy")
    store = bot.fake.state.richmenus
    current = store.default_id()
    bot.fake.inject_fault("/content", 500)
    output = run_cli(bot, "richmenu", "deploy", expect_exit=None)
    assert "ติดตั้งเมนูไม่สำเร็จ ขั้นตอนอัปโหลดภาพ" in output and "HTTP 500" in output
    assert store.default_id() == current
    assert [m["richMenuId"] for m in store.menus()] == [current]  # the half-made menu was deleted


def test_deploy_without_a_thai_font_stops_before_calling_line(bot: RunningBot) -> None:
    output = run_cli(bot, "richmenu", "deploy", "--font", str(NO_THAI_FONT), expect_exit=None)
    assert "ไม่มีตัวอักษรภาษาไทย" in output
    assert not [r for r in bot.fake.requests_log() if "richmenu" in r["path"]]


def test_dry_run_only_draws(bot: RunningBot, tmp_path: Path) -> None:
    saved = tmp_path / "menu.png"
    output = run_cli(bot, "richmenu", "deploy", "--dry-run", "--output", str(saved))
    assert cli.CLI_RICHMENU_DRY_RUN in output
    assert Image.open(saved).size == (2500, 1686)
    assert bot.fake.state.richmenus.menus() == []


def test_the_client_reports_line_errors_in_our_terms(platform: FakeLinePlatform) -> None:
    with RichMenuApi(TOKEN, platform.base_url, TIMEOUT) as api:
        assert api.default_id() is None
        with pytest.raises(RichMenuApiError) as refused:
            api.set_default("richmenu-" + "1" * 32)
        assert refused.value.status == 404
    with RichMenuApi("wrong-token", platform.base_url, TIMEOUT) as api, pytest.raises(RichMenuApiError) as denied:
        api.menus()
    assert denied.value.status == 401


# ----- every tile is answered ----------------------------------------------------------------------
def _area_event(bot: RunningBot, user: str, action: dict[str, Any]) -> dict[str, Any]:
    if action["type"] == "postback":
        return bot.fake.postback_event(user, action["data"])
    return bot.fake.text_event(user, action["text"])


def test_the_bot_answers_every_tile_of_the_deployed_menu(bot: RunningBot) -> None:
    run_cli(bot, "richmenu", "deploy")
    load_plan(bot.services.uow, bot.org_id, small_plan())
    bind(bot, HEAD, "head", "สำนักปลัด")
    store = bot.fake.state.richmenus
    actions = [a["action"] for a in store.get(store.default_id() or "")["areas"]]
    report, complaint, follow, help_ = (_area_event(bot, HEAD, a) for a in actions)

    assert send(bot, report)["type"] == "flex"  # the unit's measures
    # Mid-flow, the complaint tile starts its flow, as typing "ร้องเรียน" would.
    assert "เลือกรูปแบบ" in send(bot, complaint)["text"]
    assert chat.FLOW_SWITCHED["report"] in bot.texts_to(HEAD)
    say(bot, HEAD, "ยกเลิก")
    assert "ติดตามเรื่องร้องเรียน" in send(bot, follow)["text"]
    assert "คำสั่งที่ใช้ได้" in send(bot, help_)["text"]
    # A citizen tapping the report tile is told who reports, not ignored.
    assert chat.REPORT_NOT_A_HEAD in tap(bot, CITIZEN, "report:start")["text"]
