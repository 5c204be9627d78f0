"""Small talk people send a chatbot outside any task: greetings, thanks, emoji, English. Recognised so that
the bot answers politely and shows what it can do, instead of "not understood"."""

from __future__ import annotations

import enum
import re
import unicodedata

from domain.thai_text import squeeze


class SmallTalk(enum.StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    EMOJI = "emoji"
    ENGLISH = "english"


# Written without spaces, lower case; polite particles are taken off before looking up.
GREETINGS = frozenset({
    "สวัสดี", "หวัดดี", "ดีจ้า", "ดีค่ะ", "ดีครับ", "สวัสดีตอนเช้า", "อรุณสวัสดิ์", "hello", "hi", "hey",
    "goodmorning", "helo", "hallo", "sawasdee",
})
THANKS = frozenset({
    "ขอบคุณ", "ขอบคุณมาก", "ขอบคุณมากๆ", "ขอบใจ", "ขอบพระคุณ", "ขอบคุณที่ช่วย", "thank", "thanks", "thankyou",
    "thx", "ty", "ok", "โอเค", "รับทราบ", "ทราบแล้ว", "ได้เลย", "เข้าใจแล้ว",
})
PARTICLES = ("ครับผม", "ครับ", "คับ", "ค่ะ", "คะ", "ค่า", "จ้า", "จ้ะ", "นะคะ", "นะครับ", "นะ", "จ้ะ", "ค้าบ",
             "มากครับ", "มากค่ะ")
_TRAILING = re.compile(r"[\s!.~,?ๆ]+$")
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z\s'.,!?-]*")


def _bare(text: str) -> str:
    key = _TRAILING.sub("", squeeze(text).lower())
    for _ in range(2):
        particle = next((p for p in PARTICLES if key.endswith(p) and len(key) > len(p)), None)
        if particle is None:
            break
        key = _TRAILING.sub("", key[: -len(particle)])
    return key


def _is_symbolic(char: str) -> bool:
    """Emoji, pictographs, their joiners and variation selectors, punctuation."""
    category = unicodedata.category(char)
    return category in ("So", "Sk", "Sm", "Cf", "Mn", "Po", "Zs") or char in "\ufe0f\u200d"


def small_talk(text: str) -> SmallTalk | None:
    """Which kind of small talk a whole message is, or None when it is something else."""
    stripped = text.strip()
    if not stripped or len(stripped) > 200:
        return None
    key = _bare(stripped)
    if key in GREETINGS or any(key.startswith(g) and len(key) - len(g) <= 6 for g in ("สวัสดี", "หวัดดี")):
        return SmallTalk.GREETING
    if key in THANKS or (key.startswith(("ขอบคุณ", "ขอบพระคุณ")) and len(key) <= 24):
        return SmallTalk.THANKS
    if all(_is_symbolic(c) for c in stripped) and any(unicodedata.category(c) == "So" for c in stripped):
        return SmallTalk.EMOJI
    if _ENGLISH.fullmatch(stripped) and re.search(r"[a-z]{2}", stripped):  # words, not a code ("ITA-ABCD")
        return SmallTalk.ENGLISH
    return None
