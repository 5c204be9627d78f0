"""Thai text as people type and paste it: Thai or Arabic digits, stray spaces, odd Unicode forms."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
_SPACES = re.compile(r"\s+")


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def to_thai_digits(text: str) -> str:
    return text.translate(_TO_THAI)


def squeeze(text: str) -> str:
    """Compare names the way people write them: no spaces (Thai words get broken by stray ones)."""
    return _SPACES.sub("", text)


@lru_cache(maxsize=32768)
def normalise(text: str) -> str:
    """Canonical form of Thai text: pythainlp's normalisation (duplicate/misordered tone and vowel
    marks, zero-width characters), Arabic digits and single spaces. (pythainlp is imported on first use:
    importing it costs about half a second that a process which never reads Thai text should not pay.)"""
    from pythainlp.util import normalize as _thai_normalize

    text = _thai_normalize(text.replace("\u200b", "").replace("\ufeff", "").replace("\xa0", " "))
    return _SPACES.sub(" ", to_arabic_digits(text)).strip()


# -- words broken by stray spaces ------------------------------------------------------------------
# Pasted tables (PDF, Word with manual line breaks) put spaces inside Thai phrases: "สำนัก ปลัดเทศบาล",
# "ปฏิบัติงานที่ โปร่งใสและมี ประสิทธิภาพ". Thai separates phrases, not words, with spaces, so a space is
# dropped when pythainlp's dictionary shows it cuts a word in two, or when the word before it cannot end a
# phrase (การ, ที่, และ...) or the word after it cannot start one (ขึ้น, ได้...). Spaces next to anything
# that is not a Thai letter (Latin words, numbers, ๆ, ฯ, punctuation) are always kept.

_THAI_LETTERS = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e"
_GAP = re.compile(rf"(?<=[{_THAI_LETTERS}]) +(?=[{_THAI_LETTERS}])")
_LEADING_VOWELS = frozenset("เแโใไ")
_NON_INITIAL = frozenset("\u0e30\u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e45\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
_WINDOW = 24
_MAX_WORD = 20

# Words that need what follows them: a space after one of them is a broken line, not a phrase end.


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


CANNOT_END_PHRASE = _word_set(
    "การ ความ ที่ ซึ่ง และ หรือ ของ ใน ให้ กับ แก่ ต่อ เพื่อ โดย จาก ว่า มี เป็น คือ ผู้ นัก ตาม ถึง ระหว่าง "
    "ทั้ง แห่ง อย่าง ไม่ ทุก แต่ละ สู่ จึง เมื่อ หาก ถ้า เกี่ยวกับ สำหรับ อัน ได้แก่ ยัง ไม่มี ซึ่งเป็น"
)
# Words that lean on what comes before them.
CANNOT_START_PHRASE = _word_set("ขึ้น ได้ แล้ว ไว้ อยู่ กัน ที่สุด เพียงใด มากน้อย")
# Local-government words pythainlp's dictionary lacks, so that "สำนัก ปลัดเทศบาล" is seen as one name.
DOMAIN_WORDS = _word_set(
    "สำนักปลัด สำนักปลัดเทศบาล ปลัดเทศบาล กองคลัง กองช่าง กองการศึกษา กองสาธารณสุข สิ่งแวดล้อม "
    "กองสาธารณสุขและสิ่งแวดล้อม กองวิชาการและแผนงาน กองการเจ้าหน้าที่ กองยุทธศาสตร์และงบประมาณ "
    "หน่วยตรวจสอบภายใน ส่วนราชการ หน่วยงาน ผู้รับผิดชอบ เทศบาลตำบล เทศบาลเมือง เทศบาลนคร ตัวชี้วัด "
    "ข้อคำถาม ข้อค้นพบ มาตรการ ปีงบประมาณ จัดซื้อจัดจ้าง ทรัพย์สิน ประพฤติมิชอบ ผลประโยชน์ทับซ้อน "
    "ผู้บริหารท้องถิ่น ผู้รับบริการ ผู้มาติดต่อ คุณธรรม ความโปร่งใส กระบวนการ ประสิทธิภาพ"
)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words()) | DOMAIN_WORDS


def _segment(text: str) -> list[str]:
    """Maximal matching against pythainlp's word list on Thai character cluster boundaries: fewest
    unknown characters, then fewest words, then the longest words. Unknown clusters stay as they are."""
    from pythainlp.tokenize.tcc import tcc_pos

    words = _dictionary()
    n = len(text)
    stops = sorted(tcc_pos(text) | {n})
    # position -> ((unknown chars, words, -sum of squared word lengths), previous position)
    best: dict[int, tuple[tuple[int, int, int], int]] = {0: ((0, 0, 0), -1)}

    def offer(i: int, j: int, known: bool) -> None:
        unknown, count, squares = best[i][0]
        cost = (unknown + (0 if known else j - i), count + 1, squares - (j - i) ** 2)
        if j not in best or cost < best[j][0]:
            best[j] = (cost, i)

    for i in [0, *stops]:
        if i not in best or i == n:
            continue
        following = [j for j in stops if i < j <= i + _MAX_WORD]
        for j in following:
            if text[i:j] in words:
                offer(i, j, True)
        if following:
            offer(i, following[0], False)
    cuts: list[int] = []
    pos = n
    while pos > 0:
        cuts.append(pos)
        pos = best[pos][1]
    cuts.append(0)
    cuts.reverse()
    return [text[a:b] for a, b in pairwise(cuts)]


@lru_cache(maxsize=65536)
def segment_cost(text: str) -> tuple[int, int]:
    """How well pythainlp's dictionary reads a run of Thai letters: the letters it cannot read as words,
    and how many words it takes (lower is better)."""
    words = _dictionary()
    parts = _segment(text)
    return sum(len(word) for word in parts if word not in words), len(parts)


@lru_cache(maxsize=65536)
def unknown_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where in a run of Thai letters the best reading has letters pythainlp's dictionary does not know."""
    words = _dictionary()
    spans = []
    pos = 0
    for word in _segment(text):
        if word not in words:
            spans.append((pos, pos + len(word)))
        pos += len(word)
    return tuple(spans)


@lru_cache(maxsize=65536)
def in_one_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] lies inside one dictionary word of the best reading of the run `text`."""
    words = _dictionary()
    pos = 0
    for word in _segment(text):
        if pos <= start and end <= pos + len(word):
            return word in words and len(word) > end - start - 1
        pos += len(word)
    return False


@lru_cache(maxsize=65536)
def _space_is_a_break(left: str, right: str) -> bool:
    """Whether the space between the Thai runs `left` and `right` cuts a word or phrase in two."""
    if right[0] in _NON_INITIAL or left[-1] in _LEADING_VOWELS:
        return True
    joined = left + right
    pos = 0
    before = after = ""
    for word in _segment(joined):
        end = pos + len(word)
        if pos < len(left) < end:
            return True
        if end == len(left):
            before = word
        if pos == len(left):
            after = word
        pos = end
    return before in CANNOT_END_PHRASE or after in CANNOT_START_PHRASE


_THAI_RUN_END = re.compile(rf"[{_THAI_LETTERS}]+$")
_THAI_RUN = re.compile(rf"[{_THAI_LETTERS}]+")


def _is_abbreviation(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    """"ปีงบประมาณ พ.ศ. 2567", "อ. เมือง": a run of one to three letters next to a full stop."""
    after_right = text[right.end() : right.end() + 1]
    before_left = text[left.start() - 1 : left.start()] if left.start() else ""
    short_right = len(right.group()) <= 3
    short_left = len(left.group()) <= 3
    return (after_right == "." and short_right) or (before_left == "." and short_left)


def fix_broken_spaces(text: str) -> str:
    """Drop the spaces that break Thai words or phrases apart; keep every other character."""
    if " " not in text:
        return text
    pieces: list[str] = []
    last = 0
    for gap in _GAP.finditer(text):
        left_run = _THAI_RUN_END.search(text, 0, gap.start())
        right_run = _THAI_RUN.match(text, gap.end())
        assert left_run is not None and right_run is not None
        if _is_abbreviation(text, left_run, right_run) or min(len(left_run.group()), len(right_run.group())) == 1:
            continue  # "พ.ศ.", "อ. เมือง"; a lone letter is a label: "มาตรการ ก", "ข้อ ข"
        left = left_run.group()[-_WINDOW:]
        if _space_is_a_break(left, right_run.group()[:_WINDOW]):
            pieces.append(text[last : gap.start()])
            last = gap.end()
    pieces.append(text[last:])
    return "".join(pieces)


@lru_cache(maxsize=16384)
def tidy(text: str) -> str:
    """normalise() and then fix_broken_spaces(): the text of a pasted table cell, ready to show."""
    return fix_broken_spaces(normalise(text))


_LEAD_THAI = re.compile(rf"^[{_THAI_LETTERS}]+")


@lru_cache(maxsize=8192)
def first_word(text: str) -> str:
    """The first dictionary word of text that opens with Thai letters ("และความโปร่งใส" -> "และ"); "" when it
    opens with anything else."""
    run = _LEAD_THAI.match(text.strip())
    return _segment(run.group()[:_WINDOW])[0] if run else ""


@lru_cache(maxsize=8192)
def last_word(text: str) -> str:
    """The last dictionary word of text that ends with Thai letters ("ฝ่ายแผนงานและ" -> "และ"); "" when it ends
    with anything else."""
    run = _THAI_RUN_END.search(text.strip())
    return _segment(run.group()[-_WINDOW:])[-1] if run else ""
