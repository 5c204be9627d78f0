"""The pure domain logic of complaints: codes and PINs, identity warnings, categories, identity
encryption, workflow and deadlines, statistics."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.complaints.categories import (
    CATEGORY_NAMES_TH,
    LEXICON,
    Category,
    ComplaintType,
    category_scores,
    category_type,
    suggest_category,
    warm_up,
)
from domain.complaints.codes import (
    CODE_ALPHABET,
    hash_secret,
    new_pin,
    new_tracking_code,
    normalise_tracking_code,
    parse_follow_up,
    secrets_match,
)
from domain.complaints.crypto import (
    IdentityCryptoError,
    MasterKey,
    SealedIdentity,
    generate_master_key_b64,
    open_identity,
    rewrap,
    seal_identity,
    wrapped_by,
)
from domain.complaints.identity import Identifier, find_identifiers, mask
from domain.complaints.stats import ComplaintFacts, complaint_statistics
from domain.complaints.workflow import (
    CLOSED_STATUSES,
    ComplaintMode,
    ComplaintStatus,
    DeadlinePolicy,
    Deadlines,
    TransitionError,
    allowed_transitions,
    check_transition,
)
from domain.thai_text import to_thai_digits

BKK = ZoneInfo("Asia/Bangkok")
CODE_RE = re.compile(r"^ร-[346789ABCDEFGHJKMNPQRTUVWXY]{4}-[346789ABCDEFGHJKMNPQRTUVWXY]{2}$")


# ---------------------------------------------------------------- codes and PINs


def test_tracking_code_alphabet_has_no_look_alikes() -> None:
    assert not set(CODE_ALPHABET) & set("0O1IL5S2Z")
    assert CODE_ALPHABET.isupper()


def test_new_tracking_codes_have_the_form_and_vary() -> None:
    codes = {new_tracking_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert CODE_RE.match(code), code
        assert not code[2:].replace("-", "").isdigit()  # never mistaken for a PIN
        assert normalise_tracking_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "ร-7K3M-Q9",
        "ร-7k3m-q9",
        "ร7K3MQ9",
        "ร7k3mq9",
        "ร 7K3M Q9",
        "ร - 7K3M - Q9",
        "7K3M-Q9",
        "7k3mq9",
        " 7K3M Q9 ",
        "ร-๗K๓M-Q๙",
        "ร๗k๓mq๙",
        "R-7K3M-Q9",
        "r7k3mq9",
        "ร–7K3M–Q9",  # en dashes from a copied document
        "ร-7K3M-Q9\u200b",  # zero-width space from a copy
    ],
)
def test_normalise_tracking_code_accepts_what_people_type(typed: str) -> None:
    assert normalise_tracking_code(typed) == "ร-7K3M-Q9"


def test_normalise_tracking_code_keeps_a_leading_r_that_belongs_to_the_code() -> None:
    assert normalise_tracking_code("RK3MQ9") == "ร-RK3M-Q9"
    assert normalise_tracking_code("ร-RK3M-Q9") == "ร-RK3M-Q9"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ร",
        "ร-7K3M-Q",  # too short
        "ร-7K3M-Q99",  # too long
        "ร-7K3M-QO",  # O is not in the alphabet
        "ร-0K3M-Q9",
        "ร-7K1M-Q9",
        "ร-7K3M-S9",
        "ร-346789",  # all digits: never issued
        "ก-7K3M-Q9",  # another prefix
        "hello!",
        "ร-7K3M-Q9-ABC",
    ],
)
def test_normalise_tracking_code_rejects_non_codes(typed: str) -> None:
    assert normalise_tracking_code(typed) is None


_MESSY_SEPARATORS = st.sampled_from(["", "", "", " ", "-", " - ", "  "])


@st.composite
def messy_codes(draw: st.DrawFn) -> tuple[str, str]:
    body = draw(st.text(alphabet=CODE_ALPHABET, min_size=6, max_size=6).filter(lambda b: not b.isdigit()))
    canonical = f"ร-{body[:4]}-{body[4:]}"
    prefix = draw(st.sampled_from(["ร-", "ร", "ร ", "", "R-", "r", " ร - "]))
    chars = []
    for ch in body:
        if ch.isdigit() and draw(st.booleans()):
            ch = to_thai_digits(ch)
        elif draw(st.booleans()):
            ch = ch.lower()
        chars.append(draw(_MESSY_SEPARATORS) + ch)
    padding = draw(st.sampled_from(["", " ", "\n", "\t "]))
    return padding + prefix + "".join(chars) + padding, canonical


@given(messy_codes())
def test_messy_codes_round_trip(case: tuple[str, str]) -> None:
    typed, canonical = case
    assert normalise_tracking_code(typed) == canonical


@given(st.builds(lambda: new_tracking_code()))
def test_generated_codes_round_trip_in_lower_case_without_dashes(code: str) -> None:
    assert normalise_tracking_code(code.lower().replace("-", "")) == code
    assert normalise_tracking_code(to_thai_digits(code).replace("-", " ")) == code


def test_new_pin_is_six_digits_and_random() -> None:
    pins = [new_pin() for _ in range(2000)]
    assert all(len(p) == 6 and p.isascii() and p.isdigit() for p in pins)
    assert len(set(pins)) > 1900
    assert {p[0] for p in pins} == set("0123456789")  # leading zeros are kept


KEY = b"pin-hashing-key-for-tests-000000"


def test_pin_hash_round_trip_and_mismatch() -> None:
    digest = hash_secret("042917", KEY)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert secrets_match("042917", digest, KEY)
    assert secrets_match("๐๔๒๙๑๗", digest, KEY)  # Thai digits
    assert secrets_match(" 042 917 ", digest, KEY)
    assert secrets_match("042-917", digest, KEY)
    assert not secrets_match("042918", digest, KEY)
    assert not secrets_match("42917", digest, KEY)
    assert not secrets_match("042917", digest, b"another-key")
    assert not secrets_match("042917", "not-a-digest", KEY)
    assert not secrets_match("042917", "ข้อความ", KEY)


def test_hash_secret_is_keyed_and_normalises_codes() -> None:
    assert hash_secret("123456", KEY) != hash_secret("123456", b"other key")
    assert hash_secret("ร-7K3M-Q9", KEY) == hash_secret("ร7k3mq9", KEY) == hash_secret("7K3M Q9", KEY)
    assert hash_secret("ร-7K3M-Q9", KEY) != hash_secret("ร-7K3M-Q8", KEY)
    with pytest.raises(ValueError):
        hash_secret("123456", b"")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ติดตาม ร-7K3M-Q9 123456", ("ร-7K3M-Q9", "123456")),
        ("ติดตาม ร7k3mq9 ๑๒๓๔๕๖", ("ร-7K3M-Q9", "123456")),
        ("ติดตาม ร-7K3M-Q9", ("ร-7K3M-Q9", None)),
        ("ติดตาม 7k3m q9", ("ร-7K3M-Q9", None)),
        ("  ติดตาม   ร - 7K3M - Q9    012345 ", ("ร-7K3M-Q9", "012345")),
        ("ติดตามร-7K3M-Q9 123456", ("ร-7K3M-Q9", "123456")),
        ("ติดตามเรื่อง ร-7K3M-Q9 123 456", ("ร-7K3M-Q9", "123456")),
        ("ติดตาม\nร-7K3M-Q9\n123456", ("ร-7K3M-Q9", "123456")),
        ("ติดตาม ร-RK3M-Q9 123456", ("ร-RK3M-Q9", "123456")),
        ("ติดตาม RK3MQ9 123456", ("ร-RK3M-Q9", "123456")),
    ],
)
def test_parse_follow_up(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_follow_up(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "สวัสดีครับ",
        "ติดตาม",
        "ติดตามผลการร้องเรียนของผมด้วยครับ",
        "ติดตาม ร-7K3M-Q9 12345",  # a PIN is 6 digits
        "ติดตาม ร-7K3M-Q9 1234567",
        "ติดตาม ร-7K3M-QO 123456",
        "ร-7K3M-Q9 123456",  # no command word
        "ขอติดตาม ร-7K3M-Q9",
    ],
)
def test_parse_follow_up_refuses_other_texts(text: str) -> None:
    assert parse_follow_up(text) is None


# ---------------------------------------------------------------- identifiers


def with_check_digit(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def grouped(nid: str, sep: str = "-") -> str:
    return sep.join((nid[0], nid[1:5], nid[5:10], nid[10:12], nid[12]))


VALID_IDS = [with_check_digit(p) for p in ("110370002481", "310050123456", "570990004321", "840010000017")]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(i.kind, text[i.start : i.end]) for i in find_identifiers(text)]


def test_check_digit_helper_matches_a_known_id() -> None:
    # 1-1037-00024-81-6: 1*13+1*12+0*11+3*10+7*9+0*8+0*7+0*6+2*5+4*4+8*3+1*2 = 170; (11 - 170 % 11) % 10 = 6
    assert with_check_digit("110370002481") == "1103700024816"


@pytest.mark.parametrize("nid", VALID_IDS)
def test_national_ids_in_every_written_form(nid: str) -> None:
    for written in (nid, grouped(nid), grouped(nid, " "), to_thai_digits(nid), to_thai_digits(grouped(nid))):
        text = f"ดิฉันชื่อสมศรี เลขบัตรประชาชน {written} ค่ะ"
        assert kinds(text) == [("national_id", written)], written


@pytest.mark.parametrize("nid", VALID_IDS)
def test_national_ids_with_a_wrong_check_digit_are_ignored(nid: str) -> None:
    wrong = nid[:12] + str((int(nid[12]) + 1) % 10)
    assert find_identifiers(f"เลข {wrong} ครับ") == []
    assert find_identifiers(f"เลข {grouped(wrong)} ครับ") == []


def test_thirteen_digits_inside_a_longer_number_are_not_an_id() -> None:
    nid = VALID_IDS[0]
    assert find_identifiers(f"เลขอ้างอิง 9{nid}9") == []


@pytest.mark.parametrize(
    "phone",
    [
        "0812345678",
        "081-234-5678",
        "081 234 5678",
        "08-1234-5678",
        "0 8123 45678",
        "(081) 234-5678",
        "๐๘๑-๒๓๔-๕๖๗๘",
        "๐๙๔๓๒๑๘๗๖๕",
        "061-111-2222",
        "02-123-4567",
        "021234567",
        "(02) 123 4567",
        "053-123-456",
        "053 123456",
        "๐๕๓-๑๒๓-๔๕๖",
        "+66812345678",
        "+66 81 234 5678",
        "+66-81-234-5678",
        "+66 (0) 81 234 5678",
        "+662 123 4567",
        "+66 53 123 456",
    ],
)
def test_phone_numbers_in_every_written_form(phone: str) -> None:
    text = f"ติดต่อกลับได้ที่เบอร์ {phone} นะคะ"
    assert kinds(text) == [("phone", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "เรียกเงิน 50,000 บาท เมื่อวันที่ 12/03/2567",
        "โครงการหมู่ 5 งบประมาณ 1,234,567 บาท",
        "เลขที่สัญญา 12/2567 ลงวันที่ ๓ มี.ค. ๒๕๖๗",
        "รถทะเบียน กข 1234 เชียงใหม่",
        "เลขบัญชี 123456789012345678",
        "081234567",  # a mobile number is 10 digits
        "18123456789",  # does not start with 0
    ],
)
def test_numbers_that_are_not_identifiers(text: str) -> None:
    assert find_identifiers(text) == []


def test_emails_and_mixed_identifiers_are_ordered_and_masked() -> None:
    nid = grouped(VALID_IDS[1])
    text = f"ผมนายสมชาย โทร 089-999-8888 อีเมล somchai.k+ita@example.co.th บัตร {nid} และ 0812345678@gmail.com"
    found = kinds(text)
    assert found == [
        ("phone", "089-999-8888"),
        ("email", "somchai.k+ita@example.co.th"),
        ("national_id", nid),
        ("email", "0812345678@gmail.com"),  # a phone number inside an e-mail address is the address
    ]
    assert mask(text, find_identifiers(text)) == "ผมนายสมชาย โทร ••• อีเมล ••• บัตร ••• และ •••"


def test_mask_without_identifiers_and_with_bad_spans() -> None:
    assert mask("ไม่มีข้อมูลส่วนตัว", []) == "ไม่มีข้อมูลส่วนตัว"
    assert mask("abcdef", [Identifier("phone", 1, 4), Identifier("email", 2, 5)]) == "a•••f"
    with pytest.raises(ValueError):
        mask("abc", [Identifier("phone", 1, 9)])


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("0123456789๐๑๒๓๔๕๖๗๘๙ -+().@_abcxyzกขค\n")) | st.characters(), max_size=200))
def test_find_identifiers_never_raises(text: str) -> None:
    found = find_identifiers(text)
    previous_end = 0
    for ident in found:
        assert previous_end <= ident.start < ident.end <= len(text)
        previous_end = ident.end
    assert mask(text, found).count("•••") >= len(found)


@given(
    st.text(alphabet="กขคงabc ,.", max_size=30),
    st.from_regex(r"[1-8][0-9]{11}", fullmatch=True),
    st.sampled_from(["", "-", " "]),
    st.booleans(),
    st.text(alphabet="กขคงabc ,.", max_size=30),
)
def test_any_valid_national_id_is_found(before: str, first12: str, sep: str, thai: bool, after: str) -> None:
    nid = with_check_digit(first12)
    written = grouped(nid, sep) if sep else nid
    if thai:
        written = to_thai_digits(written)
    text = f"{before} {written} {after}"
    assert ("national_id", written) in kinds(text)


# ---------------------------------------------------------------- categories


def test_category_names_and_types() -> None:
    assert set(CATEGORY_NAMES_TH) == set(Category)
    assert CATEGORY_NAMES_TH[Category.BRIBERY] == "เรียกรับสินบน"
    assert CATEGORY_NAMES_TH[Category.GRIEVANCE] == "เรื่องร้องทุกข์ทั่วไป"
    assert category_type(Category.GRIEVANCE) is ComplaintType.GRIEVANCE
    for category in Category:
        if category is not Category.GRIEVANCE:
            assert category_type(category) is ComplaintType.CORRUPTION
    assert ComplaintType.CORRUPTION == "corruption"


def test_lexicon_is_rich_enough_and_unambiguous() -> None:
    seen: set[str] = set()
    for category, words in LEXICON.items():
        if category_type(category) is ComplaintType.CORRUPTION:
            assert len(words) >= 8, category
        assert not seen & set(words), category
        seen |= set(words)
    for word in ("สินบน", "เงินใต้โต๊ะ", "ค่าน้ำร้อนน้ำชา", "เรียกเงิน", "ใต้โต๊ะ", "ส่วย"):
        assert word in LEXICON[Category.BRIBERY]
    for word in ("ฮั้ว", "ประมูล", "จัดซื้อจัดจ้าง", "ล็อกสเปก", "สมยอมราคา", "เอื้อผู้รับเหมา"):
        assert word in LEXICON[Category.PROCUREMENT]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("เจ้าหน้าที่กองช่างเรียกเงินใต้โต๊ะ 3,000 บาท เพื่อให้ใบอนุญาตก่อสร้างผ่านเร็วขึ้น", Category.BRIBERY),
        ("ไปขอใบอนุญาตที่เทศบาล เจ้าหน้าที่บอกว่าต้องจ่ายค่าน้ำร้อนน้ำชาก่อนถึงจะดำเนินการให้", Category.BRIBERY),
        ("มีการเก็บส่วยจากแม่ค้าในตลาดสดทุกเดือน เดือนละ 500 บาท", Category.BRIBERY),
        ("ปลัดรับสินบนจากผู้ประกอบการร้านอาหาร", Category.BRIBERY),
        ("เจ้าหน้าที่เรียก เงิน ใต้ โต๊ะ ตอนไปต่อใบอนุญาต", Category.BRIBERY),
        ("โครงการก่อสร้างถนนคอนกรีตหมู่ 5 มีการฮั้วประมูล ผู้รับเหมาเจ้าเดิมได้งานทุกครั้ง", Category.PROCUREMENT),
        ("การจัดซื้อครุภัณฑ์คอมพิวเตอร์มีการล็อกสเปกให้ร้านเดียวเท่านั้นที่เสนอราคาได้", Category.PROCUREMENT),
        ("สงสัยว่ามีการสมยอมราคากันในการประกวดราคาโครงการขุดลอกคลอง", Category.PROCUREMENT),
        ("มีการทุจริตในการประมูลราคาซ่อมแซมอาคาร", Category.PROCUREMENT),
        ("มีการ ฮั้ว ประ มูล งานถนน", Category.PROCUREMENT),
        ("เจ้าหน้าที่ขับรถหลวงไปรับส่งลูกที่โรงเรียนทุกวัน", Category.STATE_PROPERTY),
        ("หัวหน้างานเอาของหลวงไปใช้ที่บ้าน เช่น เครื่องตัดหญ้าและโต๊ะพับ", Category.STATE_PROPERTY),
        ("มีการเบิกน้ำมันรถส่วนกลางไปเติมรถส่วนตัว", Category.STATE_PROPERTY),
        ("เจ้าหน้าที่เลือกปฏิบัติ ให้บริการคนรู้จักก่อน ส่วนชาวบ้านต้องรอทั้งวัน", Category.ABUSE_OF_POWER),
        ("ผู้อำนวยการกองกลั่นแกล้งลูกน้องที่ไม่ยอมเซ็นเอกสาร และข่มขู่ว่าจะสั่งย้าย", Category.ABUSE_OF_POWER),
        ("นายกเทศมนตรีให้บริษัทของภรรยาได้งานรับเหมาของเทศบาล เป็นผลประโยชน์ทับซ้อน", Category.CONFLICT_OF_INTEREST),
        ("การสอบบรรจุพนักงานจ้าง คนที่ได้เป็นญาติของรองนายกทั้งหมด ใช้เส้นสายกัน", Category.CONFLICT_OF_INTEREST),
        ("มีการปลอมลายมือชื่อเพื่อเบิกเงินค่าอาหารกลางวันเด็ก", Category.OTHER_CORRUPTION),
        ("เจ้าหน้าที่การเงินยักยอกเงินค่าธรรมเนียมไปใช้", Category.OTHER_CORRUPTION),
        ("ถนนชำรุดเป็นหลุมบ่อหน้าซอย 3 รถจักรยานยนต์ล้มหลายครั้งแล้ว", Category.GRIEVANCE),
        ("ไฟส่องสว่างในซอยดับมาสองอาทิตย์แล้ว มืดมาก", Category.GRIEVANCE),
        ("รถขยะไม่มาเก็บขยะหน้าบ้านมาหนึ่งสัปดาห์ ส่งกลิ่นเหม็นมาก", Category.GRIEVANCE),
        ("ฝนตกทีไรน้ำท่วมขังถนนในหมู่บ้าน ท่อระบายน้ำอุดตัน", Category.GRIEVANCE),
        ("ร้านคาราโอเกะข้างบ้านเปิดเพลงเสียงดังจนถึงตีสอง", Category.GRIEVANCE),
    ],
)
def test_suggest_category_for_real_complaints(text: str, expected: Category) -> None:
    assert suggest_category(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "ขอสอบถามเวลาเปิดทำการของเทศบาลครับ",
        "",
        "   ",
        "อายุงานของเขาสิบปีแล้ว",  # holds "ยุง"
        "ญาติโยมมาทำบุญที่วัดเยอะมาก",  # temple-goers, not relatives
        "พูดไปก็น้ำท่วมปาก",  # an idiom, not a flood
        "ผู้บังคับบัญชาสั่งงานตามปกติ",
    ],
)
def test_suggest_category_is_none_without_evidence(text: str) -> None:
    assert suggest_category(text) is None


def test_category_scores_count_each_word_once_where_it_starts() -> None:
    scores = category_scores("มีการเก็บส่วย")
    assert scores[Category.BRIBERY] == 3
    assert sum(scores.values()) == 3
    # the specific category beats the generic word "ทุจริต"
    scores = category_scores("ทุจริตการจัดซื้อจัดจ้าง")
    assert scores[Category.PROCUREMENT] > scores[Category.OTHER_CORRUPTION] > 0


def test_suggest_category_prefers_corruption_on_a_tie() -> None:
    text = "ญาติของหัวหน้าเอาขยะมาทิ้ง"  # conflict of interest 2, grievance 2
    scores = category_scores(text)
    assert scores[Category.CONFLICT_OF_INTEREST] == scores[Category.GRIEVANCE] == 2
    assert suggest_category(text) is Category.CONFLICT_OF_INTEREST


def test_suggest_category_reads_a_long_complaint() -> None:
    """A 1,000-character complaint is categorised (its speed is measured in bench/import_parse.py)."""
    warm_up()
    text = (
        "เรียนนายกเทศมนตรี ข้าพเจ้าขอร้องเรียนว่าโครงการก่อสร้างถนนคอนกรีตเสริมเหล็กสายบ้านใหม่ "
        "มีการฮั้วประมูลและล็อกสเปก ผู้รับเหมาเป็นบริษัทของญาติรองนายก งานไม่ได้มาตรฐาน ถนนชำรุดภายในสามเดือน "
    ) * 8
    text = text[:1000]
    assert len(text) == 1000
    assert suggest_category(text) is Category.PROCUREMENT


# ---------------------------------------------------------------- identity encryption


@pytest.fixture()
def master() -> MasterKey:
    return MasterKey.from_b64(generate_master_key_b64())


IDENTITY = {"name": "นางสาวสมศรี ใจดี", "phone": "0812345678", "line_user_id": "U1234567890abcdef"}


def test_seal_and_open_round_trip(master: MasterKey) -> None:
    sealed = seal_identity(master, IDENTITY, aad=b"complaint:42")
    assert open_identity(master, sealed, aad=b"complaint:42") == IDENTITY
    assert "สมศรี".encode() not in sealed.ciphertext
    assert b"0812345678" not in sealed.ciphertext and b"0812345678" not in sealed.wrapped_key
    assert "สมศรี" not in repr(sealed) and "key=" not in repr(master)


def test_every_seal_uses_a_fresh_key_and_nonce(master: MasterKey) -> None:
    one = seal_identity(master, IDENTITY, aad=b"complaint:42")
    two = seal_identity(master, IDENTITY, aad=b"complaint:42")
    assert one.ciphertext != two.ciphertext
    assert one.wrapped_key != two.wrapped_key
    # another complaint's key does not open this identity: destroying a wrapped key is final
    with pytest.raises(IdentityCryptoError):
        open_identity(master, SealedIdentity(two.wrapped_key, one.ciphertext), aad=b"complaint:42")


def test_open_with_the_wrong_master_key_fails(master: MasterKey) -> None:
    sealed = seal_identity(master, IDENTITY, aad=b"complaint:42")
    other = MasterKey.from_b64(generate_master_key_b64())
    with pytest.raises(IdentityCryptoError):
        open_identity(other, sealed, aad=b"complaint:42")


def test_open_with_the_wrong_associated_data_fails(master: MasterKey) -> None:
    sealed = seal_identity(master, IDENTITY, aad=b"complaint:42")
    with pytest.raises(IdentityCryptoError):
        open_identity(master, sealed, aad=b"complaint:43")


def test_tampered_or_truncated_bytes_fail(master: MasterKey) -> None:
    sealed = seal_identity(master, IDENTITY, aad=b"c1")
    flipped = bytearray(sealed.ciphertext)
    flipped[-1] ^= 1
    for broken in (
        SealedIdentity(sealed.wrapped_key, bytes(flipped)),
        SealedIdentity(sealed.wrapped_key, sealed.ciphertext[:10]),
        SealedIdentity(sealed.wrapped_key[:-1], sealed.ciphertext),
        SealedIdentity(b"", sealed.ciphertext),
    ):
        with pytest.raises(IdentityCryptoError):
            open_identity(master, broken, aad=b"c1")


def test_rewrap_moves_a_key_to_the_new_master(master: MasterKey) -> None:
    new_master = MasterKey.from_b64(generate_master_key_b64())
    sealed = seal_identity(master, IDENTITY, aad=b"complaint:7")
    rewrapped = rewrap(master, new_master, sealed.wrapped_key)
    assert wrapped_by(master, sealed.wrapped_key) and not wrapped_by(new_master, sealed.wrapped_key)
    assert wrapped_by(new_master, rewrapped)
    moved = SealedIdentity(rewrapped, sealed.ciphertext)  # the ciphertext is untouched
    assert open_identity(new_master, moved, aad=b"complaint:7") == IDENTITY
    with pytest.raises(IdentityCryptoError):
        open_identity(master, moved, aad=b"complaint:7")
    with pytest.raises(IdentityCryptoError):
        rewrap(new_master, master, sealed.wrapped_key)  # not wrapped by new_master


def test_master_key_from_b64_and_env() -> None:
    raw = bytes(range(32))
    text = base64.b64encode(raw).decode()
    assert MasterKey.from_b64(text).key == raw
    assert MasterKey.from_b64(f"  {text}\n").key == raw
    assert MasterKey.from_b64(base64.urlsafe_b64encode(raw).decode().rstrip("=")).key == raw
    assert MasterKey.from_env({"ITABOT_MASTER_KEY": text}).key == raw
    assert len(base64.b64decode(generate_master_key_b64())) == 32
    assert generate_master_key_b64() != generate_master_key_b64()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("not base64 at all!!", "not valid base64"),
        (base64.b64encode(b"short key").decode(), "decodes to 9 bytes"),
        (base64.b64encode(bytes(33)).decode(), "decodes to 33 bytes"),
    ],
)
def test_bad_master_keys_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        MasterKey.from_b64(text)
    if text:
        assert text not in str(caught.value)  # never echo key material


def test_missing_master_key_in_env() -> None:
    with pytest.raises(ValueError, match="ITABOT_MASTER_KEY is not set"):
        MasterKey.from_env({})


# ---------------------------------------------------------------- workflow


S = ComplaintStatus


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.RECEIVED, S.SCREENING),
        (S.RECEIVED, S.DISMISSED),
        (S.RECEIVED, S.REFERRED),
        (S.SCREENING, S.INVESTIGATING),
        (S.SCREENING, S.DISMISSED),
        (S.SCREENING, S.REFERRED),
        (S.INVESTIGATING, S.RESOLVED),
        (S.INVESTIGATING, S.DISMISSED),
        (S.INVESTIGATING, S.REFERRED),
        (S.RESOLVED, S.SCREENING),
        (S.RESOLVED, S.INVESTIGATING),
        (S.DISMISSED, S.SCREENING),
        (S.REFERRED, S.INVESTIGATING),
    ],
)
def test_allowed_transitions(old: ComplaintStatus, new: ComplaintStatus) -> None:
    assert new in allowed_transitions(old)
    check_transition(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.RECEIVED, S.INVESTIGATING),  # screening first
        (S.RECEIVED, S.RESOLVED),
        (S.RECEIVED, S.RECEIVED),
        (S.SCREENING, S.RESOLVED),
        (S.SCREENING, S.RECEIVED),
        (S.INVESTIGATING, S.SCREENING),
        (S.RESOLVED, S.DISMISSED),
        (S.RESOLVED, S.RECEIVED),
        (S.DISMISSED, S.RESOLVED),
        (S.REFERRED, S.REFERRED),
    ],
)
def test_refused_transitions(old: ComplaintStatus, new: ComplaintStatus) -> None:
    assert new not in allowed_transitions(old)
    with pytest.raises(TransitionError) as caught:
        check_transition(old, new)
    assert caught.value.old is old and caught.value.new is new


def test_statuses_and_modes() -> None:
    assert {S.RESOLVED, S.DISMISSED, S.REFERRED} == CLOSED_STATUSES
    assert [s.value for s in S] == ["received", "screening", "investigating", "resolved", "dismissed", "referred"]
    assert [m.value for m in ComplaintMode] == ["identified", "confidential", "anonymous"]
    check_transition("received", "screening")  # stored values work too
    allowed_transitions(S.RECEIVED).add(S.RESOLVED)  # a copy: the rules are not changed
    assert S.RESOLVED not in allowed_transitions(S.RECEIVED)


RECEIVED = datetime(2024, 3, 1, 9, 0, tzinfo=BKK)


def test_deadlines_of_a_new_complaint() -> None:
    d = DeadlinePolicy().deadlines(RECEIVED)
    assert d.first_answer_due == datetime(2024, 3, 8, 9, 0, tzinfo=BKK)
    assert d.next_feedback_due == datetime(2024, 3, 31, 9, 0, tzinfo=BKK)
    assert d.close_due == datetime(2024, 5, 30, 9, 0, tzinfo=BKK)
    assert d.overdue(RECEIVED) == [] and d.due_soon(RECEIVED) == []


def test_first_answer_deadline_boundaries() -> None:
    d = DeadlinePolicy().deadlines(RECEIVED)
    due = d.first_answer_due
    assert due is not None
    second = timedelta(seconds=1)
    assert d.due_soon(due - timedelta(days=2) - second) == []
    assert d.due_soon(due - timedelta(days=2)) == ["first_answer"]
    assert d.due_soon(due) == ["first_answer"]
    assert d.overdue(due) == []
    assert d.overdue(due + second) == ["first_answer"]
    assert d.due_soon(due + second) == []
    # the same instant in another time zone
    assert d.overdue((due + second).astimezone(UTC)) == ["first_answer"]


def test_deadlines_met_or_moot_are_dropped() -> None:
    policy = DeadlinePolicy()
    answered = policy.deadlines(RECEIVED, first_answer_at=RECEIVED + timedelta(days=3))
    assert answered.first_answer_due is None
    assert answered.overdue(RECEIVED + timedelta(days=31)) == ["feedback"]
    assert answered.overdue(RECEIVED + timedelta(days=91)) == ["feedback", "close"]
    closed = policy.deadlines(RECEIVED, closed_at=RECEIVED + timedelta(days=10))
    assert closed == Deadlines(None, None, None, timedelta(days=2))
    assert closed.overdue(RECEIVED + timedelta(days=400)) == []


MINUTES = st.integers(min_value=0, max_value=200 * 24 * 60)


@settings(max_examples=300, deadline=None)
@example(answered=None, feedback=None, remind_days=2, now=7 * 24 * 60, later=0.5)  # at the first answer's due
@example(answered=None, feedback=None, remind_days=2, now=5 * 24 * 60, later=0.5)  # as its reminder window opens
@given(answered=st.none() | MINUTES, feedback=st.none() | MINUTES, remind_days=st.integers(0, 5), now=MINUTES,
       later=st.floats(min_value=0, max_value=1, exclude_max=True))
def test_deadlines_stay_as_they_are_until_steady_until(answered: int | None, feedback: int | None,
                                                      remind_days: int, now: int, later: float) -> None:
    """The deadline check skips a complaint until `steady_until` (usecases/complaint_deadlines.py): no
    deadline may become due soon or overdue before it, and one does at it (or just after, for overdue)."""
    def at(minutes: int | None) -> datetime | None:
        return None if minutes is None else RECEIVED + timedelta(minutes=minutes)

    d = DeadlinePolicy(remind_before_days=remind_days).deadlines(RECEIVED, first_answer_at=at(answered),
                                                                 last_feedback_at=at(feedback))
    start = RECEIVED + timedelta(minutes=now)
    until = d.steady_until(start)
    if until is None:
        assert d.due_soon(start) == [] and set(d.overdue(start)) == {"first_answer", "feedback", "close"} - {
            name for name, due in (("first_answer", d.first_answer_due),) if due is None}
        return
    assert until >= start
    tick = timedelta(microseconds=1)
    span = (until - start) // tick
    if span:
        moment = start + min(int(span * later), span - 1) * tick  # in [start, until)
        assert (d.overdue(moment), d.due_soon(moment)) == (d.overdue(start), d.due_soon(start))
        assert any((d.overdue(m), d.due_soon(m)) != (d.overdue(start), d.due_soon(start)) for m in (until, until + tick))


def test_feedback_is_due_every_period_after_the_last_feedback() -> None:
    policy = DeadlinePolicy()
    last = RECEIVED + timedelta(days=25, hours=3)
    d = policy.deadlines(RECEIVED, first_answer_at=RECEIVED, last_feedback_at=last)
    assert d.next_feedback_due == last + timedelta(days=30)
    assert d.overdue(RECEIVED + timedelta(days=31)) == []  # the first 30 days were met by the feedback
    assert d.due_soon(last + timedelta(days=28)) == ["feedback"]
    assert d.overdue(last + timedelta(days=30, seconds=1)) == ["feedback"]
    # a feedback recorded before receipt (clock skew) does not push the deadline back
    early = policy.deadlines(RECEIVED, last_feedback_at=RECEIVED - timedelta(hours=1))
    assert early.next_feedback_due == RECEIVED + timedelta(days=30)


def test_all_overdue_at_once_and_custom_policy() -> None:
    policy = DeadlinePolicy(first_answer_days=3, feedback_days=10, close_days=20, remind_before_days=1)
    d = policy.deadlines(RECEIVED)
    assert d.overdue(RECEIVED + timedelta(days=21)) == ["first_answer", "feedback", "close"]
    assert d.due_soon(RECEIVED + timedelta(days=2, hours=1)) == ["first_answer"]
    assert d.due_soon(RECEIVED + timedelta(days=19, hours=1)) == ["close"]
    with pytest.raises(ValueError):
        DeadlinePolicy(first_answer_days=0)
    with pytest.raises(ValueError):
        DeadlinePolicy(remind_before_days=-1)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="received_at"):
        DeadlinePolicy().deadlines(datetime(2024, 3, 1, 9, 0))
    with pytest.raises(ValueError, match="now"):
        DeadlinePolicy().deadlines(RECEIVED).overdue(datetime(2024, 3, 20))


# ---------------------------------------------------------------- statistics


def facts(
    received: datetime,
    category: Category = Category.BRIBERY,
    status: ComplaintStatus = S.RECEIVED,
    mode: ComplaintMode = ComplaintMode.ANONYMOUS,
    first_answer_days: float | None = None,
    close_days: float | None = None,
) -> ComplaintFacts:
    return ComplaintFacts(
        received_at=received,
        type=category_type(category),
        category=category,
        status=status,
        mode=mode,
        first_answer_at=None if first_answer_days is None else received + timedelta(days=first_answer_days),
        closed_at=None if close_days is None else received + timedelta(days=close_days),
    )


def test_statistics_of_a_fiscal_year() -> None:
    data = [
        # 1 Oct 2023 00:00 in Bangkok is still 30 Sep in UTC: it belongs to fiscal year 2567
        facts(datetime(2023, 9, 30, 17, 0, tzinfo=UTC), Category.BRIBERY, S.RESOLVED, first_answer_days=2,
              close_days=40),
        # one second earlier is fiscal year 2566
        facts(datetime(2023, 9, 30, 16, 59, 59, tzinfo=UTC), Category.BRIBERY, S.RESOLVED, first_answer_days=100),
        facts(datetime(2023, 10, 15, 10, 0, tzinfo=BKK), Category.PROCUREMENT, S.INVESTIGATING,
              ComplaintMode.CONFIDENTIAL, first_answer_days=4),
        facts(datetime(2024, 2, 29, 23, 30, tzinfo=BKK), Category.GRIEVANCE, S.DISMISSED, ComplaintMode.IDENTIFIED,
              first_answer_days=1, close_days=5),
        facts(datetime(2024, 2, 1, 8, 0, tzinfo=BKK), Category.BRIBERY, S.SCREENING, first_answer_days=6.5),
        # last moment of fiscal year 2567 in Bangkok
        facts(datetime(2024, 9, 30, 23, 59, tzinfo=BKK), Category.STATE_PROPERTY, S.RECEIVED),
        # fiscal year 2568
        facts(datetime(2024, 10, 1, 0, 0, tzinfo=BKK), Category.GRIEVANCE, S.RECEIVED),
    ]
    stats = complaint_statistics(iter(data), 2567)

    assert stats["fiscal_year_be"] == 2567
    assert stats["total"] == 5
    assert [m["month"] for m in stats["by_month"]] == [
        "2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03",
        "2024-04", "2024-05", "2024-06", "2024-07", "2024-08", "2024-09",
    ]
    assert [m["count"] for m in stats["by_month"]] == [2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1]
    assert stats["by_type"] == {"corruption": 4, "grievance": 1}
    assert stats["by_category"] == {
        "bribery": 2, "procurement": 1, "state_property": 1, "abuse_of_power": 0,
        "conflict_of_interest": 0, "other_corruption": 0, "grievance": 1,
    }
    assert stats["by_status"] == {
        "received": 1, "screening": 1, "investigating": 1, "resolved": 1, "dismissed": 1, "referred": 0,
    }
    assert stats["by_mode"] == {"identified": 1, "confidential": 1, "anonymous": 3}
    nested = stats["by_month_category_status"]
    assert list(nested) == [m["month"] for m in stats["by_month"]]
    assert nested["2023-10"]["bribery"]["resolved"] == 1
    assert nested["2023-10"]["procurement"]["investigating"] == 1
    assert nested["2024-02"]["grievance"]["dismissed"] == 1
    assert nested["2024-02"]["bribery"]["screening"] == 1
    assert nested["2024-09"]["state_property"]["received"] == 1
    assert nested["2024-05"]["abuse_of_power"]["referred"] == 0
    assert sum(n for cats in nested.values() for sts in cats.values() for n in sts.values()) == 5
    assert stats["median_days_to_first_answer"] == 3.0  # of 2, 4, 1, 6.5 (the 100 is another year)
    assert stats["median_days_to_close"] == 22.5  # of 40 and 5


def test_statistics_of_an_empty_year_are_complete_zeros() -> None:
    stats = complaint_statistics([], 2568)
    assert stats["total"] == 0
    assert stats["by_month"][0] == {"month": "2024-10", "count": 0}
    assert stats["by_month"][-1] == {"month": "2025-09", "count": 0}
    assert set(stats["by_category"]) == {c.value for c in Category}
    assert stats["median_days_to_first_answer"] is None and stats["median_days_to_close"] is None
    assert len(stats["by_month_category_status"]) == 12
    assert json.loads(json.dumps(stats)) == stats


def test_statistics_refuse_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        complaint_statistics([facts(datetime(2024, 1, 1))], 2567)
