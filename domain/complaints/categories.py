"""Complaint types and categories, and a category suggestion from the complaint's words.

The suggestion is a hint for the complainant or the screening officer to confirm, never a decision."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from domain.thai_text import to_arabic_digits

if TYPE_CHECKING:
    from pythainlp.util import Trie


class ComplaintType(StrEnum):
    CORRUPTION = "corruption"  # ทุจริตและประพฤติมิชอบ
    GRIEVANCE = "grievance"  # เรื่องราวร้องทุกข์ทั่วไป


class Category(StrEnum):
    BRIBERY = "bribery"
    PROCUREMENT = "procurement"
    STATE_PROPERTY = "state_property"
    ABUSE_OF_POWER = "abuse_of_power"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    OTHER_CORRUPTION = "other_corruption"
    GRIEVANCE = "grievance"


CATEGORY_NAMES_TH: dict[Category, str] = {
    Category.BRIBERY: "เรียกรับสินบน",
    Category.PROCUREMENT: "การจัดซื้อจัดจ้าง",
    Category.STATE_PROPERTY: "การใช้ทรัพย์สินของราชการ",
    Category.ABUSE_OF_POWER: "การใช้อำนาจโดยมิชอบ/เลือกปฏิบัติ",
    Category.CONFLICT_OF_INTEREST: "ผลประโยชน์ทับซ้อน",
    Category.OTHER_CORRUPTION: "อื่น ๆ",
    Category.GRIEVANCE: "เรื่องร้องทุกข์ทั่วไป",
}


def category_type(category: Category) -> ComplaintType:
    return ComplaintType.GRIEVANCE if category is Category.GRIEVANCE else ComplaintType.CORRUPTION


# Words that point to a category, with a weight: 3 names the wrongdoing itself, 2 is strong context, 1 is
# weak context. OTHER_CORRUPTION holds the generic words ("ทุจริต"), so a specific word wins over them.
LEXICON: Mapping[Category, Mapping[str, int]] = MappingProxyType({
    Category.BRIBERY: MappingProxyType({
        "สินบน": 3, "ติดสินบน": 3, "เงินใต้โต๊ะ": 3, "ใต้โต๊ะ": 2, "ค่าน้ำร้อนน้ำชา": 3, "เรียกเงิน": 2,
        "เรียกรับเงิน": 3, "เรียกรับ": 2, "ส่วย": 3, "เก็บส่วย": 3, "ค่าหัวคิว": 2, "หักหัวคิว": 3,
        "ค่าอำนวยความสะดวก": 2, "ค่าดำเนินการพิเศษ": 2, "เงินพิเศษ": 1, "จ่ายเงินเพิ่ม": 1, "ค่าวิ่งเต้น": 3,
        "วิ่งเต้น": 2, "ซื้อตำแหน่ง": 3,
    }),
    Category.PROCUREMENT: MappingProxyType({
        "ฮั้ว": 3, "ฮั้วประมูล": 3, "ประมูล": 2, "จัดซื้อจัดจ้าง": 3, "จัดซื้อ": 2, "จัดจ้าง": 2,
        "ล็อกสเปก": 3, "ล็อกสเปค": 3, "ล็อคสเปก": 3, "ล็อคสเปค": 3, "สมยอมราคา": 3, "เอื้อผู้รับเหมา": 3,
        "ผู้รับเหมา": 1, "ผู้รับจ้าง": 1, "ราคากลาง": 2, "แบ่งซื้อแบ่งจ้าง": 3, "แบ่งซื้อ": 2, "เงินทอน": 2,
        "ตรวจรับงาน": 2, "ตรวจรับ": 1, "สัญญาจ้าง": 2, "e-bidding": 2, "ทิ้งงาน": 1, "ก่อสร้าง": 1,
        "ไม่ตรงตามแบบ": 2, "งานไม่ได้มาตรฐาน": 1,
    }),
    Category.STATE_PROPERTY: MappingProxyType({
        "รถหลวง": 3, "รถราชการ": 3, "รถส่วนกลาง": 2, "ทรัพย์สินของราชการ": 3, "ทรัพย์สินราชการ": 3,
        "ทรัพย์สินของทางราชการ": 3, "เอาของหลวงไปใช้": 3, "ของหลวง": 2, "น้ำมันหลวง": 3, "เบิกน้ำมัน": 2,
        "ครุภัณฑ์": 2, "เครื่องจักรกล": 1, "ใช้ส่วนตัว": 2, "ไปใช้ส่วนตัว": 2, "ประโยชน์ส่วนตัว": 1,
        "เอากลับบ้าน": 2, "วัสดุสำนักงาน": 1,
    }),
    Category.ABUSE_OF_POWER: MappingProxyType({
        "เลือกปฏิบัติ": 3, "ใช้อำนาจ": 2, "ใช้อำนาจโดยมิชอบ": 3, "ใช้อำนาจหน้าที่": 2, "ข่มขู่": 2,
        "ขู่": 1, "กลั่นแกล้ง": 3, "ละเว้นการปฏิบัติหน้าที่": 3, "ละเว้น": 2, "ไม่ปฏิบัติหน้าที่": 2,
        "ลำเอียง": 2, "สองมาตรฐาน": 2, "ไม่เป็นธรรม": 1, "สั่งย้าย": 2, "สอบไม่เป็นธรรม": 2,
        "บีบบังคับ": 2, "คุกคาม": 2, "อิทธิพล": 1,
    }),
    Category.CONFLICT_OF_INTEREST: MappingProxyType({
        "ผลประโยชน์ทับซ้อน": 3, "ขัดกันแห่งผลประโยชน์": 3, "ญาติ": 2, "ญาติพี่น้อง": 2, "เครือญาติ": 2,
        "พวกพ้อง": 2, "พรรคพวก": 2, "เส้นสาย": 2, "เด็กเส้น": 2, "ระบบอุปถัมภ์": 2, "คนใกล้ชิด": 2,
        "บริษัทของ": 2, "ร้านของ": 2, "หจก.ของ": 2, "หุ้นส่วน": 2, "ถือหุ้น": 2, "ภรรยา": 1, "สามี": 1,
        "ลูกชาย": 1, "ลูกสาว": 1, "ลูกเขย": 1, "น้องชาย": 1,
    }),
    Category.OTHER_CORRUPTION: MappingProxyType({
        "ทุจริต": 1, "โกง": 1, "โกงเงิน": 2, "คอร์รัปชัน": 1, "คอร์รัปชั่น": 1, "คอรัปชั่น": 1,
        "ประพฤติมิชอบ": 1, "ไม่โปร่งใส": 1, "ยักยอก": 2, "เบียดบัง": 2, "ปลอมเอกสาร": 2,
        "ปลอมแปลงเอกสาร": 2, "ปลอมลายมือชื่อ": 2, "เบิกเงินเกิน": 2, "เบิกจ่ายเท็จ": 2, "ลงเวลาแทน": 2,
        "พนักงานผี": 2, "ค่าล่วงเวลา": 1,
    }),
    Category.GRIEVANCE: MappingProxyType({
        "ถนนชำรุด": 3, "ถนนพัง": 3, "ถนนเป็นหลุม": 3, "หลุมบ่อ": 2, "ไฟฟ้าดับ": 3, "ไฟดับ": 2,
        "ไฟถนน": 2, "ไฟส่องสว่าง": 2, "ขยะ": 2, "ไม่เก็บขยะ": 3, "เผาขยะ": 2, "น้ำท่วม": 3,
        "น้ำท่วมขัง": 3, "ท่อระบายน้ำ": 2, "ท่ออุดตัน": 2, "น้ำประปา": 2, "ประปาไม่ไหล": 3,
        "น้ำไม่ไหล": 3, "เสียงดัง": 2, "กลิ่นเหม็น": 2, "เหตุรำคาญ": 2, "สุนัขจรจัด": 2, "หมาจรจัด": 2,
        "ยุง": 1, "ฝุ่น": 1, "ควัน": 1, "ต้นไม้ล้ม": 2, "ทางเท้า": 1, "จอดรถกีดขวาง": 2,
        "บริการล่าช้า": 2, "พูดจาไม่สุภาพ": 2, "สายไฟ": 1,
    }),
})

# Dictionary words that hold a lexicon word but mean something else ("อายุงาน" holds "ยุง", "ญาติโยม" are
# temple-goers, "น้ำท่วมปาก" is keeping quiet): they tokenize whole and never count.
FALSE_FRIENDS: frozenset[str] = frozenset({
    "ฮั้วเคี้ยวป่อเต็กเซี่ยงตึ๊ง", "ญาติธรรม", "ญาติโยม", "ญาติดี", "ญาติดีกัน", "น้ำท่วมปาก",
    "น้ำท่วมทุ่งผักบุ้งโหรงเหรง", "ขยะแขยง", "น่าขยะแขยง", "เขยอะขยะ", "เลขยะ", "สัขยะ", "โกงกาง", "ควันหลง",
    "ทันทีทันควัน", "เทควันโด", "ภควันต์", "อายุงาน", "พยุง", "พยุงปีก", "พยุพยุง", "พะยุพยุง",
    "ยุ่งเหมือนยุงตีกัน", "น้ำไหลไฟดับ", "พูดเป็นน้ำไหลไฟดับ", "ตกน้ำไม่ไหลตกไฟไม่ไหม้", "ของใช้ส่วนตัว",
    "ห้างหุ้นส่วน", "ห้างหุ้นส่วนจำกัด", "ห้างหุ้นส่วนสามัญ", "ผู้ใช้อำนาจปกครอง", "ไข่ลูกเขย",
    "ลูกเขยตายแม่ยายทำศพ", "ไพร่ส่วย", "ไพร่หลวงส่วย", "ร่องส่วย", "สามีจิกรรม", "ธรรมสามี",
})

_PRIORITY = {category: rank for rank, category in enumerate(Category)}


_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_REPEATED_MARK = re.compile(r"([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\1+")
_SPACES = re.compile(r"\s+")


def _prepare(text: str) -> str:
    """A light, fast normalisation for matching (domain.thai_text.normalise costs more than the
    tokenizer): no invisible characters, "เเ" as "แ", "ํา" as "ำ", no doubled marks, single spaces,
    Arabic digits, lower case."""
    text = _INVISIBLE.sub("", text).replace("เเ", "แ").replace("\u0e4d\u0e32", "\u0e33")
    text = _REPEATED_MARK.sub(r"\1", text)
    return _SPACES.sub(" ", to_arabic_digits(text)).strip().lower()


@functools.cache
def _word_index() -> tuple[dict[str, tuple[Category, int]], dict[str, tuple[str, ...]]]:
    """Each lexicon word (normalised) with its category and weight, and the words by first character,
    longest first."""
    words: dict[str, tuple[Category, int]] = {}
    for category, entries in LEXICON.items():
        for word, weight in entries.items():
            key = _prepare(word)
            if key in words:
                raise ValueError(f"lexicon word {word!r} is listed twice")
            words[key] = (category, weight)
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[0], []).append(word)
    return words, {first: tuple(sorted(ws, key=len, reverse=True)) for first, ws in by_first.items()}


@functools.cache
def _tokenizer_dict() -> Trie:
    """pythainlp's word list with the lexicon words (so "เงินใต้โต๊ะ" is one token) and without the
    compounds that would hide a lexicon word inside a token ("การประมูล" becomes "การ" + "ประมูล")."""
    from pythainlp.corpus.common import thai_words
    from pythainlp.util import dict_trie

    lexicon = set(_word_index()[0])
    inner = re.compile("|".join(re.escape(word) for word in sorted(lexicon, key=len, reverse=True)))
    words = {word for word in thai_words() if word in FALSE_FRIENDS or inner.search(word, 1) is None}
    return dict_trie(words | lexicon | FALSE_FRIENDS)


def warm_up() -> None:
    """Build the tokenizer dictionary now (about a second) rather than on the first suggestion."""
    category_scores("")


def category_scores(text: str) -> dict[Category, int]:
    """The evidence for each category: the weights of the lexicon words found in the text. A word counts
    where a token starts (so "ยุง" inside "อายุงาน" does not), including words broken by spaces
    ("เงิน ใต้โต๊ะ")."""
    from pythainlp.tokenize import word_tokenize

    words, by_first = _word_index()
    trie = _tokenizer_dict()
    scores = dict.fromkeys(Category, 0)
    text = _prepare(text)
    if not text:
        return scores
    squeezed = text.replace(" ", "")  # `_prepare` leaves single spaces only
    position = spaces = 0  # where the token starts in `text`, and how many spaces come before it
    for token in word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=True):
        start, position = position, position + len(token)
        sq_start = start - spaces
        spaces += token.count(" ")
        if token.isspace() or token in FALSE_FRIENDS:
            continue
        best = ""
        for word in by_first.get(text[start], ()):
            if text.startswith(word, start) or squeezed.startswith(word, sq_start):
                best = word  # candidates are longest first
                break
        if best:
            category, weight = words[best]
            scores[category] += weight
    return scores


def suggest_category(text: str) -> Category | None:
    """The category with the most evidence, None when no lexicon word occurs. Ties go to the category
    listed first (corruption categories before general grievance)."""
    scores = category_scores(text)
    best = max(Category, key=lambda c: (scores[c], -_PRIORITY[c]))
    return best if scores[best] > 0 else None
