"""Routing rules and complaint settings, without the bot: who a complaint names, whether it is about the
executive, the keyed hashes kept apart by purpose, and COMPLAINT_KEY handling."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import ConfigError, Settings, complaint_config
from domain.complaints.crypto import generate_master_key_b64
from domain.complaints.routing import mentions_executive, named_units
from domain.units import default_directory

USER = "U" + "a" * 32


@pytest.mark.parametrize(("text", "expected"), [
    ("นายกเทศมนตรีสั่งให้จัดซื้อจากร้านญาติ", True),
    ("รองนายกฯ เรียกรับเงิน", True),
    ("ปลัดเทศบาลไม่ยอมลงนาม", True),
    ("ปลัด อบต. เรียกเงิน", True),
    ("นายก อบต. ใช้รถหลวง", True),
    ("เจ้าหน้าที่สำนักปลัดเรียกเงิน", False),
    ("สำนักงานปลัดเทศบาลให้บริการช้า", False),
    ("ปลัดอำเภอมาตรวจ", False),
    ("นายกรัฐมนตรีประกาศนโยบาย", False),
    ("นายช่างกองช่างเรียกเงิน", False),
    ("", False),
])
def test_complaints_about_the_executive_or_the_palat(text: str, expected: bool) -> None:
    assert mentions_executive([text]) is expected


def test_units_named_anywhere_in_a_complaint() -> None:
    directory = default_directory()
    assert named_units(["เจ้าหน้าที่ กอง ช่าง เรียกเงิน", "", "สำนักปลัด และกองช่าง"], directory) == [
        "กองช่าง", "สำนักปลัดเทศบาล"]
    assert named_units(["ถนนหน้าตลาดพัง"], directory) == []


def test_complaint_key_is_required_outside_development_and_checked() -> None:
    base = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "SECRET_KEY": "k"}
    with pytest.raises(ConfigError, match="COMPLAINT_KEY is not set"):
        Settings.from_env(base)
    with pytest.raises(ConfigError, match="COMPLAINT_KEY is malformed") as refused:
        Settings.from_env({**base, "COMPLAINT_KEY": "c2hvcnQ="})
    assert "c2hvcnQ" not in str(refused.value)  # the error never echoes the key
    key = generate_master_key_b64()
    assert Settings.from_env({**base, "COMPLAINT_KEY": key}).complaint_key == key
    assert "complaint_key" not in repr(Settings.from_env({**base, "COMPLAINT_KEY": key}))
    dev = Settings.from_env({"ITABOT_ENV": "development"})
    assert dev.complaint_key == Settings.from_env({"ITABOT_ENV": "test"}).complaint_key  # same SECRET_KEY
    assert dev.complaint_key != Settings.from_env({"ITABOT_ENV": "development", "SECRET_KEY": "other"}).complaint_key


def test_account_hashes_are_keyed_apart_by_purpose() -> None:
    keys = complaint_config(Settings.from_env({"ITABOT_ENV": "test"})).keys
    other = complaint_config(Settings.from_env({"ITABOT_ENV": "test", "COMPLAINT_KEY": generate_master_key_b64()}))
    hashes = {keys.owner_hash(USER), keys.block_hash(USER), keys.attempt_account_hash(USER),
              keys.intake_hash(USER, date(2024, 3, 15)).digest, keys.intake_hash(USER, date(2024, 3, 16)).digest}
    assert len(hashes) == 5 and not any(USER in h for h in hashes)
    assert keys.owner_hash(USER) != other.keys.owner_hash(USER)
    assert keys.code_hash("ร-7K3M-Q9") == keys.code_hash("r7k3mq9")
    pin = keys.pin_hash("012345", "ร-7K3M-Q9")
    assert keys.pin_matches("๐๑๒๓๔๕", "ร-7K3M-Q9", pin) and not keys.pin_matches("012345", "ร-7K3M-Q8", pin)
