"""The LINE preview of a pasted plan ("นำเข้าแผน"): the year and where it came from, what saving adds to
the plan, every measure with its units resolved or flagged, how every source row was read, and the
warnings; as text messages within LINE's limits (a long preview is cut with a count and a pointer to the
console)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.digits import ARABIC
from texts import chat
from usecases.plan_paste import PastePreview, utf16_length
from usecases.plan_warnings import render_decision, render_warning
from views import messages

MESSAGE_BUDGET = 4800  # UTF-16 units per text message (LINE takes 5,000), room left for the cut note
MAX_PREVIEW_MESSAGES = 3  # with the question after them and a note the runner may put before (≤ 5 a reply)


def _units_line(measure: dict[str, Any], preview: PastePreview) -> str:
    if measure["all_units"]:
        return chat.PLAN_PASTE_ALL_UNITS
    new = set(preview.result.new_units)
    suggested = {w.suggestion: w.detail for w in preview.result.warnings
                 if w.code == "sub-unit" and w.row and w.suggestion in measure["units"]}
    parts = []
    for name in measure["units"]:
        if name in new:
            parts.append(chat.PLAN_PASTE_UNIT_NEW.format(name=name))
        elif name in suggested:
            parts.append(chat.PLAN_PASTE_UNIT_SUGGESTED.format(text=suggested[name], name=name))
        else:
            parts.append(name)
    return ", ".join(parts) or chat.PLAN_PASTE_NO_UNITS


def _year_line(preview: PastePreview) -> str:
    reading = preview.pasted.reading
    if reading.detected is None:
        return chat.PLAN_PASTE_YEAR_ASSUMED.format(year=preview.pasted.year)
    return chat.PLAN_PASTE_YEAR_DETECTED.format(year=preview.pasted.year, agreeing=reading.agreeing,
                                                dated=reading.dated)


def preview_lines(preview: PastePreview) -> list[str]:
    result, year = preview.result, preview.pasted.year
    created = sum(1 for updated in preview.updates if not updated)
    if preview.plan_exists:
        what = chat.PLAN_PASTE_ADDS.format(year=year, active=preview.active_before, created=created,
                                           updated=len(preview.updates) - created)
    else:
        what = chat.PLAN_PASTE_NEW_PLAN.format(year=year, count=len(result.measures))
    lines = [chat.PLAN_PASTE_TITLE, _year_line(preview), what, "",
             chat.PLAN_PASTE_MEASURES.format(count=len(result.measures))]
    for measure, seq, updated in zip(result.measures, preview.seqs, preview.updates, strict=True):
        lines.append(chat.PLAN_PASTE_MEASURE.format(seq=seq, title=" ".join(measure["title"].split())[:120],
                                                    update=chat.PLAN_PASTE_UPDATES if updated else ""))
        lines.append(chat.PLAN_PASTE_MEASURE_UNITS.format(units=_units_line(measure, preview)))
        lines.append(chat.PLAN_PASTE_MEASURE_DETAIL.format(
            start=ARABIC.date(date.fromisoformat(measure["start"])), end=ARABIC.date(date.fromisoformat(measure["end"])),
            steps=len(measure["steps"])))
    lines += ["", chat.PLAN_PASTE_ROWS, *(render_decision(d) for d in result.decisions)]
    if result.warnings:
        lines += ["", chat.PLAN_PASTE_WARNINGS.format(count=len(result.warnings)),
                  *(f"- {render_warning(w)}" for w in result.warnings)]
    return lines


def pack(lines: list[str], budget: int = MESSAGE_BUDGET, most: int = MAX_PREVIEW_MESSAGES) -> list[str]:
    """Lines as at most `most` texts of at most `budget` UTF-16 units; when they do not all fit, the last
    text ends with a line saying how many lines were left out."""
    lines = [line if utf16_length(line) < budget // 2 else line[: budget // 4] + "…" for line in lines]
    texts: list[list[str]] = [[]]
    size = 0
    for index, line in enumerate(lines):
        length = utf16_length(line) + 1
        if size + length > budget:
            if len(texts) == most:
                left = len(lines) - index
                while texts[-1] and size + utf16_length(chat.PLAN_PASTE_CUT.format(count=left)) > budget:
                    size -= utf16_length(texts[-1].pop()) + 1
                    left += 1
                texts[-1].append(chat.PLAN_PASTE_CUT.format(count=left))
                break
            texts.append([])
            size = 0
        texts[-1].append(line)
        size += length
    return ["\n".join(text).strip("\n") for text in texts if text]


def preview_messages(preview: PastePreview) -> list[dict[str, Any]]:
    return [messages.text(t) for t in pack(preview_lines(preview))]


def confirm_question(preview: PastePreview) -> dict[str, Any]:
    year = preview.pasted.year
    if preview.result.new_units:
        text = chat.PLAN_PASTE_CONFIRM_UNITS.format(names=", ".join(preview.result.new_units), year=year,
                                                    known=", ".join(preview.known_units[:15]) or "-")
    else:
        text = chat.PLAN_PASTE_CONFIRM.format(year=year)
    return messages.text(text, chat.PLAN_PASTE_CONFIRM_CHOICES)
