"""Names of things every surface shows alike (LINE, console, CLI, documents): roles, statuses, complaint
types and modes, round schemes, weekdays."""

from __future__ import annotations

ROLE_NAMES = {
    "citizen": "ประชาชน/ผู้ใช้ทั่วไป",
    "head": "หัวหน้าส่วนราชการ (ผู้รายงานผล)",
    "officer": "เจ้าหน้าที่รับเรื่องร้องเรียน",
    "admin": "ผู้ดูแลระบบ (ผู้ประสานงาน ITA)",
}

# -- progress reports --------------------------------------------------------------------------------
STATUS_LABELS = {
    "not_started": "ยังไม่เริ่ม",
    "in_progress": "กำลังดำเนินการ",
    "done": "ดำเนินการแล้วเสร็จ",
    "problem": "มีปัญหา-อุปสรรค",
}
ROUND_NAME = "รอบ {months} เดือน"  # a round from the fiscal year's first day
ROUND_NAME_QUARTER = "ไตรมาส {quarter} ({start}–{end})"  # a quarter that is not the first
ROUND_NAME_PART = "รอบ {months} เดือน (เฉพาะ {start}–{end})"  # a later part of the year
ROUND_NAME_MONTH = "เดือน {month}"
COMPLAINT_MODE_NAMES = {"identified": "เปิดเผยตัวตน", "confidential": "ปกปิดตัวตน", "anonymous": "ไม่ระบุตัวตน"}
COMPLAINT_TYPE_NAMES = {"corruption": "ทุจริตและประพฤติมิชอบ", "grievance": "เรื่องราวร้องทุกข์ทั่วไป"}
COMPLAINT_STATUS_LABELS = {
    "received": "รับเรื่องแล้ว",
    "screening": "คัดกรอง",
    "investigating": "ตรวจสอบข้อเท็จจริง",
    "resolved": "ดำเนินการแล้วเสร็จ",
    "dismissed": "ยุติเรื่อง",
    "referred": "ส่งต่อหน่วยงานอื่น",
}
ROUNDS_SCHEME_LABELS = {"quarterly": "รายไตรมาส", "six-monthly": "ราย 6 เดือน", "yearly": "รายปี",
                        "monthly": "รายเดือน", "plan": "ตามแผน"}
WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
YES_NO = {True: "ใช่", False: "ไม่"}
