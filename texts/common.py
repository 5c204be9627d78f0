"""Names of things every surface shows alike (LINE, console, CLI, documents): roles, statuses, complaint
types and modes, round schemes, weekdays."""

from __future__ import annotations

ROLE_NAMES = {
    "citizen": "ประชาชน/ผู้ใช้ทั่วไป",
    "head": "หัวหน้าส่วนราชการ (ผู้รายงานผล)",
    "officer": "เจ้าหน้าที่รับเรื่องร้องเรียน",
    "admin": "ผู้ดูแลระบบ (ผู้ประสานงาน ITA)",
    "operator": "ผู้ให้บริการระบบ (ดูแลรายชื่อหน่วยงาน)",
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
# The digit style of each surface (domain.digits, issue #15 item 9)
DIGIT_STYLE_LABELS = {"arabic": "เลขอารบิก (0 1 2)", "thai": "เลขไทย (๐ ๑ ๒)"}
DIGIT_SURFACE_LABELS = {"chat": "ข้อความใน LINE", "console": "หน้าเว็บผู้ดูแลระบบ",
                        "documents": "รายงาน Word และหน้าเว็บเผยแพร่"}

# -- office files (plan upload in the console, `itabot import-plan`): domain.office_files -------------
_OFFICE_FILE_HINT = " ตารางมาตรการจริงเล็กกว่านี้มาก: บันทึกเฉพาะตารางมาตรการเป็นไฟล์ใหม่ (หรือ .csv) แล้วลองอีกครั้ง"
OFFICE_FILE_TOO_BIG = "ไฟล์ {name} ใหญ่เกินไป ({size} MB): รับได้ไม่เกิน {limit} MB." + _OFFICE_FILE_HINT
OFFICE_FILE_TOO_MANY_MEMBERS = (
    "ไม่รับไฟล์ {name}: ภายในมีไฟล์ย่อย {count:,} ไฟล์ (รับได้ไม่เกิน {limit:,})." + _OFFICE_FILE_HINT)
OFFICE_FILE_MEMBER_TOO_BIG = (
    "ไม่รับไฟล์ {name}: เมื่อแตกไฟล์แล้วส่วนหนึ่งใหญ่ถึง {size} MB (รับได้ไม่เกิน {limit} MB)." + _OFFICE_FILE_HINT)
OFFICE_FILE_TOTAL_TOO_BIG = "ไม่รับไฟล์ {name}: เมื่อแตกไฟล์แล้วใหญ่เกิน {limit} MB." + _OFFICE_FILE_HINT
OFFICE_FILE_RATIO = (
    "ไม่รับไฟล์ {name}: ข้อมูลถูกบีบอัดไว้ผิดปกติ (ขยายได้ {ratio:,} เท่า รับได้ไม่เกิน {limit:,} เท่า)."
    + _OFFICE_FILE_HINT)
OFFICE_FILE_NESTED = "ไม่รับไฟล์ {name}: มีไฟล์บีบอัดซ้อนอยู่ภายใน." + _OFFICE_FILE_HINT
OFFICE_FILE_TOO_MANY_ROWS = "ไม่รับไฟล์ {name}: มีมากกว่า {limit:,} แถว." + _OFFICE_FILE_HINT
OFFICE_FILE_TOO_MANY_CELLS = "ไม่รับไฟล์ {name}: มีข้อมูลมากกว่า {limit:,} ช่อง." + _OFFICE_FILE_HINT
OFFICE_FILE_TOO_COMPLEX = (
    "ไม่รับไฟล์ {name}: เนื้อหาเอกสารซับซ้อนเกินไป (เกิน {limit:,} องค์ประกอบ)." + _OFFICE_FILE_HINT)
# -- plan files (PDF) ----------------------------------------------------------------------------------
PDF_NO_TEXT = ("ไฟล์ {name} ไม่มีข้อความให้อ่าน (น่าจะเป็นภาพสแกน): ระบบอ่านตารางจากภาพไม่ได้ "
               "กรุณาใช้ไฟล์ต้นฉบับ Word (.docx) หรือ Excel (.xlsx) หรือ PDF ที่บันทึกจาก Word "
               "หรือคัดลอกตารางมาวางเป็นข้อความ")
PDF_NO_TABLE = ("ไม่พบตารางมาตรการในไฟล์ {name}: ไม่พบแถวหัวตาราง (เช่น มาตรการ ขั้นตอน หน่วยงานที่รับผิดชอบ "
                "ระยะเวลา) ทั้งในตารางที่มีเส้นและไม่มีเส้น "
                "กรุณาใช้ไฟล์ต้นฉบับ Word (.docx) หรือ Excel (.xlsx) หรือคัดลอกตารางมาวางเป็นข้อความ")
PDF_NOT_PDF = "อ่านไฟล์ {name} ไม่ได้: ไฟล์เสียหรือไม่ใช่ไฟล์ PDF จริง"
PDF_ENCRYPTED = "อ่านไฟล์ {name} ไม่ได้: PDF ถูกตั้งรหัสผ่านไว้ กรุณาปลดรหัสผ่านหรือใช้ไฟล์ต้นฉบับ Word/Excel"
PDF_TOO_BIG = "ไฟล์ {name} ใหญ่เกินไป: รับ PDF ไม่เกิน {mb} MB"
PDF_TOO_MANY_PAGES = "ไฟล์ {name} มีหน้ามากเกินไป: รับ PDF ไม่เกิน {pages} หน้า กรุณาแยกเฉพาะหน้าที่มีตารางมาตรการ"

# The page of a signed evidence link that opens nothing (issue #15 item 6).
EVIDENCE_LINK_PAGES = {
    "expired": ("ลิงก์หลักฐานหมดอายุแล้ว",
                "ลิงก์นี้ใช้ได้ถึง {expired} น. เปิดเรื่องอีกครั้งในแชท LINE (พิมพ์ \"เปิด <หมายเลข>\") เพื่อรับลิงก์ใหม่"),
    "bad-link": ("ลิงก์ไม่ถูกต้อง", "ลิงก์หลักฐานนี้ไม่ถูกต้องหรือไม่ครบ กรุณาเปิดเรื่องอีกครั้งในแชท LINE เพื่อรับลิงก์ใหม่"),
    "refused": ("ไม่พบไฟล์หลักฐาน",
                "ไม่พบไฟล์นี้ หรือคุณไม่ได้เป็นเจ้าหน้าที่ผู้รับผิดชอบเรื่องนี้แล้ว ไฟล์หลักฐานเปิดได้เฉพาะผู้รับผิดชอบเรื่อง"),
}
