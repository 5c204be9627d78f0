"""The admin console's own words (/console): notices, errors, form labels."""

from __future__ import annotations

CONSOLE_ERRORS = {
    400: ("คำขอไม่ถูกต้อง", "ข้อมูลที่ส่งมาไม่ถูกต้อง กรุณากลับไปลองใหม่อีกครั้ง"),
    403: ("ไม่มีสิทธิ์เข้าถึง", "หน้านี้สำหรับบทบาทอื่น บัญชีของคุณเปิดหน้านี้ไม่ได้"),
    404: ("ไม่พบหน้านี้", "ไม่พบหน้าหรือรายการที่ต้องการ"),
    405: ("คำขอไม่ถูกต้อง", "หน้านี้ไม่รองรับวิธีการส่งข้อมูลนี้"),
    409: ("ข้อมูลเปลี่ยนไปแล้ว", "มีผู้อื่นแก้ไขรายการนี้ก่อน กรุณาโหลดหน้าใหม่"),
    413: ("ไฟล์ใหญ่เกินไป", "ไฟล์ใหญ่เกินกว่าที่ระบบรับได้"),
    429: ("ส่งคำขอถี่เกินไป", "กรุณารอสักครู่แล้วลองใหม่"),
    500: ("เกิดข้อผิดพลาด", "ระบบทำรายการไม่สำเร็จ กรุณาลองใหม่อีกครั้ง"),
}
CONSOLE_CSRF_FAILED = (
    "แบบฟอร์มนี้หมดอายุหรือไม่ได้ส่งมาจากหน้าของระบบ จึงไม่ได้บันทึกอะไร "
    "กรุณากลับไปโหลดหน้าใหม่แล้วลองอีกครั้ง"
)
CONSOLE_UPLOAD_TOO_BIG = "ไฟล์ใหญ่เกิน {mb} MB กรุณาบันทึกเฉพาะตารางมาตรการเป็นไฟล์ใหม่แล้วอัปโหลดอีกครั้ง"
CONSOLE_LOGIN_BAD = "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
CONSOLE_LOGIN_LOCKED = (
    "บัญชีนี้ถูกล็อกชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง ลองใหม่ได้หลังเวลา {until} น. "
    "หรือให้ผู้ดูแลระบบปลดล็อก"
)
CONSOLE_LOGIN_SLOW_DOWN = "มีการเข้าสู่ระบบไม่สำเร็จจากเครื่องนี้หลายครั้ง กรุณารอ {seconds} วินาทีแล้วลองใหม่"
CONSOLE_LOGIN_NO_ROLE = (
    "บัญชี LINE ที่เชื่อมกับชื่อผู้ใช้นี้ไม่มีบทบาทเดิมแล้ว (เช่น ถูกยกเลิกการผูกบัญชี) "
    "กรุณาติดต่อผู้ดูแลระบบ"
)
CONSOLE_LOGIN_NOTICES = {
    "expired": "หมดเวลาการใช้งาน (ไม่มีการใช้งานเกิน 30 นาที หรือเข้าสู่ระบบนานเกิน 12 ชั่วโมง) กรุณาเข้าสู่ระบบอีกครั้ง",
    "ended": "การเข้าสู่ระบบสิ้นสุดแล้ว (ออกจากระบบ เปลี่ยนรหัสผ่าน หรือบัญชีถูกปิด) กรุณาเข้าสู่ระบบอีกครั้ง",
    "logged-out": "ออกจากระบบแล้ว",
}
CONSOLE_PASSWORD_WRONG = "รหัสผ่านปัจจุบันไม่ถูกต้อง"
CONSOLE_PASSWORD_MISMATCH = "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน"
CONSOLE_PASSWORD_PROBLEMS = {
    "blank": "รหัสผ่านต้องไม่ว่าง",
    "short": "รหัสผ่านต้องยาวอย่างน้อย 10 ตัวอักษร",
    "long": "รหัสผ่านยาวเกินไป (ไม่เกิน 256 ตัวอักษร)",
    "username": "รหัสผ่านต้องไม่มีชื่อผู้ใช้อยู่ในนั้น",
}
CONSOLE_PASSWORD_CHANGED = "เปลี่ยนรหัสผ่านแล้ว การเข้าสู่ระบบจากเครื่องอื่นสิ้นสุดทั้งหมด"
CONSOLE_USERNAME_BAD = "ชื่อผู้ใช้ต้องยาว 3–32 ตัว ใช้ได้เฉพาะ a-z 0-9 . _ - และขึ้นต้นด้วยตัวอักษรหรือตัวเลข"
CONSOLE_USERNAME_TAKEN = "ชื่อผู้ใช้ \"{username}\" มีอยู่แล้ว กรุณาเลือกชื่ออื่น"
CONSOLE_PLAN_BAD_YEAR = "กรุณาระบุปีงบประมาณเป็นปี พ.ศ. เช่น 2568"
CONSOLE_PLAN_NO_FILE = "กรุณาเลือกไฟล์ตารางมาตรการ"
CONSOLE_PLAN_BAD_TYPE = "รองรับเฉพาะไฟล์ .tsv .csv .xlsx .docx และ .pdf (PDF ที่มีข้อความ ไม่ใช่ภาพสแกน)"
CONSOLE_PLAN_UPLOAD_GONE = (
    "ไม่พบไฟล์ที่ตรวจสอบไว้ (อาจเกิน 1 ชั่วโมง บันทึกไปแล้ว หรือยกเลิกไปแล้ว) กรุณาอัปโหลดใหม่อีกครั้ง"
)
CONSOLE_PLAN_SAVED = (
    "บันทึกแผนปีงบประมาณ {year} แล้ว: {count} มาตรการ (ใหม่ {created}, ปรับปรุง {updated}, "
    "ไม่อยู่ในแผนแล้ว {deactivated})"
)
CONSOLE_PLAN_NEW_UNITS = "เพิ่มหน่วยงานใหม่จากแผน: {units} — ตรวจสอบแล้วรวมหรือเปลี่ยนชื่อได้ที่หน้า “หน่วยงาน”"
CONSOLE_PLAN_CHOICES = {
    "auto": "ตามที่ระบบอ่าน",
    "measure": "มาตรการใหม่",
    "continuation": "ต่อจากมาตรการด้านบน",
    "heading": "หัวข้อประเด็น",
    "ignored": "ข้ามแถวนี้",
}
CONSOLE_PLAN_DISCARDED = "ยกเลิกการนำเข้าแล้ว ไม่มีการบันทึก"
# The year check of a plan upload (issue #15 item 8): the year is read from the table's own periods.
CONSOLE_PLAN_YEAR_MISMATCH = (
    "⚠️ ปีไม่ตรงกัน: ช่วงเวลาดำเนินการในตาราง ({agreeing} จาก {dated} มาตรการที่ระบุปี) เป็นของปีงบประมาณ "
    "{detected} แต่กำลังจะบันทึกเป็นแผนปีงบประมาณ {chosen} หากบันทึก แผนปี {chosen} จะถูกแทนที่ด้วยตารางนี้ "
    "— ถ้าไม่ตั้งใจ ให้กด “ยกเลิก” แล้วเลือกปี {detected} (หรือเว้นว่างให้ระบบอ่านปีจากตาราง)"
)
CONSOLE_PLAN_YEAR_DETECTED = "ปีงบประมาณ {year} อ่านจากช่วงเวลาดำเนินการในตาราง ({agreeing} จาก {dated} มาตรการที่ระบุปี)"
CONSOLE_PLAN_YEAR_ASSUMED = (
    "ช่วงเวลาในตารางไม่ระบุปี จึงใช้ปีงบประมาณปัจจุบัน {year} — ถ้าไม่ใช่ ให้กด “ยกเลิก” แล้วระบุปีที่ถูกต้อง"
)
CONSOLE_PLAN_DEACTIVATES = "การบันทึกจะปิดใช้งานมาตรการเดิมของแผนปี {year} ที่ไม่อยู่ในไฟล์นี้ {count} มาตรการ (รายงานที่ส่งแล้วยังเก็บไว้):"
CONSOLE_UNIT_BAD_NAME = "ชื่อหน่วยงานต้องไม่ว่างและยาวไม่เกิน {limit} ตัวอักษร"
CONSOLE_UNIT_ADDED = "เพิ่มหน่วยงาน \"{name}\" แล้ว"
CONSOLE_UNIT_ALIASES_ADDED = "มีหน่วยงาน \"{name}\" อยู่แล้ว เพิ่มชื่อเรียกอื่นให้แล้ว"
CONSOLE_UNIT_MERGE_CHOOSE = "กรุณาเลือกหน่วยงานที่จะรวม และหน่วยงานที่จะรวมเข้าไป"
CONSOLE_UNIT_MERGE_SAME = "หน่วยงานต้นทางและปลายทางต้องเป็นคนละหน่วยงาน"
CONSOLE_INVITE_BAD_ROLE = "กรุณาเลือกบทบาท"
CONSOLE_INVITE_BAD_UNIT = "ไม่พบหน่วยงานที่เลือก"
CONSOLE_INVITE_UNIT_REQUIRED = "บทบาทหัวหน้าส่วนราชการต้องเลือกหน่วยงานด้วย"
CONSOLE_MEMBER_NOT_YOURSELF = "ยกเลิกการผูกบัญชีของตัวเองไม่ได้"
CONSOLE_LOGIN_CREATED = "สร้างบัญชีเข้าใช้เว็บ \"{username}\" แล้ว แจ้งชื่อผู้ใช้และรหัสผ่านแก่เจ้าของบัญชีโดยตรง"
CONSOLE_LOGIN_NOT_YOURSELF = "ปิดบัญชีของตัวเองไม่ได้"
CONSOLE_LOGIN_ACTIONS = {
    "unlock": "ปลดล็อกบัญชี \"{username}\" แล้ว",
    "deactivate": "ปิดบัญชี \"{username}\" แล้ว (การเข้าสู่ระบบที่ค้างอยู่สิ้นสุดทันที)",
    "activate": "เปิดใช้บัญชี \"{username}\" แล้ว",
    "password": "ตั้งรหัสผ่านใหม่ให้ \"{username}\" แล้ว (การเข้าสู่ระบบเดิมสิ้นสุดทั้งหมด)",
}
CONSOLE_SETTING_BAD = "ค่า \"{name}\" ไม่ถูกต้อง: {value}"
CONSOLE_SETTING_NAMES = {
    "days_before": "เตือนก่อนครบกำหนด (วัน)", "on_due_day": "เตือนในวันครบกำหนด",
    "overdue_every_days": "เตือนซ้ำเมื่อค้างส่งทุก (วัน)", "overdue_max": "เตือนค้างส่งสูงสุด (ครั้ง)",
    "escalate_after_days": "แจ้งเป็นค้างส่งเมื่อเลยกำหนด (วัน)", "escalate_to_admins": "แจ้งผู้ดูแลระบบด้วย",
    "work_start": "เริ่มส่งได้ตั้งแต่", "work_end": "ส่งได้ถึง", "summary_weekday": "วันส่งสรุปประจำสัปดาห์",
    "summary_time": "เวลาส่งสรุป", "round_scheme": "รอบรายงาน", "round_due_days": "ส่งภายใน (วันหลังปิดรอบ)",
}
CONSOLE_SETTINGS_SAVED = "บันทึกการตั้งค่าการแจ้งเตือนแล้ว"
CONSOLE_COMPLAINT_NOT_FOUND = "ไม่พบเรื่องร้องเรียนหมายเลข {id} ที่คุณดูได้"
CONSOLE_COMPLAINT_NOTE_REQUIRED = "ต้องมีบันทึกภายในก่อนเปลี่ยนสถานะ (ไม่เกิน {limit} ตัวอักษร)"
CONSOLE_COMPLAINT_MESSAGE_REQUIRED = "กรุณาพิมพ์ข้อความถึงผู้ร้อง (ไม่เกิน {limit} ตัวอักษร)"
CONSOLE_COMPLAINT_TOO_LONG = "ข้อความถึงผู้ร้องยาวเกิน {limit} ตัวอักษร"
CONSOLE_COMPLAINT_CHOOSE_STATUS = "กรุณาเลือกสถานะใหม่จากรายการ (เปลี่ยนได้เฉพาะสถานะที่แสดง)"
CONSOLE_COMPLAINT_TAKEN = "คุณเป็นผู้รับผิดชอบเรื่องนี้แล้ว"
# the complaint page's take button, and the note under it
CONSOLE_COMPLAINT_TAKE = "รับผิดชอบเรื่องนี้"
CONSOLE_COMPLAINT_TAKE_HINT = "ชื่อและเบอร์ของผู้ร้องที่เปิดเผยตัวตนจะแสดงเฉพาะแก่เจ้าหน้าที่ผู้รับผิดชอบเรื่อง"
CONSOLE_COMPLAINT_ALREADY_TAKEN = "เรื่องนี้มีเจ้าหน้าที่รับผิดชอบอยู่แล้ว"
CONSOLE_COMPLAINT_CHANGED = "เรื่องนี้ถูกเปลี่ยนสถานะไปก่อนแล้ว ตรวจสอบสถานะล่าสุดด้านบนแล้วลองใหม่"
CONSOLE_REPORT_CHOOSE = "กรุณาเลือกรายงานและรูปแบบไฟล์จากรายการ"
CONSOLE_REPORT_NOT_FOUND = "ไม่พบข้อมูลของรายงานนี้ (ไม่มีแผนหรือรอบรายงานที่เลือก)"
CONSOLE_REPORT_ROUND = "ปีงบประมาณ {year} · {round}"
CONSOLE_AUDIT_CHANNELS = {"console": "เว็บ", "line": "LINE", "cli": "คำสั่ง"}
# The audit log in words a person understands (issue #15 item 7): what a target is, what a detail means.
CONSOLE_AUDIT_TARGETS = {
    "complaint": "เรื่องร้องเรียน #{id}", "plan": "แผนปีงบประมาณ {id}", "unit": "หน่วยงาน {name}",
    "member": "{name}", "console_user": "บัญชีเว็บ {name}", "organisation": "องค์กร #{id}",
}
CONSOLE_AUDIT_GONE = "(ลบแล้ว)"
CONSOLE_AUDIT_MEMBER = "{role}{unit}{name}"
CONSOLE_AUDIT_DETAILS = {
    "old": "จากสถานะ", "new": "เป็นสถานะ", "told": "ผู้ร้อง", "scheme": "รอบรายงาน", "due_days": "ส่งภายใน (วัน)",
    "moved": "รายงานที่ย้ายรอบ", "measures": "มาตรการ", "created": "ใหม่", "updated": "ปรับปรุง",
    "deactivated": "ปิดใช้งาน", "warnings": "คำเตือน", "new_units": "หน่วยงานใหม่", "role": "บทบาท", "unit": "หน่วยงาน",
    "username": "ชื่อผู้ใช้", "name": "ชื่อ", "aliases": "ชื่อเรียกอื่น", "merged": "รวมจาก", "into": "รวมเข้า",
    "format": "รูปแบบไฟล์", "round": "รอบ", "status": "สถานะ", "file": "หลักฐานรายการที่",
    "chat": "ตัวเลขในข้อความ LINE", "console": "ตัวเลขในหน้าเว็บผู้ดูแล", "documents": "ตัวเลขในรายงานและหน้าเผยแพร่",
    "row_choices": "แถวที่เลือกอ่านเอง", "source": "ที่มา",
}
CONSOLE_AUDIT_KINDS = {
    "login": "การเข้าสู่ระบบ", "complaint": "เรื่องร้องเรียน", "plan": "แผนมาตรการ", "unit": "หน่วยงาน",
    "invite": "รหัสเชิญ", "member": "สมาชิก", "console_user": "บัญชีเข้าใช้เว็บ", "settings": "การตั้งค่า",
    "report": "รายงาน", "organisation": "องค์กร",
}
CONSOLE_AUDIT_ACTIONS = {
    "login.ok": "เข้าสู่ระบบ", "login.failed": "เข้าสู่ระบบไม่สำเร็จ", "login.locked": "บัญชีถูกล็อก",
    "login.refused-locked": "เข้าสู่ระบบขณะถูกล็อก", "login.no-role": "เข้าสู่ระบบ (บทบาทไม่ตรง)",
    "login.slowed": "ถูกหน่วงเวลาเข้าสู่ระบบ", "logout": "ออกจากระบบ", "password.change": "เปลี่ยนรหัสผ่าน",
    "plan.import": "นำเข้าแผน", "unit.add": "เพิ่มหน่วยงาน", "unit.aliases": "เพิ่มชื่อเรียกอื่น",
    "unit.rename": "เปลี่ยนชื่อหน่วยงาน", "unit.merge": "รวมหน่วยงาน", "invite.create": "ออกรหัสเชิญ",
    "member.revoke": "ยกเลิกการผูกบัญชี", "console_user.create": "สร้างบัญชีเข้าใช้เว็บ",
    "console_user.unlock": "ปลดล็อกบัญชี", "console_user.deactivate": "ปิดบัญชี",
    "console_user.activate": "เปิดบัญชี", "console_user.password": "ตั้งรหัสผ่านใหม่",
    "settings.reminders": "ตั้งค่าการแจ้งเตือน", "settings.rounds": "ตั้งรอบรายงาน",
    "settings.digits": "ตั้งรูปแบบตัวเลข",
    "complaint.view": "เปิดดูเรื่องร้องเรียน", "complaint.assign": "รับผิดชอบเรื่องร้องเรียน",
    "complaint.status": "เปลี่ยนสถานะเรื่องร้องเรียน",
    "complaint.message": "ส่งข้อความถึงผู้ร้อง", "complaint.evidence": "เปิดหลักฐานเรื่องร้องเรียน", "report.download": "ดาวน์โหลดรายงาน",
    "organisation.create": "ผู้ให้บริการระบบเพิ่มองค์กร", "organisation.credentials": "ผู้ให้บริการระบบเปลี่ยนข้อมูลช่องทาง LINE",
    "organisation.disable": "ผู้ให้บริการระบบปิดการให้บริการองค์กร",
    "organisation.enable": "ผู้ให้บริการระบบเปิดการให้บริการองค์กรอีกครั้ง",
    "organisation.first-admin": "ผู้ให้บริการระบบสร้างผู้ดูแลระบบคนแรก",
}
# Evidence files of a complaint (issue #15 item 6): only the assigned officer opens them, every opening audited.
CONSOLE_EVIDENCE_FILE = "{kind} รายการที่ {number} ({kb:,} KB)"
CONSOLE_EVIDENCE_AUDITED = "ทุกครั้งที่เปิดไฟล์หลักฐานจะบันทึกไว้ในประวัติการใช้งาน"
CONSOLE_EVIDENCE_TAKE_FIRST = "ไฟล์หลักฐานเปิดได้เฉพาะเจ้าหน้าที่ผู้รับผิดชอบเรื่องนี้"
CONSOLE_EVIDENCE_NOT_FOUND = "ไม่พบไฟล์หลักฐานนี้ในเรื่องร้องเรียนหมายเลข {id}"
CONSOLE_DIGITS_BAD = "เลือกรูปแบบตัวเลขจากรายการ (เลขอารบิกหรือเลขไทย)"
CONSOLE_DIGITS_SAVED = "บันทึกรูปแบบตัวเลขแล้ว"

# -- operators of the deployment (#18): they manage organisations and read none of their data ------------
CONSOLE_LOGIN_ORG = "รหัสองค์กร (slug เช่น tambon-a)"
CONSOLE_OPERATOR_LOGIN_TITLE = "เข้าสู่ระบบผู้ให้บริการระบบ"
CONSOLE_OPERATOR_LOGIN_NOTE = (
    "สำหรับผู้ให้บริการระบบ (สร้างบัญชีด้วยคำสั่ง itabot operator add) ซึ่งดูแลรายชื่อองค์กรเท่านั้น "
    "ไม่เห็นเรื่องร้องเรียน รายงาน หรือข้อมูลใดขององค์กร")
CONSOLE_OPERATOR_NAV = "องค์กรที่ให้บริการ"
CONSOLE_OPERATOR_AUDIT_NAV = "บันทึกของผู้ให้บริการ"
CONSOLE_OPERATOR_AUDIT_TITLE = "บันทึกการใช้งานของผู้ให้บริการระบบ"
CONSOLE_OPERATOR_AUDIT_NOTE = (
    "การเข้าสู่ระบบและทุกการกระทำของผู้ให้บริการระบบทุกคน ในทุกองค์กร (เพิ่มองค์กร เปลี่ยนข้อมูลช่องทาง LINE "
    "ปิดหรือเปิดการให้บริการ สร้างผู้ดูแลระบบคนแรก) แสดงเพียงชื่อผู้ให้บริการ เวลา การกระทำ และรหัสองค์กร "
    "ไม่มีข้อมูลขององค์กร")
CONSOLE_OPERATOR_AUDIT_OWN = "—"
CONSOLE_OPERATOR_TITLE = "องค์กรที่ให้บริการ"
CONSOLE_OPERATOR_PRIVACY = (
    "ผู้ให้บริการระบบเห็นเฉพาะรายชื่อองค์กร เพิ่มองค์กร เปลี่ยนข้อมูลช่องทาง LINE ปิดการให้บริการ "
    "และสร้างผู้ดูแลระบบคนแรกขององค์กรที่ยังไม่มีผู้ดูแล ไม่เห็นเรื่องร้องเรียน ผู้ร้อง รายงาน หรือสมาชิกขององค์กรใด "
    "ทุกการกระทำบันทึกไว้ในประวัติการใช้งานขององค์กรนั้น")
CONSOLE_OPERATOR_ADDED = "เพิ่มองค์กร \"{name}\" ({slug}) แล้ว ตั้ง Webhook URL ของช่องทาง LINE เป็น {url}"
CONSOLE_OPERATOR_ADMIN_CREATED = (
    "สร้างผู้ดูแลระบบ \"{username}\" ขององค์กร {slug} แล้ว เข้าสู่ระบบที่ {url} (รหัสองค์กร {slug}) "
    "แจ้งรหัสผ่านแก่เจ้าของบัญชีโดยตรง")
CONSOLE_OPERATOR_CREDENTIALS_REPLACED = "เปลี่ยนข้อมูลช่องทาง LINE ขององค์กร {slug} แล้ว ({kind})"
CONSOLE_OPERATOR_DISABLED = "ปิดการให้บริการองค์กร {slug} แล้ว (Webhook ตอบ 404 ข้อมูลยังอยู่ครบ)"
CONSOLE_OPERATOR_ALREADY_DISABLED = "องค์กร {slug} ปิดการให้บริการอยู่แล้ว"
CONSOLE_OPERATOR_ENABLED = "เปิดการให้บริการองค์กร {slug} อีกครั้งแล้ว (Webhook เจ้าหน้าที่ และการแจ้งเตือนกลับมาทำงาน)"
CONSOLE_OPERATOR_ALREADY_ENABLED = "องค์กร {slug} เปิดการให้บริการอยู่แล้ว"
CONSOLE_OPERATOR_HAS_ADMIN = (
    "องค์กร {slug} มีผู้ดูแลระบบแล้ว ผู้ให้บริการระบบสร้างได้เฉพาะผู้ดูแลคนแรก "
    "บัญชีอื่นให้ผู้ดูแลขององค์กรสร้างเองจากหน้า “สมาชิก”")
CONSOLE_OPERATOR_UNKNOWN = "ไม่พบองค์กร {slug}"
CONSOLE_OPERATOR_NO_KEY = "ยังไม่ได้ตั้งค่า CREDENTIALS_KEY จึงเก็บข้อมูลช่องทาง LINE ไม่ได้ (ดู README)"
CONSOLE_OPERATOR_ORG_ERRORS = {
    "slug": "รหัสองค์กร \"{value}\" ใช้ไม่ได้: ใช้ a-z 0-9 และ - ยาว 1–63 ตัว ไม่ขึ้นต้นด้วย -",
    "name": "กรุณากรอกชื่อองค์กร",
    "timezone": "ไม่รู้จักเขตเวลา \"{value}\" (เช่น Asia/Bangkok)",
    "exists": "มีองค์กรรหัส \"{value}\" อยู่แล้ว",
    "unknown": "ไม่พบองค์กร \"{value}\"",
    "secret": "กรุณากรอก Channel secret (ไม่มีช่องว่าง)",
    "token": "กรุณากรอก Channel access token (ไม่มีช่องว่าง) หรือใส่ Channel ID เพื่อใช้โทเค็นอายุสั้น",
    "channel_id": "Channel ID \"{value}\" ต้องเป็นตัวเลข",
}
CONSOLE_OPERATOR_KINDS = {"long_lived": "โทเค็นอายุยาว", "short_lived": "โทเค็นอายุสั้น (ออกจาก Channel ID)"}
CONSOLE_OPERATOR_STATUS = {False: "ให้บริการ", True: "ปิดการให้บริการ"}
