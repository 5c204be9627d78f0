"""The Thai wording of the published documents (Word, Excel, CSV): their headings, as Thai government reports
write them, and their file names."""

from __future__ import annotations

# -- progress report ---------------------------------------------------------------------------------
PROGRESS_TITLE = "รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
PROGRESS_SUBTITLE = "ประจำปีงบประมาณ พ.ศ. {year} ({round})"
ROUND_PERIOD = "ระยะเวลา {start} ถึง {end}"
AS_OF = "ข้อมูล ณ วันที่ {date}"
COLUMNS = ("มาตรการ", "ขั้นตอนหรือวิธีการปฏิบัติ", "ผลการดำเนินงาน", "ปัญหา / ข้อเสนอแนะ")
ISSUE_HEADING = "ประเด็นที่ {no} {text}"
NOT_REPORTED = "ยังไม่ได้รายงาน"
NO_PROBLEMS = "-"
UNIT_PREFIX = "{unit}: "
ANNEX_TITLE = "ภาคผนวก หลักฐานการดำเนินงาน"
ANNEX_EMPTY = "ไม่มีหลักฐานแนบในรอบนี้"
ANNEX_MEASURE = "มาตรการที่ {seq} {title}"
ANNEX_PICTURE = "ภาพที่ {no} ({unit})"
ANNEX_FILE = "ไฟล์แนบ: {name} ({unit})"
ANNEX_UNREADABLE_PICTURE = "รูปภาพ (เปิดไม่ได้): {name} ({unit})"
FILE_KIND_NAMES = {"image": "รูปภาพ", "video": "วิดีโอ", "file": "ไฟล์", "audio": "เสียง"}
SIGN_LINE = "(ลงชื่อ)" + "." * 36
SIGN_NAME = "({name})"
SIGN_NAME_BLANK = "(" + "." * 40 + ")"
DEFAULT_SIGNATORIES = ("ผู้รายงาน", "ปลัดเทศบาล", "นายกเทศมนตรี")

# Excel and CSV: one row per measure × unit
SUMMARY_SHEET = "สรุป"
DETAIL_SHEET = "รายละเอียด"
DETAIL_COLUMNS = ("ลำดับ", "ประเด็นที่", "ประเด็น", "มาตรการ", "ขั้นตอนหรือวิธีการปฏิบัติ", "หน่วยงาน", "สถานะ",
                  "ร้อยละ", "ผลการดำเนินงาน", "ปัญหา / ข้อเสนอแนะ", "วันที่รายงาน", "ฉบับที่", "หลักฐาน (รายการ)")
SUMMARY_ROWS = {
    "measures": "จำนวนมาตรการ",
    "expected": "รายการที่ต้องรายงาน (มาตรการ × หน่วยงาน)",
    "reported": "รายงานแล้ว",
    "missing": "ยังไม่ได้รายงาน",
}
SUMMARY_BY_STATUS = "แยกตามสถานะ"
SUMMARY_BY_ISSUE = "แยกตามประเด็น"
SUMMARY_ISSUE_COLUMNS = ("ประเด็น", "มาตรการ", "ต้องรายงาน", "รายงานแล้ว", "ร้อยละที่รายงาน")
NO_ISSUE = "ไม่ระบุประเด็น"
NO_UNIT = "ยังไม่ได้กำหนดหน่วยงาน"

# -- complaint statistics ----------------------------------------------------------------------------
COMPLAINTS_TITLE = "ข้อมูลเชิงสถิติเรื่องร้องเรียนการทุจริตและประพฤติมิชอบ"
COMPLAINTS_SUBTITLE = "ประจำปีงบประมาณ พ.ศ. {year}"
COMPLAINTS_PERIOD = "ระยะเวลา {start} ถึง {end}"
COMPLAINTS_TOTAL = "เรื่องร้องเรียนที่ได้รับทั้งหมด {total} เรื่อง"
COMPLAINTS_PRIVACY = "ข้อมูลนี้เป็นจำนวนเรื่องเท่านั้น ไม่มีข้อมูลส่วนบุคคลของผู้ร้องเรียนหรือรายละเอียดของเรื่อง"
COMPLAINTS_BY_TYPE = "แยกตามประเภท"
COMPLAINTS_BY_STATUS = "แยกตามสถานะการดำเนินการ"
COMPLAINTS_BY_MONTH = "แยกตามเดือนและหมวด"
COMPLAINTS_DETAIL = "แยกตามเดือน หมวด และสถานะ"
COMPLAINTS_MONTH = "เดือน"
COMPLAINTS_CATEGORY = "หมวด"
COMPLAINTS_COUNT = "จำนวน (เรื่อง)"
COMPLAINTS_TOTAL_COLUMN = "รวม"
COMPLAINTS_NONE_IN_MONTH = "ไม่มีเรื่องร้องเรียน"
COMPLAINTS_MEDIANS = "ระยะเวลาดำเนินการ (มัธยฐาน): รับเรื่องจนตอบครั้งแรก {first} วัน · รับเรื่องจนปิดเรื่อง {close} วัน"
COMPLAINTS_NO_MEDIAN = "-"
COMPLAINTS_SHEET_SUMMARY = "สรุป"
COMPLAINTS_SHEET_MONTHS = "รายเดือน"
COMPLAINTS_SHEET_DETAIL = "เดือน-หมวด-สถานะ"
COMPLAINTS_SHEET_PROCESS = "ขั้นตอน"
PROCESS_TITLE = "ขั้นตอนการจัดการเรื่องร้องเรียน"
PROCESS_STEPS = (
    "รับเรื่องร้องเรียนทาง LINE ได้ตลอด 24 ชั่วโมง ผู้ร้องเลือกได้ว่าจะเปิดเผยตัวตน ปกปิดตัวตน หรือไม่ระบุตัวตน "
    "และได้รับรหัสติดตามเรื่องทันที",
    "เจ้าหน้าที่รับเรื่องและคัดกรองภายใน {first_answer} วัน",
    "ตรวจสอบข้อเท็จจริง และแจ้งความคืบหน้าแก่ผู้ร้องภายใน {feedback} วัน และทุก {feedback} วันจนกว่าจะปิดเรื่อง",
    "ดำเนินการให้แล้วเสร็จภายใน {close} วัน: ดำเนินการแล้วเสร็จ ยุติเรื่อง หรือส่งต่อหน่วยงานที่มีอำนาจ",
    "ผู้ร้องติดตามผลได้ด้วยรหัสติดตามเรื่อง ข้อมูลผู้ร้องได้รับการปกปิดและคุ้มครอง เรื่องที่เกี่ยวกับหน่วยงานใด"
    "จะไม่ส่งถึงหน่วยงานนั้น",
    "เรื่องที่เกี่ยวกับผู้บริหารท้องถิ่นหรือปลัด ผู้ร้องได้รับแจ้งช่องทางภายนอก: สำนักงาน ป.ป.ช. (โทร 1205) "
    "สำนักงาน ป.ป.ท. (โทร 1206) และศูนย์ดำรงธรรม (โทร 1567)",
)
REPORT_FILE_PROGRESS = "รายงานผลการดำเนินงาน-{year}-{round}.{ext}"  # {round}: its name, no spaces
REPORT_FILE_COMPLAINTS = "สถิติเรื่องร้องเรียน-{year}.{ext}"
