"""The PDF repair skips pythainlp's normalize for the runs of Thai letters it would leave as they are
(issue #16, the cold PDF import): the quick check must never skip a run normalize would change."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pythainlp.util import normalize

from domain.thai_repair import _NEEDS_NORMALIZE, _THAI_RUN, repair_texts

# consonants, and every vowel, mark and sign several times over: runs of marks side by side are the point
THAI = "กขคงจนบปมยรลวสหอฤฦ" + "ะัาำิีึืฺุูเแโใไๅ็่้๊๋์ํ๎" * 3


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.text(alphabet=THAI, min_size=1, max_size=10))
@example("เเปลก")
@example("นานาาา")
@example("ก่ี")
@example("ทํ่า")
@example("ก่า")
@example("่ก")
def test_a_run_the_check_passes_over_is_one_normalize_leaves_alone(text: str) -> None:
    for match in _THAI_RUN.finditer(text):
        run = match.group()
        if not _NEEDS_NORMALIZE.search(run):
            assert normalize(run) == run, run


def test_runs_in_order_are_passed_over_and_misordered_ones_are_normalized() -> None:
    assert not _NEEDS_NORMALIZE.search("ที่นั้นเข้าใจน้ำผู้")
    assert repair_texts(["เเผนงาน", "ก่ีน", "ดีีี"]) == [normalize("เเผนงาน"), normalize("ก่ีน"), normalize("ดีีี")]
