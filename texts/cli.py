"""What `itabot` prints: the command line, the dev server and the demo."""

from __future__ import annotations

CLI_IMPORT_DONE = (
    "นำเข้าแผนปีงบประมาณ {year} จาก {source}: {count} มาตรการ "
    "(ใหม่ {created}, ปรับปรุง {updated}, ไม่อยู่ในแผนแล้ว {deactivated})"
)
CLI_IMPORT_DRY_RUN = "ตรวจสอบแผนปีงบประมาณ {year} จาก {source}: พบ {count} มาตรการ (ยังไม่ได้บันทึก)"
CLI_IMPORT_MEASURE = "ม.{seq} [ประเด็น {issue}] {title} · {units} · {start} – {end}"
CLI_ALL_UNITS = "ทุกหน่วยงาน"
CLI_IMPORT_PARTS = {"sheet": "อ่านแผ่นงาน {names} (จาก {total} แผ่น)", "table": "อ่านตารางที่ {names} (จาก {total} ตาราง)"}
CLI_IMPORT_PART_NAME = {"sheet": "\"{name}\" (แถว {first}–{last})", "table": "{number} (แถว {first}–{last})"}
CLI_IMPORT_ROWS = "การอ่านตารางทีละแถว:"
# One line per source row: what `itabot import-plan --dry-run` decided and why (domain.plan_import.RowDecision).
PLAN_ROW_LINE = "แถว {row}: {kind} · {reason}{period}"
PLAN_ROW_KINDS = {
    "header": "หัวตาราง",
    "heading": "หัวข้อประเด็น",
    "measure": "มาตรการใหม่ ม.{measure}",
    "continuation": "ต่อจาก ม.{measure}",
    "ignored": "ข้าม",
}
PLAN_ROW_REASONS = {
    "header": "แถวชื่อคอลัมน์",
    "repeated-header": "หัวตารางซ้ำ (ขึ้นหน้าใหม่)",
    "sub-header": "หัวตารางแถวที่สอง",
    "blank": "แถวว่าง",
    "before-header": "อยู่ก่อนหัวตาราง \"{detail}\"",
    "orphan": "ไม่มีมาตรการอยู่ด้านบน \"{detail}\"",
    "heading": "\"{detail}\"",
    "heading-number": "มีแต่เลขประเด็น \"{detail}\"",
    "heading-repeated": "ซ้ำกับหัวข้อด้านบน (เซลล์ผสานหรือขึ้นหน้าใหม่)",
    "heading-continued": "ข้อความหัวข้อต่อจากแถวบน \"{detail}\"",
    "new-issue": "ประเด็นใหม่ในคอลัมน์ประเด็น \"{detail}\"",
    "first-title": "มาตรการแรกใต้หัวตาราง/หัวข้อ",
    "own-title-and-unit": "มีข้อความมาตรการและผู้รับผิดชอบของตัวเอง (\"{detail}\")",
    "own-title": "มีข้อความมาตรการของตัวเอง ไม่ได้ขึ้นต้นกลางประโยค",
    "own-period": "มีระยะเวลาของตัวเอง (\"{detail}\")",
    "own-ita": "มีข้อคำถาม ITA ของตัวเอง ({detail})",
    "new-number": "มีเลขลำดับใหม่ ({detail})",
    "steps-restart": "ขั้นตอนเริ่มข้อ 1 ใหม่",
    "title-row": "ชื่อมาตรการอยู่แถวเดียว ขั้นตอน/ผู้รับผิดชอบอยู่แถวถัดไป",
    "after-title-row": "ไม่มีข้อความมาตรการ: เป็นขั้นตอน/ผู้รับผิดชอบของชื่อมาตรการแถวบน",
    "no-title": "ไม่มีข้อความมาตรการของตัวเอง",
    "same-title": "ข้อความมาตรการซ้ำกับแถวบน (เซลล์ผสานหรือขึ้นหน้าใหม่)",
    "mid-sentence": "ข้อความมาตรการขึ้นต้นกลางประโยค (\"{detail}…\")",
    "open-end": "ข้อความมาตรการแถวบนยังไม่จบ (\"…{detail}\")",
    "mid-list": "ข้อความมาตรการเป็นข้อ {detail} ต่อจากรายการด้านบน",
    "unit-continues": "ผู้รับผิดชอบต่อจากแถวบน (\"{detail}\")",
    "steps-continue": "ขั้นตอนต่อจากแถวบน ({detail})",
    "chosen": "ผู้ดูแลเลือกให้อ่านแบบนี้",
}
PLAN_ROW_PERIOD = " · ใช้ระยะเวลาของประเด็นจากแถว {row}"
DEMO_PLAN_LOADED = "แผนตัวอย่างปีงบประมาณ {year}: {count} มาตรการ"
DEMO_CONSOLE_USERS = "เว็บผู้ดูแล (/console): ผู้ใช้ {users} รหัสผ่าน {password}"
CLI_WARNINGS = "คำเตือน {count} รายการ:"
CLI_UNIT_ADDED = "เพิ่มหน่วยงาน \"{name}\" แล้ว{aliases}"
CLI_UNIT_UPDATED = "ปรับปรุงชื่อเรียกอื่นของ \"{name}\" แล้ว{aliases}"
CLI_UNIT_ALIASES = " (ชื่อเรียกอื่น: {aliases})"
CLI_UNIT_RENAMED = "เปลี่ยนชื่อหน่วยงาน \"{old}\" เป็น \"{new}\" แล้ว (ชื่อเดิมเก็บเป็นชื่อเรียกอื่น)"
CLI_UNIT_MERGED = "รวมหน่วยงาน \"{source}\" เข้ากับ \"{target}\" แล้ว (ย้ายมาตรการ รายงาน และผู้รายงาน)"
# CLI
CLI_COMPLAINT_BLOCKED = "เพิ่มบัญชีนี้ในรายชื่อระงับการร้องเรียนแล้ว (เก็บเฉพาะค่าแฮช ไม่เก็บรหัสผู้ใช้ LINE)"
CLI_COMPLAINT_ALREADY_BLOCKED = "บัญชีนี้อยู่ในรายชื่อระงับการร้องเรียนอยู่แล้ว"
CLI_COMPLAINT_UNBLOCKED = "นำบัญชีนี้ออกจากรายชื่อระงับการร้องเรียนแล้ว"
CLI_COMPLAINT_NOT_BLOCKED = "บัญชีนี้ไม่ได้อยู่ในรายชื่อระงับการร้องเรียน"
CLI_COMPLAINT_BAD_USER_ID = "รหัสผู้ใช้ LINE ต้องขึ้นต้นด้วย U และยาว 33 ตัวอักษร"
CLI_STATS_TITLE = "สถิติเรื่องร้องเรียน ปีงบประมาณ {year}: ทั้งหมด {total} เรื่อง"
CLI_STATS_LINE = "  {name}: {count}"
CLI_STATS_MEDIAN = "มัธยฐานจำนวนวันถึงการตอบครั้งแรก: {first} · ถึงการปิดเรื่อง: {close}"
CLI_STATS_SECTIONS = {"by_type": "ตามประเภท", "by_category": "ตามหมวด", "by_status": "ตามสถานะ",
                      "by_mode": "ตามรูปแบบผู้ร้อง", "by_month": "ตามเดือน"}
CLI_COMPLAINTS_MISSED = "เลยกำหนด (นับตั้งแต่เริ่มระบบ): รับเรื่อง {first_answer} · แจ้งความคืบหน้า {feedback} · ปิดเรื่อง {close}"

# -- CLI --------------------------------------------------------------------------------------------
CLI_INVITE_CREATED = (
    "รหัสเชิญ: {code}\n"
    "บทบาท: {role}{unit_line}\n"
    "ใช้ได้ครั้งเดียว ภายใน {expires} ให้ผู้รับเพิ่มเพื่อน LINE ของบอทแล้วพิมพ์รหัสนี้ส่งในแชท"
)
CLI_UNIT_REQUIRED = "บทบาท head ต้องระบุหน่วยงานด้วย --unit"
CLI_UNIT_NOT_FOUND = "ไม่พบหน่วยงาน \"{unit}\" หน่วยงานที่มี: {units}"
CLI_NO_MEMBERS = "ยังไม่มีเจ้าหน้าที่ที่ผูกบัญชี"
CLI_MEMBER_NOT_FOUND = "ไม่พบสมาชิกหมายเลข {id}"
CLI_REVOKED = "ยกเลิกการผูกบัญชีสมาชิกหมายเลข {id} ({role}) แล้ว บัญชีนี้กลับเป็นผู้ใช้ทั่วไป"
CLI_DB_UPGRADED = "ปรับปรุงฐานข้อมูลเป็นรุ่นล่าสุดแล้ว ({url})"
CLI_CONFIG_ERROR = "ตั้งค่าไม่ครบ: {error}"
CLI_DB_NOT_MIGRATED = "ฐานข้อมูล {url} ยังไม่ได้สร้างตาราง กรุณารัน itabot db upgrade ก่อน"
CLI_ROUNDS_BAD = "ค่าไม่ถูกต้อง: {name} = {value}"
CLI_REMINDERS_SETTINGS = (
    "เตือนก่อนกำหนด: {days_before} วัน · วันครบกำหนด: {on_due_day} · ค้างส่ง: ทุก {overdue_every_days} วัน "
    "สูงสุด {overdue_max} ครั้ง\nเวลาส่ง: {work_start}–{work_end} วันทำการ · แจ้งผู้บริหารเมื่อค้างเกิน "
    "{escalate_after_days} วัน: {escalate_to_admins}\nสรุปประจำสัปดาห์: {summary_day} {summary_time} · "
    "รอบรายงาน: {round_scheme} ส่งภายใน {round_due_days} วัน"
)
CLI_REMINDERS_RUN = ("เตือนแล้ว {pushes} คน {measures} มาตรการ · ข้าม (โควตา) {dropped} · ส่งไม่ได้ {unreachable} · "
                     "แจ้งผู้บริหาร {escalations}")
CLI_RICHMENU_FONT_MISSING = (
    "ไม่พบฟอนต์ภาษาไทยสำหรับวาดภาพเมนู: ติดตั้งแพ็กเกจ fontpkg-sarabun (.venv/bin/pip install -e .) "
    "หรือแพ็กเกจ Debian fonts-thai-tlwg หรือระบุไฟล์ฟอนต์ด้วย --font"
)
CLI_RICHMENU_FONT_NO_THAI = "ฟอนต์ {path} ไม่มีตัวอักษรภาษาไทย กรุณาเลือกฟอนต์อื่น"
CLI_RICHMENU_TARGET = "ติดตั้งเมนูหลักที่ {target}"
CLI_RICHMENU_REAL_LINE = "LINE (api.line.me)"
CLI_RICHMENU_IMAGE = "1/4 วาดภาพเมนู {width}×{height} ด้วยฟอนต์ {font} ({kb:,} KB)"
CLI_RICHMENU_SAVED = "    บันทึกภาพไว้ที่ {path}"
CLI_RICHMENU_DRY_RUN = "ทดลอง (--dry-run): ไม่ได้ส่งเมนูไปที่ LINE"
CLI_RICHMENU_CREATED = "2/4 ลงทะเบียนเมนูแล้ว: {id}"
CLI_RICHMENU_UPLOADED = "3/4 อัปโหลดภาพเมนูแล้ว"
CLI_RICHMENU_DEFAULT = "4/4 ตั้งเป็นเมนูเริ่มต้นของผู้ใช้ทุกคนแล้ว"
CLI_RICHMENU_DELETED_OLD = "ลบเมนูเก่าของ itabot แล้ว {count} รายการ"
CLI_RICHMENU_DONE = "ติดตั้งเมนูหลักเรียบร้อย: รายงานผล · ร้องเรียน · ติดตามเรื่อง · ช่วยเหลือ"
CLI_RICHMENU_FAILED = "ติดตั้งเมนูไม่สำเร็จ ขั้นตอน{step}: {error}"
CLI_RICHMENU_STEPS = {"list": "อ่านรายการเมนู", "create": "ลงทะเบียนเมนู", "upload": "อัปโหลดภาพ",
                      "default": "ตั้งเป็นเมนูเริ่มต้น", "delete": "ลบเมนูเก่า"}
DEV_STOPPING = "  กำลังหยุด: {names}"
DEV_KILLED = "  {name} ไม่หยุดภายใน {seconds:.0f} วินาที: บังคับหยุด"
DEV_RICHMENU_FAILED = "  ติดตั้งเมนูหลักในแพลตฟอร์มจำลองไม่สำเร็จ: {error}"
# CLI
CLI_REPORT_SAVED = "บันทึก{report}แล้ว: {path} ({kb:,} KB)"
CLI_REPORT_NO_PLAN = "ไม่มีแผนมาตรการของปีงบประมาณ {year} (นำเข้าด้วย itabot import-plan FILE --fiscal-year {year})"
CLI_REPORT_NO_ROUND = "ไม่พบรอบ \"{round}\" ของปีงบประมาณ {year} รอบที่มี: {rounds}"
CLI_REPORT_NO_ROUNDS = "ปีงบประมาณ {year} ยังไม่มีรอบรายงาน"
CLI_REPORT_BAD_FORMAT = "สถิติเรื่องร้องเรียนออกได้เป็น docx หรือ xlsx"
CLI_REPORT_LINK = "{url}\nใช้ได้ถึง {expires}"
CLI_REPORT_SETTINGS = "ผู้ลงนาม: {signatories}\nตัวเลข:\n{digits}"
CLI_DIGITS_LINE = "  {surface} ({key}): {style}"
CLI_DIGITS_BAD = ("ตั้งตัวเลขไม่ได้: \"{value}\" ใช้รูปแบบ ส่วน=แบบ เช่น chat=thai "
                  "(ส่วน: chat, console, documents; แบบ: thai, arabic)")
CLI_REPORT_SIGNATORY = "{position}{name}"
CLI_REPORT_SIGNATORY_NAME = " ({name})"
CLI_REPORT_NO_SIGNATORIES = "(ไม่มีช่องลงนาม)"
CLI_REPORT_BAD_SIGNER = "ระบุผู้ลงนามเป็น \"ตำแหน่ง\" หรือ \"ตำแหน่ง=ชื่อ\" ได้ไม่เกิน {count} คน ยาวไม่เกิน {length} ตัวอักษร"
# CLI
CLI_ADMIN_PASSWORD_PROMPT = "รหัสผ่าน (อย่างน้อย 10 ตัวอักษร)"
CLI_ADMIN_PASSWORD_AGAIN = "ยืนยันรหัสผ่าน"
CLI_ADMIN_EXISTS = "มีผู้ใช้ \"{username}\" อยู่แล้ว (ตั้งรหัสผ่านใหม่ด้วย --reset)"
CLI_ADMIN_MISSING = "ไม่พบผู้ใช้ \"{username}\" (สร้างใหม่โดยไม่ใส่ --reset)"
CLI_ADMIN_NOT_ADMIN = "ผู้ใช้ \"{username}\" ไม่ใช่ผู้ดูแลระบบ ตั้งรหัสผ่านใหม่ได้จากหน้า “สมาชิก” ของเว็บผู้ดูแล"
CLI_ADMIN_CREATED = "สร้างผู้ดูแลระบบ \"{username}\" แล้ว เข้าสู่ระบบได้ที่ {url}"
CLI_OPERATOR_CREATED = (
    "สร้างผู้ให้บริการระบบ \"{username}\" แล้ว เข้าสู่ระบบได้ที่ {url} (เห็นเฉพาะรายชื่อองค์กร ไม่เห็นข้อมูลขององค์กรใด)")
CLI_OPERATOR_NONE = "ยังไม่มีผู้ให้บริการระบบ (สร้างด้วย itabot operator add ชื่อผู้ใช้)"
CLI_OPERATOR_LINE = "{username}  {status}"
HELP_OPERATOR_RESET = "ตั้งรหัสผ่านใหม่ให้ผู้ให้บริการระบบที่มีอยู่แล้ว (และปลดล็อก)"
CLI_ADMIN_RESET = "ตั้งรหัสผ่านใหม่ให้ \"{username}\" แล้ว (ปลดล็อกและการเข้าสู่ระบบเดิมสิ้นสุดทั้งหมด) เข้าสู่ระบบได้ที่ {url}"

# -- option help of the commands (the commands' own help is English) ------------------------------
HELP_FISCAL_YEAR = "ปีงบประมาณ (พ.ศ.) เช่น 2567"
HELP_FISCAL_YEAR_READ = "ปีงบประมาณ (พ.ศ.) เช่น 2567 — ไม่ระบุ: อ่านจากช่วงเวลาดำเนินการในตาราง"
# import-plan's year (issue #15 item 8): read from the table's own periods unless typed
CLI_IMPORT_YEAR_DETECTED = "ปีงบประมาณ {year} อ่านจากช่วงเวลาดำเนินการในตาราง ({agreeing} จาก {dated} มาตรการที่ระบุปี)"
CLI_IMPORT_YEAR_ASSUMED = "ช่วงเวลาในตารางไม่ระบุปี จึงใช้ปีงบประมาณปัจจุบัน {year} (ระบุ --fiscal-year ถ้าไม่ใช่)"
CLI_IMPORT_YEAR_TYPED = "ปีงบประมาณ {year} ตามที่ระบุ ตรงกับช่วงเวลาในตาราง"
CLI_IMPORT_YEAR_MISMATCH = (
    "⚠️ ปีไม่ตรงกัน: ช่วงเวลาดำเนินการในตาราง ({agreeing} จาก {dated} มาตรการที่ระบุปี) เป็นของปีงบประมาณ "
    "{detected} แต่ระบุ --fiscal-year {chosen} การบันทึกจะแทนที่แผนปี {chosen} ด้วยตารางนี้ "
    "— ถ้าไม่ตั้งใจ ให้ใช้ --fiscal-year {detected} หรือไม่ระบุเพื่อให้ระบบอ่านปีจากตาราง")
HELP_FISCAL_YEAR_OR_CURRENT = "ปีงบประมาณ (พ.ศ.)"
HELP_JSON = "พิมพ์ผลเป็น JSON"
HELP_IMPORT_DRY_RUN = "อ่านและตรวจสอบเท่านั้น ไม่บันทึก"
HELP_IMPORT_ROW = ("อ่านแถว N ของตาราง (ตามเลขแถวใน --dry-run) เป็น new (มาตรการใหม่) continuation (ต่อจากมาตรการบน) "
                   "heading (หัวข้อประเด็น) ignore (ข้าม) หรือ auto (ตามที่ระบบอ่าน: ลืมการเลือกเดิม) เช่น --row 7=continuation "
                   "(ใส่ได้หลายครั้ง; เมื่อบันทึก ระบบจำไว้ให้การนำเข้าเอกสารเดียวกันครั้งต่อไป ทั้งที่นี่และในเว็บผู้ดูแล)")
# --row N=KIND (issue #16): the kinds typed, and what each is kept as (domain.plan_import.CHOICES; None: forget)
ROW_CHOICE_WORDS = {"new": "measure", "measure": "measure", "continuation": "continuation", "cont": "continuation",
                    "heading": "heading", "ignore": "ignored", "ignored": "ignored", "auto": None}
CLI_ROW_BAD = "--row \"{value}\": ใช้รูปแบบ N=KIND เช่น 7=continuation (KIND: new, continuation, heading, ignore, auto)"
CLI_ROW_OUT_OF_TABLE = "--row {row}: ตารางมี {count} แถว"
CLI_ROW_NOT_DATA = "--row {row}: แถวนี้เป็น{what} เลือกอ่านเป็นอย่างอื่นไม่ได้ (เลือกได้เฉพาะแถวข้อมูลใต้หัวตาราง)"
CLI_ROW_NOT_DATA_WHAT = {"header": "หัวตาราง", "blank": "แถวว่าง", "before-header": "ข้อความก่อนหัวตาราง"}
CLI_ROW_CHOICES_USED = "ใช้การเลือกของผู้ดูแล {count} แถว (จำไว้ {remembered} · ระบุครั้งนี้ {typed})"
CLI_ROW_CHOICES_DRY = "การเลือกด้วย --row ครั้งนี้ยังไม่ถูกจำ: นำเข้าโดยไม่ใส่ --dry-run เพื่อบันทึกและจำไว้"
CLI_ROW_CHOICES_SAVED = "จำการเลือกแล้ว {kept} แถว · ลืม {forgot} แถว (ใช้กับการนำเข้าเอกสารเดียวกันครั้งต่อไป)"
CLI_ROW_CHOICE_MARK = " [เลือกไว้]"
HELP_UNIT_ALIAS = "ชื่อเรียกอื่น (ใส่ได้หลายครั้ง)"
HELP_INVITE_UNIT = "ชื่อหน่วยงาน (จำเป็นสำหรับ head)"
HELP_INVITE_NOTE = "บันทึกว่าออกรหัสให้ใคร (ไม่บังคับ)"
HELP_MEMBERS_ALL = "รวมผู้ใช้ทั่วไปด้วย"
HELP_ADMIN_USERNAME = "ชื่อผู้ใช้ (a-z 0-9 . _ - ยาว 3–32 ตัว)"
HELP_ADMIN_PASSWORD_STDIN = "อ่านรหัสผ่านจากบรรทัดแรกของ stdin แทนการถาม"
HELP_ADMIN_RESET = "ตั้งรหัสผ่านใหม่ให้ผู้ดูแลที่มีอยู่แล้ว (และปลดล็อก)"
HELP_REPORT_ROUND = "รอบรายงาน เช่น 6 หรือ \"รอบ 6 เดือน\" (ไม่ระบุ = รอบปัจจุบัน)"
HELP_REPORT_LINK_ROUND = "รอบรายงาน (progress เท่านั้น; ไม่ระบุ = รอบปัจจุบัน)"
HELP_REPORT_OUTPUT = "ไฟล์ที่จะบันทึก"
HELP_REPORT_DIGITS = "เลขไทยหรือเลขอารบิก (ไม่ระบุ = ตามที่ตั้งไว้)"
HELP_REPORT_SIGNER_METAVAR = "ตำแหน่ง[=ชื่อ]"
HELP_REPORT_SIGNER = "ผู้ลงนามตามลำดับ เช่น --signer ผู้รายงาน --signer \"ปลัดเทศบาล=นายสมชาย ใจดี\" (ใส่ซ้ำได้)"
HELP_REPORT_NO_SIGNERS = "ไม่พิมพ์ช่องลงนาม"
HELP_REPORT_SETTINGS_DIGITS = "ใช้เลขไทยในไฟล์ Word และหน้าเว็บเผยแพร่ (เหมือน --digits documents=thai)"
HELP_DIGITS = ("ตัวเลขของแต่ละส่วน: chat (LINE), console (เว็บผู้ดูแล), documents (Word, หน้าเผยแพร่) "
               "เป็น thai หรือ arabic เช่น --digits chat=thai (ใส่ได้หลายครั้ง)")
HELP_RICHMENU_FONT = "ฟอนต์ภาษาไทย (.ttf/.otf) ที่ใช้วาดภาพเมนู (ค่าเริ่มต้น: Sarabun จากแพ็กเกจ fontpkg-sarabun)"
HELP_RICHMENU_OUTPUT = "บันทึกภาพเมนูไว้ที่ไฟล์นี้ด้วย"
HELP_RICHMENU_DRY_RUN = "วาดภาพอย่างเดียว ไม่ส่งไปที่ LINE"
HELP_ROUNDS_SCHEME = "quarterly (31 ธ.ค., 31 มี.ค., 30 มิ.ย., 30 ก.ย.), six-monthly, yearly, monthly, or plan"
HELP_ROUNDS_DUE_DAYS = "ส่งภายในกี่วันหลังปิดรอบ"
HELP_REMINDERS_DAYS_BEFORE = "เช่น 7,3,1"
HELP_REMINDERS_SUMMARY_DAY = "0 = จันทร์ … 6 = อาทิตย์"
HELP_REMINDERS_SUMMARY_TIME = "เช่น 08:30"

# -- the local run (`itabot dev`) and its demo data ------------------------------------------------
DEV_BANNER = (
    "\n  itabot ทำงานแล้ว\n"
    "  แชทกับบอท (LINE จำลอง):  http://127.0.0.1:{line_port}/\n"
    "  เว็บผู้ดูแล:               http://127.0.0.1:{web_port}/console/\n"
    "  webhook ของบอท:          http://127.0.0.1:{web_port}/callback\n"
    "  สถานะระบบ:               http://127.0.0.1:{web_port}/healthz\n"
    "  กด Ctrl-C เพื่อหยุด\n"
)
# The demo personas' names on the chat page, and the units the heads are bound to (names of the default units,
# domain/units.py DEFAULT_UNITS).
DEMO_CITIZEN = "สมชาย ใจดี (ประชาชน)"
DEMO_HEAD_OFFICE = "หัวหน้าสำนักปลัด"
DEMO_HEAD_FINANCE = "ผอ.กองคลัง"
DEMO_HEAD_WORKS = "ผอ.กองช่าง"
DEMO_OFFICER = "นิติกร (รับเรื่องร้องเรียน)"
DEMO_ADMIN = "ปลัดเทศบาล (ผู้ดูแล)"
DEMO_UNIT_OFFICE = "สำนักปลัดเทศบาล"
DEMO_UNIT_FINANCE = "กองคลัง"
DEMO_UNIT_WORKS = "กองช่าง"

# -- itabot org (organisations and their LINE channels) and --org ----------------------------------
HELP_ORG = "องค์กรที่จะทำงานด้วย (slug) ต้องระบุเมื่อระบบมีมากกว่าหนึ่งองค์กร"
HELP_ORG_NAME = "ชื่อองค์กร เช่น \"เทศบาลตำบลตัวอย่าง\""
HELP_ORG_TIMEZONE = "เขตเวลาขององค์กร"
HELP_ORG_CHANNEL_ID = ("Channel ID ของช่อง LINE: ใช้ token อายุสั้น (ออกจาก Channel ID กับ channel secret "
                       "และต่ออายุให้เองก่อนหมดอายุ) แทน token ระยะยาว")
HELP_ORG_STDIN = "อ่าน channel secret และ channel access token จาก standard input บรรทัดละค่า (ไม่ถาม)"
ORG_PROMPT_SECRET = "Channel secret"
ORG_PROMPT_TOKEN = "Channel access token (ระยะยาว)"
ORG_ADDED = "เพิ่มองค์กร {slug} ({name}) แล้ว · ช่อง LINE: {kind}"
ORG_WEBHOOK_URL = "ตั้ง Webhook URL ของช่อง LINE นี้เป็น {url}"
ORG_CREDENTIALS_REPLACED = "เปลี่ยนข้อมูลช่อง LINE ขององค์กร {slug} แล้ว ({kind}) ทุกโปรเซสจะใช้ค่าใหม่ภายในไม่กี่วินาที"
ORG_DISABLED = "ปิดใช้งานองค์กร {slug} แล้ว: webhook ของช่อง LINE นี้จะตอบ 404"
ORG_ALREADY_DISABLED = "องค์กร {slug} ถูกปิดใช้งานอยู่แล้ว"
ORG_ENABLED = "เปิดใช้งานองค์กร {slug} อีกครั้งแล้ว: webhook ของช่อง LINE นี้ การเข้าสู่ระบบของเจ้าหน้าที่ และการแจ้งเตือนกลับมาทำงาน"
ORG_ALREADY_ENABLED = "องค์กร {slug} เปิดใช้งานอยู่แล้ว"
ORG_LIST_LINE = "{slug:<20} {name} · {timezone} · {kind} · {status}"
ORG_LIST_EMPTY = "ยังไม่มีองค์กร"
ORG_KINDS = {"long_lived": "token ระยะยาว", "short_lived": "token อายุสั้น (ต่ออายุอัตโนมัติ)",
             None: "ไม่มีข้อมูลช่อง LINE ของตัวเอง"}
ORG_KIND_ENVIRONMENT = "ช่อง LINE จากตัวแปร LINE_CHANNEL_SECRET/LINE_CHANNEL_ACCESS_TOKEN"
ORG_STATUS = {False: "ใช้งาน", True: "ปิดใช้งาน"}
ORG_ERRORS = {
    "slug": "slug \"{value}\" ใช้ไม่ได้: ใช้ a-z 0-9 และ - ยาว 1–63 ตัว ไม่ขึ้นต้นด้วย -",
    "name": "กรุณาระบุชื่อองค์กร (--name)",
    "timezone": "ไม่รู้จักเขตเวลา \"{value}\" (เช่น Asia/Bangkok)",
    "secret": "channel secret ว่างหรือมีช่องว่างปน",
    "token": "channel access token ว่างหรือมีช่องว่างปน (หรือใช้ --channel-id เพื่อใช้ token อายุสั้น)",
    "channel_id": "Channel ID \"{value}\" ใช้ไม่ได้: ต้องเป็นตัวเลข",
    "exists": "มีองค์กร {value} อยู่แล้ว (เปลี่ยนข้อมูลช่อง LINE ด้วย itabot org credentials {value})",
    "unknown": "ไม่พบองค์กร {value}",
}
ORG_STDIN_SHORT = "standard input ต้องมี {count} บรรทัด: {what}"
ORG_STDIN_WHAT = {1: "channel secret", 2: "channel secret แล้วตามด้วย channel access token"}
ORG_NO_CREDENTIALS_KEY = ("ยังไม่ได้ตั้ง CREDENTIALS_KEY: ตั้งเป็น base64 ของข้อมูลสุ่ม 32 ไบต์ก่อน "
                          "(ใช้เข้ารหัส channel secret และ token ขององค์กรในฐานข้อมูล)")
ORG_UNKNOWN = "ไม่พบองค์กร {slug} องค์กรที่มี: {orgs}"
ORG_CHOOSE = "ระบบมีหลายองค์กร กรุณาระบุ --org SLUG หนึ่งใน: {orgs}"
ORG_NO_CHANNEL = "องค์กร {slug} ยังไม่มีช่อง LINE ที่ใช้งานได้ (ตรวจข้อมูลด้วย itabot org credentials {slug})"
