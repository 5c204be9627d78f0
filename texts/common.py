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
ROUND_NAME = "รอบ {months} เดือน"
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

# -- plan files (PDF) ----------------------------------------------------------------------------------
PDF_NO_TEXT = ("ไฟล์ {name} ไม่มีข้อความให้อ่าน (น่าจะเป็นภาพสแกน): ระบบอ่านตารางจากภาพไม่ได้ "
               "กรุณาใช้ไฟล์ต้นฉบับ Word (.docx) หรือ Excel (.xlsx) หรือ PDF ที่บันทึกจาก Word "
               "หรือคัดลอกตารางมาวางเป็นข้อความ")
PDF_NO_TABLE = ("ไม่พบตารางที่มีเส้นตารางในไฟล์ {name}: ระบบอ่านเฉพาะตารางที่มีเส้น "
                "กรุณาใช้ไฟล์ต้นฉบับ Word (.docx) หรือ Excel (.xlsx) หรือคัดลอกตารางมาวางเป็นข้อความ")
PDF_NOT_PDF = "อ่านไฟล์ {name} ไม่ได้: ไฟล์เสียหรือไม่ใช่ไฟล์ PDF จริง"
PDF_ENCRYPTED = "อ่านไฟล์ {name} ไม่ได้: PDF ถูกตั้งรหัสผ่านไว้ กรุณาปลดรหัสผ่านหรือใช้ไฟล์ต้นฉบับ Word/Excel"
PDF_TOO_BIG = "ไฟล์ {name} ใหญ่เกินไป: รับ PDF ไม่เกิน {mb} MB"
PDF_TOO_MANY_PAGES = "ไฟล์ {name} มีหน้ามากเกินไป: รับ PDF ไม่เกิน {pages} หน้า กรุณาแยกเฉพาะหน้าที่มีตารางมาตรการ"
