"""The digit policy (domain.digits, issue #15 item 9): one formatting module, one style per surface, never
two styles in one message, page or document; links, postback data and form values untouched."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from domain.digits import (
    ARABIC,
    THAI,
    DigitPolicy,
    DigitStyle,
    Numerals,
    Surface,
    localise_html,
    localise_message,
    parse_style,
)
from domain.fiscal import parse_period

ARABIC_DIGIT = re.compile("[0-9]")
THAI_DIGIT = re.compile("[๐-๙]")
STYLES = [DigitStyle.THAI, DigitStyle.ARABIC]


def other_digits(style: DigitStyle) -> re.Pattern[str]:
    """The digits a text in `style` must not contain."""
    return ARABIC_DIGIT if style is DigitStyle.THAI else THAI_DIGIT


def test_dates_times_numbers_in_each_style() -> None:
    moment = datetime(2026, 12, 7, 4, 23, 9)
    assert ARABIC.date(date(2027, 4, 7)) == "7 เม.ย. 2570"
    assert THAI.date(date(2027, 4, 7)) == "๗ เม.ย. ๒๕๗๐"
    assert THAI.date(date(2024, 3, 15), short=False) == "๑๕ มีนาคม ๒๕๖๗"
    assert ARABIC.date_time(moment) == "7 ธ.ค. 2569 04:23"
    assert THAI.date_time(moment, seconds=True) == "๗ ธ.ค. ๒๕๖๙ ๐๔:๒๓:๐๙"
    assert THAI.number(1234) == "๑,๒๓๔" and ARABIC.number(1234) == "1,234"
    assert THAI.percent(50) == "๕๐%" and ARABIC.percent(12.5) == "12.5%"
    assert THAI.measure(4) == "ม.๔" and ARABIC.measure(4) == "ม.4"
    assert THAI.period(date(2026, 10, 1), date(2026, 12, 31)) == "๑ ต.ค. ๒๕๖๙ – ๓๑ ธ.ค. ๒๕๖๙"


@pytest.mark.parametrize("style", STYLES)
def test_a_composed_text_gets_one_style_but_links_stay(style: DigitStyle) -> None:
    mixed = "ปีงบประมาณ 2570 · กำหนดส่ง ๗ เม.ย. ๒๕๗๐ ม.1 ๑ ต.ค. ดู https://x.example/r/2570?round=6 หรือ a1@b2.th"
    out = Numerals(style).text(mixed)
    outside = out.replace("https://x.example/r/2570?round=6", "").replace("a1@b2.th", "")
    assert not other_digits(style).search(outside)
    assert "https://x.example/r/2570?round=6" in out and "a1@b2.th" in out


@pytest.mark.parametrize("style", STYLES)
def test_a_chat_message_reads_in_one_style_and_sends_back_what_was_composed(style: DigitStyle) -> None:
    flex = {"type": "flex", "altText": "สรุป 3/65", "contents": {"type": "bubble", "body": {
        "type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "ปีงบประมาณ 2570 · กำหนดส่ง ๗ เม.ย. ๒๕๗๐"},
            {"type": "text", "contents": [{"type": "span", "text": "ม.1 ๑ ต.ค."}]},
            {"type": "button", "action": {"type": "postback", "label": "ม.4 (50%)", "data": "m=4&v=2",
                                          "displayText": "ม.4"}},
            {"type": "button", "action": {"type": "uri", "label": "รายงาน 6 เดือน",
                                          "uri": "https://x.example/r/2570/6"}}]}}}
    text = {"type": "text", "text": "รายงาน 2 ฉบับ ๓ หน่วยงาน", "quickReply": {"items": [
        {"type": "action", "action": {"type": "message", "label": "ม.12", "text": "รายงาน ม.12"}}]}}
    out = localise_message([flex, text], Numerals(style))
    read = [out[0]["altText"], *(c.get("text") or c["contents"][0]["text"] for c in
                                 out[0]["contents"]["body"]["contents"][:2]),
            *(c["action"]["label"] for c in out[0]["contents"]["body"]["contents"][2:]),
            out[1]["text"], out[1]["quickReply"]["items"][0]["action"]["label"]]
    assert all(not other_digits(style).search(r) for r in read), read
    postback = out[0]["contents"]["body"]["contents"][2]["action"]
    assert postback["data"] == "m=4&v=2" and postback["displayText"] == "ม.4"
    assert out[0]["contents"]["body"]["contents"][3]["action"]["uri"] == "https://x.example/r/2570/6"
    assert out[1]["quickReply"]["items"][0]["action"]["text"] == "รายงาน ม.12"


@pytest.mark.parametrize("style", STYLES)
def test_an_html_page_reads_in_one_style_and_keeps_markup_and_form_values(style: DigitStyle) -> None:
    page = ('<html><head><style>td { width: 22%; }</style></head><body><h1>ปี 2570 &#39;๗&#39;</h1>'
            '<a href="/public/x/progress/2570?round=6">รอบ 6 เดือน</a><input name="due_days" value="7">'
            '<textarea>ข้อ 1</textarea><td data-label="ม.1">50%</td></body></html>')
    out = localise_html(page, Numerals(style))
    text = re.sub(r"<style>.*?</style>|<textarea>.*?</textarea>|<[^>]*>|&#39;", "", out)
    assert not other_digits(style).search(text)
    for kept in ('href="/public/x/progress/2570?round=6"', 'value="7"', "<textarea>ข้อ 1</textarea>",
                 "width: 22%", "&#39;", 'data-label="ม.1"'):
        assert kept in out


def test_policy_defaults_and_changes() -> None:
    policy = DigitPolicy()
    assert [policy.style(s) for s in Surface] == [DigitStyle.ARABIC, DigitStyle.ARABIC, DigitStyle.THAI]
    changed = policy.changed({Surface.CHAT: DigitStyle.THAI})
    assert changed.chat is DigitStyle.THAI and changed.documents is DigitStyle.THAI
    assert changed.numerals(Surface.CONSOLE) == ARABIC
    assert parse_style(" Thai ") is DigitStyle.THAI and parse_style("เลขอารบิก") is DigitStyle.ARABIC
    with pytest.raises(ValueError):
        parse_style("roman")


@pytest.mark.parametrize("style", STYLES)
def test_dates_in_either_style_read_back_as_that_day(style: DigitStyle) -> None:
    for day in (date(2026, 10, 1), date(2027, 2, 28), date(2027, 9, 30)):
        assert parse_period(Numerals(style).date(day), 2570) == (day, day)
