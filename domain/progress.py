"""The free-text side of progress reporting: what unit heads type in LINE when they report on a measure.

- ``parse_status``: the status answer of the guided flow (quick-reply labels, typed variants, 1..4).
- ``parse_percent``: a progress percentage ("80%", "ร้อยละ ๘๐", "80 เปอร์เซ็นต์", a bare "80").
- ``parse_shortcut``: a whole report in one message, "รายงาน ม.๓ เสร็จแล้ว ๑๐๐% จัดประชุมชี้แจงแล้ว".
- ``is_none_answer``: "ไม่มี" and friends, the answer to "any problems or suggestions?".

Only the lexicon of words these functions recognise lives here; the bot's own messages live in handlers.
Every function accepts any ``str`` and never raises; Thai and Arabic digits are interchangeable. Texts are
read up to ``MAX_CHARS`` characters (LINE's own limit for a text message).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from domain.thai_text import normalise, squeeze, to_arabic_digits

MAX_CHARS = 5000


class ProgressStatus(enum.StrEnum):
    NOT_STARTED = "not_started"  # ยังไม่เริ่ม
    IN_PROGRESS = "in_progress"  # กำลังดำเนินการ
    DONE = "done"  # ดำเนินการแล้วเสร็จ
    PROBLEM = "problem"  # มีปัญหา-อุปสรรค


# The numbered choice, in the order the quick replies are offered.
STATUS_BY_NUMBER = {
    "1": ProgressStatus.NOT_STARTED,
    "2": ProgressStatus.IN_PROGRESS,
    "3": ProgressStatus.DONE,
    "4": ProgressStatus.PROBLEM,
}

# -- lexicon -------------------------------------------------------------------------------------------
# Status phrases as people type them. Matching ignores spaces, so each is written without them. Negated
# forms are listed explicitly ("ยังไม่เสร็จ" is in progress), and the longest phrase wins, so "ยังไม่เสร็จ"
# never reads as "เสร็จ". "ไม่มีปัญหา" is deliberately absent: it is not a status.
STATUS_PHRASES: dict[ProgressStatus, tuple[str, ...]] = {
    ProgressStatus.NOT_STARTED: (
        "ยังไม่เริ่ม", "ยังไม่ได้เริ่ม", "ยังไม่เริ่มต้น", "ยังไม่ได้เริ่มต้น", "ยังไม่เริ่มทำ", "ยังไม่ได้เริ่มทำ",
        "ยังไม่เริ่มดำเนินการ", "ยังไม่ได้เริ่มดำเนินการ", "ยังไม่ได้ดำเนินการ", "ยังไม่ดำเนินการ",
        "ยังไม่ได้ดำเนินงาน", "ยังไม่ดำเนินงาน", "ไม่ได้ดำเนินการ", "ไม่ได้เริ่ม", "ไม่ได้ทำ", "ยังไม่ได้ทำ",
        "ยังไม่ทำ",
    ),
    ProgressStatus.IN_PROGRESS: (
        "กำลังดำเนินการ", "กำลังดำเนินการอยู่", "กำลังดำเนินงาน", "กำลังดำเนินงานอยู่", "กำลังทำ",
        "กำลังทำอยู่", "อยู่ระหว่างดำเนินการ", "อยู่ระหว่างการดำเนินการ", "อยู่ระหว่างดำเนินงาน",
        "ระหว่างดำเนินการ", "ดำเนินการอยู่", "ดำเนินงานอยู่", "ยังไม่เสร็จ", "ยังไม่เสร็จสิ้น",
        "ยังไม่แล้วเสร็จ", "ไม่เสร็จ", "ยังไม่เรียบร้อย", "ยังไม่ครบ", "ยังไม่ครบถ้วน", "ดำเนินการบางส่วน",
    ),
    ProgressStatus.DONE: (
        "ดำเนินการแล้วเสร็จ", "ดำเนินการเสร็จแล้ว", "ดำเนินการเสร็จ", "ดำเนินการเสร็จสิ้น",
        "ดำเนินการเสร็จสิ้นแล้ว", "ดำเนินการเรียบร้อย", "ดำเนินการเรียบร้อยแล้ว", "ดำเนินการเสร็จเรียบร้อย",
        "ดำเนินการเสร็จเรียบร้อยแล้ว", "ดำเนินการแล้วเสร็จเรียบร้อย", "ดำเนินการครบถ้วน", "ดำเนินการครบถ้วนแล้ว",
        "เสร็จแล้ว", "เสร็จสิ้น", "เสร็จสิ้นแล้ว", "แล้วเสร็จ", "เสร็จ", "เรียบร้อย", "เรียบร้อยแล้ว",
        "เสร็จเรียบร้อย", "เสร็จเรียบร้อยแล้ว", "เสร็จสมบูรณ์", "เสร็จสมบูรณ์แล้ว", "ครบถ้วน", "ครบถ้วนแล้ว",
        "ทำเสร็จ", "ทำเสร็จแล้ว",
    ),
    ProgressStatus.PROBLEM: (
        "มีปัญหา", "มีอุปสรรค", "ติดปัญหา", "ติดอุปสรรค", "พบปัญหา", "พบอุปสรรค", "มีปัญหาติดขัด", "ติดขัด",
        "ปัญหา", "อุปสรรค",
        # ปัญหาอุปสรรค, มีปัญหา-อุปสรรค (the quick-reply label), ติดปัญหา/อุปสรรค, พบปัญหาและอุปสรรค, ...
        *(f"{verb}ปัญหา{sep}อุปสรรค" for verb in ("", "มี", "ติด", "พบ") for sep in ("", "-", "/", "และ")),
    ),
}
# English, lower case, spaces dropped ("In progress" -> "inprogress").
ENGLISH_STATUS_PHRASES: dict[ProgressStatus, tuple[str, ...]] = {
    ProgressStatus.NOT_STARTED: ("notstarted", "notyetstarted"),
    ProgressStatus.IN_PROGRESS: ("inprogress", "ongoing"),
    ProgressStatus.DONE: ("done", "completed", "complete", "finished"),
    ProgressStatus.PROBLEM: ("problem", "problems"),
}
# Polite particles people end answers with.
PARTICLES = ("ครับผม", "ครับ", "คับ", "ค่ะ", "คะ", "ค่า", "นะคะ", "นะครับ", "จ้า", "จ้ะ", "นะ")
# Labels a structured message may put before the status / percent ("สถานะ: เสร็จแล้ว").
STATUS_LABELS = ("สถานะการดำเนินงาน", "สถานะการดำเนินการ", "สถานะ")
PERCENT_LABELS = ("ร้อยละความคืบหน้า", "ความคืบหน้า", "ความก้าวหน้า")
# Labels before the details; with a colon only ("ผลการดำเนินงาน: ...").
DETAILS_LABELS = ("ผลการดำเนินงาน", "ผลการดำเนินการ", "รายละเอียด", "ผลงาน")
# Words starting a shortcut; the spec's "รายงาน"/"รายงานผล" plus the other report words of the bot.
REPORT_KEYWORDS = (
    "รายงานผลการดำเนินงาน", "รายงานผลการดำเนินการ", "รายงานความก้าวหน้า", "รายงานความคืบหน้า", "รายงานผล",
    "ส่งรายงาน", "รายงาน",
)
PERCENT_SUFFIXES = (
    "%", "％", "เปอร์เซ็นต์", "เปอร์เซ็นท์", "เปอร์เซนต์", "เปอร์เซ็น", "เปอร์เซน", "percent", "pct",
)
NONE_WORDS_EN = ("no", "none", "nil", "n/a", "na", "nothing", "noproblem", "noproblems", "-")


def _canon(word: str) -> str:
    """A lexicon word as it is looked up: no spaces, lower case. The words are written in normalised form
    (the tests check it), so normalising them here, on every import, is not needed."""
    return squeeze(word).lower()


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _build_phrases() -> dict[str, ProgressStatus]:
    phrases: dict[str, ProgressStatus] = {}
    for table in (STATUS_PHRASES, ENGLISH_STATUS_PHRASES):
        for status, words in table.items():
            for word in words:
                phrases[_canon(word)] = status
    return phrases


_PHRASES = _build_phrases()
_MAX_PHRASE = max(len(p) for p in _PHRASES)
_PARTICLES = tuple(sorted({_canon(p) for p in PARTICLES}, key=len, reverse=True))

# -- regular expressions (over normalised text: Arabic digits, single spaces, lines kept) ----------------
_NUM = r"(\d{1,3}(?:\.\d{1,2})?)(?!\.?\d)"
_SUFFIX = _alternation(PERCENT_SUFFIXES)
_PERCENT_BODY = rf"(?:ร้อยละ\s*{_NUM}(?:\s*(?:{_SUFFIX}))?|{_NUM}\s*(?:{_SUFFIX}))"
_PERCENT_AT = re.compile(_PERCENT_BODY, re.IGNORECASE)
_PERCENT_ANY = re.compile(rf"(?<![\d.\-−]){_PERCENT_BODY}", re.IGNORECASE)
_PERCENT_TAIL = re.compile(rf"(?<![\d.]){_PERCENT_BODY}[\s,.;)\]]*\Z", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"\s*(\d{1,3}(?:\.\d{1,2})?)\s*\Z")

_SHORTCUT = re.compile(
    rf"\s*(?:{_alternation(REPORT_KEYWORDS)})[\s:：\-]*"
    r"(มาตรการ\s*(?:ที่\s*)?|ม\s*\.?\s*(?:ที่\s*)?|#\s*)?(\d{1,4})(?!\d)"
)
# Words counting things: "เสร็จแล้ว 3 ครั้ง" is three meetings, not three percent.
COUNT_WORDS = (
    "ครั้ง", "คน", "ราย", "เรื่อง", "ฉบับ", "วัน", "เดือน", "ปี", "แห่ง", "โครงการ", "กิจกรรม", "หน่วย", "ชุด",
    "เล่ม", "ชั่วโมง", "ชม", "บาท", "รายการ", "ข้อ", "ท่าน", "รุ่น", "กอง", "ช่องทาง", "ไตรมาส", "ครัวเรือน",
)
# A bare number right after the status ("กำลังทำ 50") is its percentage when nothing counted follows it.
_BARE_PERCENT = re.compile(
    rf"(\d{{1,3}})(?![\d.%])(?=\s*\Z|\s*[\n,;]|\s+(?!(?:{_alternation(COUNT_WORDS)})))"
)
_SEPARATORS = re.compile(r"[\s,，;:：\-–—|/.()\[\]]*")
_STATUS_LABEL = re.compile(rf"(?:{_alternation(STATUS_LABELS)})\s*[:：]?")
_PERCENT_LABEL = re.compile(rf"(?:{_alternation(PERCENT_LABELS)})\s*[:：]?")
_DETAILS_LABEL = re.compile(rf"(?:{_alternation(DETAILS_LABELS)})\s*[:：]")
_PARTICLE_AT = re.compile(rf"(?:{_alternation(PARTICLES)})(?![\u0e00-\u0e7f])")
_SEP = r"\s*(?:และ|/|-|,)?\s*"
# Where the problems / suggestions start: "ปัญหา:", "ปัญหา/อุปสรรค", "อุปสรรค:", "ข้อเสนอแนะ:", also with a
# leading "มี"/"ติด"/"พบ" ("มีปัญหา: ...").
_PROBLEMS_MARKER = re.compile(
    r"(?:มี|ติด|พบ)?\s*(?:"
    rf"ปัญหา{_SEP}อุปสรรค(?:{_SEP}(?:หรือ)?\s*ข้อเสนอแนะ)?\s*[:：]"
    r"|ปัญหา\s*[/\-]\s*อุปสรรค(?:\s*[/\-]\s*ข้อเสนอแนะ)?"
    r"|(?:ปัญหา|อุปสรรค|ข้อเสนอแนะ|ข้อเสนอ)\s*[:：])"
)
# "... ไม่มีปัญหา" closing the details: it says there are no problems; it is not what was done.
_NONE_TAIL = re.compile(
    r"(?:\A|(?<=\s))(?:ยัง)?ไม่(?:มี|พบ)\s*(?:ปัญหา|อุปสรรค)"
    rf"(?:{_SEP}(?:ปัญหา|อุปสรรค|ข้อเสนอแนะ))*(?:\s*ใด\s*ๆ)?(?:\s*(?:{_alternation(PARTICLES)}))*[\s.,!]*\Z"
)
_PARTICLE_TAIL = re.compile(rf"(?:\A|(?<=\s))(?:{_alternation(PARTICLES)})[\s.!]*\Z")
_NONE_THAI = re.compile(
    r"(?:ยัง)?ไม่(?:มี|พบ)(?:(?:ปัญหา|อุปสรรค|ข้อเสนอแนะ|ข้อคิดเห็น|อะไร)(?:และ|หรือ|/|-|,)?)*"
    r"(?:ใดๆ(?:ทั้งสิ้น)?|เลย)?"
)
_DASHES_ONLY = re.compile(r"[-–—.]+")
_WORD_SEGMENT = re.compile(r"\S+")
_NEGATION_END = ("ไม่", "ยัง", "ไม่ได้")
_PROBLEM_VERBS = ("มี", "ติด", "พบ")
_EDGE_LEFT = re.compile(r"\A[\s,，;:：\-–—|/.)\]]+")
_EDGE_RIGHT = re.compile(r"[\s,，;:：\-–—|/(\[]+\Z")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# zero-width and direction marks, and lone surrogates (from malformed JSON; they cannot be stored as UTF-8)
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ud800-\udfff]")


def _is_thai(char: str) -> bool:
    return "\u0e00" <= char <= "\u0e7f"


def _is_edge_junk(char: str) -> bool:
    return not (_is_thai(char) or (char.isascii() and char.isalnum()))


def _prep(text: str) -> str:
    """Normalised text: the first MAX_CHARS characters, Arabic digits, no control or invisible characters
    (nor lone surrogates), single spaces, line breaks kept (empty lines dropped)."""
    text = to_arabic_digits(text[:MAX_CHARS])
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    lines = (normalise(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _strip_edges(text: str) -> str:
    """Drop punctuation, emoji and the like at both ends; Thai letters and ASCII letters/digits stay."""
    start, end = 0, len(text)
    while start < end and _is_edge_junk(text[start]):
        start += 1
    while end > start and _is_edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _without_particles(squeezed: str) -> list[str]:
    """The text, then the text with one, two, three particles taken off its end ("เสร็จแล้วครับ"). Callers
    try them in order, so a word merely ending like a particle ("ข้อเสนอแนะ", "นะ") is tried whole first."""
    forms = [squeezed]
    for _ in range(3):
        particle = next((p for p in _PARTICLES if squeezed.endswith(p) and len(squeezed) > len(p)), None)
        if particle is None:
            break
        squeezed = squeezed[: -len(particle)]
        forms.append(_strip_edges(squeezed))
    return forms


def _phrase_status(squeezed: str) -> ProgressStatus | None:
    return next((s for form in _without_particles(squeezed) if (s := _PHRASES.get(form)) is not None), None)


def _percent_value(match: re.Match[str]) -> int | None:
    digits = next((g for g in match.groups() if g is not None), None)
    if digits is None:
        return None
    value = int(float(digits) + 0.5)
    return value if 0 <= value <= 100 else None


# -- word boundaries in run-on Thai ----------------------------------------------------------------------
@functools.cache
def _tokenizer() -> Callable[..., list[str]]:
    """pythainlp's word_tokenize, imported on first use to keep importing this module cheap."""
    from pythainlp.tokenize import word_tokenize

    return word_tokenize


def warm_up() -> None:
    """Load pythainlp's dictionary now (about half a second) rather than on the first run-on message."""
    _segment("เสร็จแล้วจัดประชุม")


_TOKEN_WINDOW = 24
# Words that may follow a status phrase in run-on text even where the tokenizer glues them to it
# ("แล้ว" + "แต่" reads as "แล้วแต่").
_CONJUNCTIONS = frozenset({"แต่", "และ", "โดย", "ซึ่ง", "เนื่องจาก", "เพราะ", "เพื่อ", "ตาม", "คือ", "ทั้ง"})


@functools.lru_cache(maxsize=1024)
def _segment(text: str) -> tuple[frozenset[int], int, str]:
    """pythainlp's newmm reading of ``text``: where it ends words, how many words, the first word."""
    tokens = [t for t in _tokenizer()(text, engine="newmm", keep_whitespace=True) if t]
    ends, offset = set(), 0
    for token in tokens:
        offset += len(token)
        ends.add(offset)
    words = [token for token in tokens if not token.isspace()]
    if offset != len(text):  # the tokenizer altered the text: no trustworthy offsets
        return frozenset(range(len(text) + 1)), len(words), ""
    return frozenset(ends), len(words), words[0] if words else ""


def _ends_word(text: str, start: int, end: int) -> bool:
    """Whether a phrase matched at text[start:end] ends a word, so "กำลังทำ" does not match the start of
    "กำลังทำงานอยู่". In run-on Thai the tokenizer decides: the phrase ends a word if the tokenizer ends
    one there; or if splitting there costs no more words than the tokenizer's own reading
    ("ยังไม่ได้ดำเนินการ|สำรวจ" against its "ยัง ไม่ ได้ ดำเนิน การสำรวจ"); or if a conjunction follows
    ("เสร็จแล้ว|แต่ยังไม่ส่ง" against its "เสร็จ แล้วแต่ ยัง ไม่ ส่ง")."""
    if end >= len(text):
        return True
    following = text[end]
    if text[end - 1].isascii():  # an English phrase: "done", "done 80%", "done80%", not "doneness"
        return not (following.isascii() and following.isalpha())
    if not _is_thai(following):
        return True
    window = text[start : end + _TOKEN_WINDOW]
    cut = end - start
    ends, words, _ = _segment(window)
    if cut in ends:
        return True
    _, rest_words, first = _segment(window[cut:])
    return first in _CONJUNCTIONS or _segment(window[:cut])[1] + rest_words <= words


def _match_status(text: str, pos: int) -> tuple[int, ProgressStatus] | None:
    """The longest status phrase starting at ``pos`` (stray spaces inside it ignored) that ends a word."""
    chars: list[str] = []
    ends: list[int] = []
    i, n = pos, len(text)
    while i < n and len(chars) < _MAX_PHRASE:
        char = text[i]
        i += 1
        if char == "\n":
            break
        if char.isspace():
            continue
        chars.append(char.lower() if char.isascii() else char)
        ends.append(i)
    key = "".join(chars)
    for k in range(len(key), 0, -1):
        status = _PHRASES.get(key[:k])
        if status is not None and _ends_word(text, pos, ends[k - 1]):
            return ends[k - 1], status
    return None


# -- public API ------------------------------------------------------------------------------------------
def parse_status(text: str) -> ProgressStatus | None:
    """The status answer of the guided flow: a quick-reply label, a typed variant of one (stray spaces,
    polite particles, punctuation and a percentage allowed: "กำลังดำเนินการ 50%"), English "done"/"in
    progress", or the number of the choice ("1".."4", "๑".."๔"). Anything else, including "ไม่มีปัญหา",
    gives None."""
    if len(text) > MAX_CHARS:
        return None
    plain = _PERCENT_ANY.sub(" ", _prep(text))
    key = squeeze(_strip_edges(plain)).lower()
    if key in STATUS_BY_NUMBER:
        return STATUS_BY_NUMBER[key]
    for label in STATUS_LABELS:
        if key.startswith(label) and len(key) > len(label):
            key = key[len(label) :].lstrip(":：")
            break
    return _phrase_status(_strip_edges(key))


def parse_percent(text: str) -> int | None:
    """A progress percentage 0..100: "80%", "100 %", "ร้อยละ ๘๐", "80 เปอร์เซ็นต์", or a bare number "80"
    (the answer to "how many percent?"). The first percentage in a longer text counts; out of range, None."""
    plain = _prep(text)
    bare = _BARE_NUMBER.match(plain)
    if bare:
        value = int(float(bare.group(1)) + 0.5)
        return value if 0 <= value <= 100 else None
    match = _PERCENT_ANY.search(plain)
    return _percent_value(match) if match else None


def is_none_answer(text: str) -> bool:
    """Whether the answer says "nothing to report": "ไม่มี", "ไม่มีปัญหา", "ไม่มี ปัญหา/อุปสรรค", "-",
    "ไม่มีข้อเสนอแนะ", "no", "none" (particles and punctuation allowed)."""
    if len(text) > MAX_CHARS:
        return False
    key = squeeze(_prep(text)).lower()
    if _DASHES_ONLY.fullmatch(key):
        return True
    return any(
        form in NONE_WORDS_EN or _NONE_THAI.fullmatch(form) is not None
        for form in _without_particles(_strip_edges(key))
    )


@dataclass(frozen=True)
class ProgressShortcut:
    measure_no: int
    status: ProgressStatus | None
    percent: int | None
    details: str  # ผลการดำเนินงาน: what was done ("" when none)
    problems: str  # ปัญหา/อุปสรรค/ข้อเสนอแนะ: the text after a marker ("" when none)
    bad_percent: int | None = None  # a percentage given where one goes, but over 100 ("150%")


def parse_shortcut(text: str) -> ProgressShortcut | None:
    """A whole report in one message: "รายงาน ม.๓ เสร็จแล้ว ๑๐๐% จัดประชุมชี้แจงแล้ว ปัญหา: ...".

    The message starts with a report word (รายงาน, รายงานผล, ...) and a measure reference (ม.3, ม 3, ม3,
    มาตรการ 3, มาตรการที่ 3, #3, or a bare 3 when a status or percentage follows it); then, in either
    order, a status phrase and a percentage (a bare number right after the status is one: "กำลังทำ 50");
    then the details; then, after a marker (ปัญหา:, ปัญหา/อุปสรรค, อุปสรรค:, ข้อเสนอแนะ:), the problems.
    Spaces between the parts are optional. A status or percentage closing the details also counts. A
    status-less 100% is DONE. A percentage over 100 where one goes is not read as one: it is kept in
    `bad_percent` for the caller to refuse. Whether status and percentage agree is `contradiction`'s
    question. None when the text is not a shortcut (plain "รายงาน" starts the guided flow)."""
    plain = _prep(text)
    head = _SHORTCUT.match(plain)
    if head is None:
        return None
    measure_no = int(head.group(2))
    if measure_no < 1:
        return None
    bad: list[int] = []
    status, percent, pos, in_problems = _parse_head(plain, head.end(), bad)
    if head.group(1) is None and status is None and percent is None and not bad:
        return None  # "รายงาน 6 เดือน": a bare number is a measure only before a status or percentage
    rest = plain[pos:]
    if in_problems:  # "มีปัญหา: งบประมาณไม่เพียงพอ"
        details, problems = "", rest
    else:
        marker = _PROBLEMS_MARKER.search(rest)
        details = rest if marker is None else rest[: marker.start()]
        problems = "" if marker is None else rest[marker.end() :]
    details, status, percent = _parse_tail(details, status, percent, bad)
    problems = _clean(problems)
    if is_none_answer(problems):
        problems = ""
    if status is None and percent == 100:
        status = ProgressStatus.DONE
    return ProgressShortcut(measure_no, status, percent, _clean(details), problems,
                            bad[0] if bad and percent is None else None)


def _parse_head(text: str, pos: int, bad: list[int]) -> tuple[ProgressStatus | None, int | None, int, bool]:
    """Status and percentage right after the measure reference, in either order, optionally labelled.
    Returns them, where the rest starts, and whether the rest is the problems ("มีปัญหา: ...").
    A percentage over 100 is consumed and appended to `bad`."""
    status: ProgressStatus | None = None
    percent: int | None = None
    while status is None or percent is None:
        at = _SEPARATORS.match(text, pos).end()  # type: ignore[union-attr]  # matches the empty string
        if _PROBLEMS_MARKER.match(text, at) and not text.startswith(_PROBLEM_VERBS, at):
            break  # a bare "ปัญหา:" / "ปัญหา/อุปสรรค" label: the problems, not a status
        label = _DETAILS_LABEL.match(text, at)
        if label:
            return status, percent, label.end(), False
        found = False
        for start in _head_starts(text, at):
            if status is None and (got := _match_status(text, start)):
                pos, status = _skip_particle(text, got[0]), got[1]
                marker = _PROBLEMS_MARKER.match(text, start) if status is ProgressStatus.PROBLEM else None
                if marker and marker.end() > got[0] and text[marker.end() - 1] in ":：":
                    # "มีปัญหา: ...", "มีปัญหา-อุปสรรค: ...": what follows is the problems
                    return status, percent, marker.end(), True
                found = True
                break
            number = _PERCENT_AT.match(text, start) if percent is None and not bad else None
            if number is None and status is not None and percent is None and not bad:
                number = _BARE_PERCENT.match(text, start)  # "กำลังทำ 50"
            if number:
                value = _percent_value(number)
                if value is None:
                    bad.append(int(float(next(g for g in number.groups() if g is not None))))
                pos, percent = number.end(), value
                found = True
                break
        if not found:
            break
    label = _DETAILS_LABEL.match(text, _SEPARATORS.match(text, pos).end())  # type: ignore[union-attr]
    return status, percent, label.end() if label else pos, False


def _head_starts(text: str, at: int) -> list[int]:
    """Where a status or percentage may start: after a label ("สถานะ:", "ความคืบหน้า"), or right here."""
    label = _STATUS_LABEL.match(text, at) or _PERCENT_LABEL.match(text, at)
    if label is None:
        return [at]
    return [_SEPARATORS.match(text, label.end()).end(), at]  # type: ignore[union-attr]


def _skip_particle(text: str, pos: int) -> int:
    spaces = _SEPARATORS.match(text, pos).end()  # type: ignore[union-attr]
    particle = _PARTICLE_AT.match(text, spaces)
    return particle.end() if particle else pos


def _parse_tail(
    details: str, status: ProgressStatus | None, percent: int | None, bad: list[int]
) -> tuple[str, ProgressStatus | None, int | None]:
    """Take a percentage, a status, "ไม่มีปัญหา" or a lone particle off the end of the details (a closing
    percentage over 100 is taken off too, and appended to `bad`)."""
    for _ in range(6):
        details = _EDGE_RIGHT.sub("", details)
        if percent is None and not bad and (number := _PERCENT_TAIL.search(details)):
            value = _percent_value(number)
            details = details[: number.start()]
            if value is None:
                bad.append(int(float(next(g for g in number.groups() if g is not None))))
            else:
                percent = value
            continue
        if match := (_NONE_TAIL.search(details) or _PARTICLE_TAIL.search(details)):
            details = details[: match.start()]
            continue
        if status is None and (got := _tail_status(details)):
            details, status = got
            continue
        break
    return details, status, percent


def _tail_status(details: str) -> tuple[str, ProgressStatus] | None:
    """A status phrase making up the last one to three space-separated words ("จัดประชุม เสร็จแล้ว")."""
    segments = list(_WORD_SEGMENT.finditer(details[-(_MAX_PHRASE * 3) :]))[-3:]
    offset = max(0, len(details) - _MAX_PHRASE * 3)
    for k in range(len(segments), 0, -1):
        start = offset + segments[-k].start()
        if start == offset and offset > 0:
            continue  # possibly a cut word
        status = _phrase_status(_strip_edges(squeeze(details[start:]).lower()))
        if status is not None:
            before = details[:start].rstrip()
            if before.endswith(_NEGATION_END):
                return None
            return before, status
    return None


def _clean(text: str) -> str:
    text = _LINE_BREAK.sub("\n", text)
    return _EDGE_RIGHT.sub("", _EDGE_LEFT.sub("", text))


# -- consistency -----------------------------------------------------------------------------------------
class Contradiction(enum.StrEnum):
    """A report whose parts disagree; the bot refuses it with the reason (texts/chat.py)."""

    DONE_BELOW_100 = "done_below_100"  # "เสร็จแล้ว 50%"
    NOT_STARTED_WITH_PROGRESS = "not_started_with_progress"  # "ยังไม่เริ่ม 30%"
    IN_PROGRESS_AT_100 = "in_progress_at_100"  # "กำลังดำเนินการ 100%"
    PROBLEM_WITHOUT_PROBLEMS = "problem_without_problems"  # "มีปัญหา-อุปสรรค" and problems "ไม่มี"


def contradiction(status: ProgressStatus | str | None, percent: int | None) -> Contradiction | None:
    """Whether a status and a percentage disagree (None when they agree or one is missing)."""
    if status is None or percent is None:
        return None
    if status == ProgressStatus.DONE and percent < 100:
        return Contradiction.DONE_BELOW_100
    if status == ProgressStatus.NOT_STARTED and percent > 0:
        return Contradiction.NOT_STARTED_WITH_PROGRESS
    if status == ProgressStatus.IN_PROGRESS and percent >= 100:
        return Contradiction.IN_PROGRESS_AT_100
    return None


def problems_missing(status: ProgressStatus | str | None, problems: str | None) -> bool:
    """A report "มีปัญหา-อุปสรรค" must say what the problem is: not empty, not "ไม่มี"."""
    if status != ProgressStatus.PROBLEM or problems is None:
        return False
    return not problems.strip() or is_none_answer(problems)
