"""Thai text as PDF extraction gives it back, repaired to the dictionary form.

A PDF stores glyphs, not text. What comes back out of it, by pdfplumber or by copying from a PDF viewer, has
four kinds of damage:

1. Private-use code points: fonts such as TH SarabunPSK draw a tone mark or upper vowel shifted left or down
   (next to a tall consonant or over a lower vowel) with a separate glyph, which the PDF maps to U+F700-U+F71A
   instead of the Thai letter ("ท\\uf70bี่" for "ที่"). Mapped back (the Microsoft/Apple convention).
2. Sara am split: the font draws ำ as nikhahit + sara aa, and the PDF maps them to "ํา" or "ำา".
3. Stray spaces: a mark drawn with zero advance looks like a gap to the extractor ("ขั ้นตอน", "ป ี").
   A mark or a following vowel never starts a word, so a space before one is dropped.
4. Marks after the wrong consonant: sorted left to right by position, an upper or lower vowel (and the tone
   above it) lands after the next consonant ("คณุ" for "คุณ", "ประเมนิ" for "ประเมิน", "ข้นั" for "ขั้น").
   Such a sequence is often valid Thai too ("สนุก"), so a mark is moved back only where pythainlp's
   dictionary reads the repaired text better: fewer unknown letters, else fewer words ("ประ|เม|นิ" is
   three words, "ประเมิน" one).

Then pythainlp's normalize (tone/vowel order, duplicated marks) and nothing else: spaces between phrases,
line breaks and every other character stay as they were.
"""

from __future__ import annotations

import re
from functools import lru_cache

from domain.thai_text import in_one_word, segment_cost, unknown_spans

_THAI_PUA = {
    0xF700: "ฐ", 0xF701: "ิ", 0xF702: "ี", 0xF703: "ึ", 0xF704: "ื",
    0xF705: "่", 0xF706: "้", 0xF707: "๊", 0xF708: "๋", 0xF709: "์",
    0xF70A: "่", 0xF70B: "้", 0xF70C: "๊", 0xF70D: "๋", 0xF70E: "์",
    0xF70F: "ญ", 0xF710: "ั", 0xF711: "ํ", 0xF712: "็",
    0xF713: "่", 0xF714: "้", 0xF715: "๊", 0xF716: "๋", 0xF717: "์",
    0xF718: "ุ", 0xF719: "ู", 0xF71A: "ฺ",
}
_PUA_TABLE = str.maketrans(_THAI_PUA)

_CONSONANT = "\u0e01-\u0e2e"
_ABOVE_BELOW = "\u0e31\u0e34-\u0e3a\u0e47"  # ั ิ ี ึ ื ุ ู ฺ ็
_TONES = "\u0e48-\u0e4c"  # ่ ้ ๊ ๋ ์
_MARKS = f"{_ABOVE_BELOW}{_TONES}\u0e4d\u0e4e"
_NEVER_FIRST = f"{_MARKS}\u0e30\u0e32\u0e33\u0e45"  # marks and the following vowels ะ า ำ ๅ

_SPACE_BEFORE_MARK = re.compile(f" +(?=[{_NEVER_FIRST}])")
_SARA_AM_SPLIT = re.compile(f"\u0e4d([{_TONES}]?)\u0e32|([{_TONES}]?)\u0e33\u0e32|\u0e32([{_TONES}]?)\u0e4d")
# C1 [vowel] [tone] C2 [vowel] [tone]: C2's vowel or tone may belong to C1 (when C1 has none of that kind).
_MISPLACED = re.compile(f"([{_CONSONANT}])([{_ABOVE_BELOW}]?)([{_TONES}]?)([{_CONSONANT}])([{_ABOVE_BELOW}]?)([{_TONES}]?)")
_RUN_LETTERS = f"{_CONSONANT}\u0e30-\u0e3a\u0e40-\u0e45{_MARKS}"
_THAI_RUN = re.compile(f"[{_RUN_LETTERS}]+")
# What pythainlp's normalize may change in a run of Thai letters (its rules, pythainlp/util/normalize.py), so
# that runs without any of it (nearly all: "ี่", "้า" are in order) skip it: a tone mark or thanthakhat before
# a vowel above or below; nikhahit, tone marks, sara aa; a following vowel before a tone mark; lakkhangyao; a
# vowel or sign twice; two tone marks; a run opening with a mark. tests/test_thai_repair_normalize.py holds it
# to normalize itself.
_P_TONES = "\u0e48-\u0e4b"  # ่ ้ ๊ ๋ (pythainlp's tone marks; thanthakhat ์ is a sign of its own)
_P_ABOVE_BELOW = "\u0e31\u0e34-\u0e39\u0e47\u0e4d"  # ั ิ ี ึ ื ุ ู ็ ํ (pythainlp counts ฺ among neither)
_P_DANGLING = f"{_P_ABOVE_BELOW}{_P_TONES}\u0e3a\u0e4c\u0e4e"
_P_NO_REPEAT = f"\u0e30\u0e32\u0e33\u0e45\u0e40-\u0e44{_P_ABOVE_BELOW}\u0e3a\u0e4c\u0e4e"
_NEEDS_NORMALIZE = re.compile(
    f"[{_P_TONES}\u0e4c][{_P_ABOVE_BELOW}]|\u0e4d[{_P_TONES}]*\u0e32|[\u0e30\u0e32\u0e33\u0e45][{_P_TONES}]|\u0e45"
    f"|([{_P_NO_REPEAT}])\\1|[{_P_TONES}]{{2}}|(?<![{_RUN_LETTERS}])[{_P_DANGLING}]")
_WINDOW = 12
SCRAMBLED_EVERY = 2000  # letters: a document with a run repaired this often has its marks misplaced
SHORT_TEXT = 200  # letters: a text this short is repaired as if its marks were known to be misplaced


def _join_sara_am(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2) or match.group(3) or "") + "\u0e33"


def _moved(run: str, match: re.Match[str]) -> str | None:
    """The run with C2's marks moved onto C1 where C1 has none of their kind; None when none can move."""
    c1, vowel1, tone1, c2, vowel2, tone2 = match.groups()
    move_vowel, move_tone = bool(vowel2 and not vowel1), bool(tone2 and not tone1)
    if not (move_vowel or move_tone):
        return None
    if move_tone and not move_vowel and vowel2:  # a tone written after C2's own vowel is C2's
        return None
    vowel = vowel1 or vowel2
    tone = tone1 or tone2
    rest = ("" if move_vowel else vowel2) + ("" if move_tone else tone2)
    return run[: match.start()] + c1 + vowel + tone + c2 + rest + run[match.end():]


def _better(candidate: str, run: str, start: int, end: int, word: tuple[int, int], fewer_words: bool) -> bool:
    """Whether the dictionary reads the candidate better than the run around run[start:end], the marks
    moved: candidate[word[0]:word[1]] (C1 to C2) inside one dictionary word, and fewer unknown letters; or,
    with fewer_words, as many and fewer words."""
    lo, hi = max(0, start - _WINDOW), min(len(run), end + _WINDOW)
    if not in_one_word(candidate[lo:hi], word[0] - lo, word[1] - lo):
        return False
    new, old = segment_cost(candidate[lo:hi]), segment_cost(run[lo:hi])
    if new[0] != old[0]:
        return new[0] < old[0]
    return fewer_words and new[1] < old[1]


def _try_move(run: str, match: re.Match[str], fewer_words: bool) -> str | None:
    """The run with the match's marks moved back, alone or with those of the next consonant ("ตวัชีว้ดั": the
    tone of ชี้ reads as a word only once วัด has its vowel back) when the dictionary reads it better."""
    candidate = _moved(run, match)
    if candidate is None:
        return None
    _, vowel1, tone1, _, vowel2, tone2 = match.groups()
    word = (match.start(), match.start() + 2 + len(vowel1 or vowel2) + len(tone1 or tone2))  # C1 to C2, moved
    if _better(candidate, run, match.start(), match.end(), word, fewer_words):
        return candidate
    following = _MISPLACED.search(candidate, match.start(4))
    if following is None or following.start() > match.end():
        return None
    both = _moved(candidate, following)
    if both is not None and _better(both, run, match.start(), following.end(), word, fewer_words):
        return both
    return None


def _near(start: int, end: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(a <= end + 1 and start <= b + 1 for a, b in spans)


@lru_cache(maxsize=32768)
def _repair_run(run: str, fewer_words: bool) -> str:
    """Move misplaced marks back in one run of Thai letters, one at a time, while the dictionary agrees.
    Without fewer_words, only around the letters the dictionary does not know."""
    if len(run) < 3:
        return run
    for _ in range(3):  # a repair can make its neighbour's visible: "ประเมนิคณุ"
        before, start = run, 0
        spans = () if fewer_words else unknown_spans(run)
        if not fewer_words and not spans:
            break
        while (match := _MISPLACED.search(run, start)) is not None:
            start = match.start() + 1  # overlapping matches: each consonant is a C1 once
            if not fewer_words and not _near(match.start(), match.end(), spans):
                continue
            repaired = _try_move(run, match, fewer_words)
            if repaired is not None:
                run = repaired
                if not fewer_words:
                    spans = unknown_spans(run)
        if run == before:
            break
    return run


def _cleaned(text: str) -> str:
    from pythainlp.util import normalize

    text = text.translate(_PUA_TABLE)
    text = _SPACE_BEFORE_MARK.sub("", text)
    text = _SARA_AM_SPLIT.sub(_join_sara_am, text)
    if not _NEEDS_NORMALIZE.search(text):
        return text
    return _THAI_RUN.sub(lambda m: normalize(m.group()) if _NEEDS_NORMALIZE.search(m.group()) else m.group(), text)


def _moves(texts: list[str], fewer_words: bool) -> tuple[list[str], int]:
    """The texts with misplaced marks moved back, and in how many runs marks were moved."""
    moved = 0

    def repair(match: re.Match[str]) -> str:
        nonlocal moved
        run = _repair_run(match.group(), fewer_words)
        moved += run != match.group()
        return run

    return [_THAI_RUN.sub(repair, text) for text in texts], moved


def repair_texts(texts: list[str]) -> list[str]:
    """The dictionary form of the Thai texts of one document extracted from a PDF (see the module's notes).

    Marks are moved where that leaves fewer unknown letters. Moving them where it only reads as fewer words
    ("ประ|เม|นิ") is done only in a document that shows its marks misplaced (the first kind of move found
    some, in at least one run every SCRAMBLED_EVERY letters), or in a short text: in a clean document it
    would only risk the names the dictionary lacks."""
    cleaned = [_cleaned(text) for text in texts]
    repaired, moved = _moves(cleaned, fewer_words=False)
    letters = sum(len(text) for text in texts)
    if moved >= max(2, letters // SCRAMBLED_EVERY) or letters <= SHORT_TEXT:
        repaired, _ = _moves(repaired, fewer_words=True)
    return repaired


def repair_thai(text: str) -> str:
    """repair_texts() of one text."""
    return repair_texts([text])[0]
