"""Small talk is recognised as a whole message only: what asks for something is not small talk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.small_talk import SmallTalk, small_talk


@pytest.mark.parametrize(("text", "expected"), [
    ("สวัสดี", SmallTalk.GREETING), ("สวัสดีครับ", SmallTalk.GREETING), ("หวัดดีค่ะ!", SmallTalk.GREETING),
    ("สวัสดีตอนเช้าค่ะ", SmallTalk.GREETING), ("Hello", SmallTalk.GREETING), ("hi", SmallTalk.GREETING),
    ("ขอบคุณครับ", SmallTalk.THANKS), ("ขอบคุณมากๆค่ะ", SmallTalk.THANKS), ("Thank you!", SmallTalk.THANKS),
    ("รับทราบครับ", SmallTalk.THANKS), ("thx", SmallTalk.THANKS),
    ("👍", SmallTalk.EMOJI), ("😊😊😊", SmallTalk.EMOJI), ("🙏🏻", SmallTalk.EMOJI), ("👨‍👩‍👧", SmallTalk.EMOJI),
    ("How do I file a complaint?", SmallTalk.ENGLISH), ("good evening", SmallTalk.ENGLISH),
    ("", None), ("   ", None), ("ร้องเรียน", None), ("ติดตาม ร-AB12-CD 123456", None),
    ("สวัสดีครับ อยากร้องเรียนเรื่องถนนพังหน้าบ้านมาหลายเดือนแล้ว", None), ("100%", None), ("?", None),
    ("ITA-ABCD-EFGH", None), ("ขอบคุณ" * 10, None),
])
def test_small_talk(text: str, expected: SmallTalk | None) -> None:
    assert small_talk(text) == expected


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    assert small_talk(text) is None or isinstance(small_talk(text), SmallTalk)
