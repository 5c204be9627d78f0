"""Officers open a complaint's evidence files (issue #15 item 6), in process on the real database: the
console through Flask's test client, LINE's signed links through the web app's test client. Only the
assigned officer who may still handle the case gets the files; every file served is in the audit log (in
Thai on the audit page); an officer the complaint's routing excludes, another organisation's officer, a
head, an expired or tampered link get a 4xx and nothing of the file."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from domain.complaints.evidence_links import EvidenceTicket
from linesim import events
from storage.clock import utcnow
from storage.complaint_models import Complaint
from storage.console_models import AuditEntry
from storage.evidence import COMPLAINT_OWNER
from tests.support.botcli import bind
from tests.support.chat import say
from tests.support.complaints import complaints, file_complaint
from tests.support.console import PASSWORD, add_console_user
from tests.support.inprocess import ChatBot
from tests.support.orgs import ClientConsole, add_organisation, bind_in

CITIZEN = "U" + "a" * 32
OFFICER = "U" + "c" * 32
OFFICER_2 = "U" + "d" * 32
WORKS_OFFICER = "U" + "e" * 32  # an officer posted in กองช่าง
WORKS_HEAD = "U" + "f" * 32
OTHER_ORG_OFFICER = "U" + "7" * 32
PDF = b"%PDF-1.4\n% evidence of the complaint\n%%EOF\n"
HTML = b"<html><script>alert('x')</script></html>"
LINK = re.compile(r"(https?://\S+/evidence/(\S+))")


def _audited(bot: ChatBot) -> list[AuditEntry]:
    with bot.services.uow() as uow:
        return list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "complaint.evidence")
                                        .order_by(AuditEntry.id)))


def _evidence_ids(bot: ChatBot, complaint_id: int) -> list[int]:
    with bot.services.uow() as uow:
        rows = uow.evidence.for_owner(COMPLAINT_OWNER, complaint_id)
        assert all(r.status == "ready" for r in rows), [r.status for r in rows]
        return [r.id for r in rows]


def _console(bot: ChatBot, username: str) -> ClientConsole:
    console = ClientConsole(bot.app)
    console.login(username, PASSWORD)
    return console


def _file_case(bot: ChatBot, **answers: str) -> Complaint:
    file_complaint(bot, CITIZEN, mode="identified", evidence=1, files=(("ใบเสร็จ-สมหญิง.pdf", PDF),
                                                                          ("page.html", HTML)), **answers)
    return complaints(bot)[-1]


def test_the_assigned_officer_downloads_each_file_in_the_console_and_each_is_audited(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bind(bot, OFFICER, "officer")
    bind(bot, OFFICER_2, "officer")
    add_console_user(bot, "officer1", "officer", OFFICER)
    add_console_user(bot, "officer2", "officer", OFFICER_2)
    case = _file_case(bot)
    image, pdf, html = _evidence_ids(bot, case.id)
    first, second = _console(bot, "officer1"), _console(bot, "officer2")
    # Before anyone takes the case: the count, no link, and the files refused (nothing served, nothing audited).
    shown = first.get(f"/complaints/{case.id}").get_data(as_text=True)
    assert "หลักฐาน:</strong> 3 รายการ" in shown and 'id="evidence-closed"' in shown
    assert "/evidence/" not in shown
    refused = first.client.get(f"/console/complaints/{case.id}/evidence/{pdf}")
    assert refused.status_code == 403 and PDF not in refused.data
    first.post(f"/complaints/{case.id}/take", {}, form_page=f"/complaints/{case.id}")
    page = first.get(f"/complaints/{case.id}").get_data(as_text=True)
    assert "รูปภาพ รายการที่ 1" in page and "ไฟล์ รายการที่ 2" in page and "ไฟล์ รายการที่ 3" in page
    assert "สมหญิง.pdf" not in page  # the sender's file name may say who they are
    expected = {image: (events.DEFAULT_IMAGE, "image/jpeg", "evidence-1-1.jpg"),
                pdf: (PDF, "application/pdf", "evidence-1-2.pdf"),
                html: (HTML, "application/octet-stream", "evidence-1-3.bin")}  # never served as a page
    for evidence_id, (content, content_type, name) in expected.items():
        assert f"/console/complaints/{case.id}/evidence/{evidence_id}" in page
        got = first.client.get(f"/console/complaints/{case.id}/evidence/{evidence_id}")
        assert got.status_code == 200 and got.data == content
        assert got.headers["Content-Type"] == content_type
        assert got.headers["Content-Disposition"].startswith(f'attachment; filename="{name}"')
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in got.headers["Content-Security-Policy"]
        assert got.headers["Cache-Control"] == "no-store"
    # The other officer sees the case but not its files; a file of another case is not found.
    other = second.get(f"/complaints/{case.id}").get_data(as_text=True)
    assert "/evidence/" not in other and 'id="evidence-closed"' in other
    assert second.client.get(f"/console/complaints/{case.id}/evidence/{pdf}").status_code == 403
    assert first.client.get(f"/console/complaints/{case.id}/evidence/{pdf + 1000}").status_code == 404
    audited = _audited(bot)
    assert [(e.actor_label, e.channel, e.target, e.detail) for e in audited] == [
        ("officer1", "console", f"complaint:{case.id}", {"file": n}) for n in (1, 2, 3)]
    add_console_user(bot, "admin")  # officers have no audit page: read it as the admin does
    audit_page = _console(bot, "admin").get("/audit").get_data(as_text=True)
    assert "เปิดหลักฐานเรื่องร้องเรียน" in audit_page and "หลักฐานรายการที่: 2" in audit_page
    assert "สมหญิง" not in audit_page


def test_the_excluded_officer_a_head_and_another_organisation_get_nothing(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bind(bot, WORKS_OFFICER, "officer", "กองช่าง")
    bind(bot, WORKS_HEAD, "head", "กองช่าง")
    add_console_user(bot, "works", "officer", WORKS_OFFICER)
    add_console_user(bot, "workshead", "head", WORKS_HEAD)
    case = _file_case(bot, involved="นายช่างกองช่าง")
    assert case.named_unit_ids
    with bot.services.uow() as uow:  # even assigned (posted to the unit after it took the case)
        works = uow.people.member(bot.org_id, WORKS_OFFICER)
        assert works is not None
        uow.session.execute(update(Complaint).where(Complaint.id == case.id).values(assigned_member_id=works.id))
        uow.commit()
    [_, pdf, _] = _evidence_ids(bot, case.id)
    path = f"/console/complaints/{case.id}/evidence/{pdf}"
    hidden = _console(bot, "works")
    assert hidden.client.get(path).status_code == 404
    assert "/evidence/" not in hidden.client.get(f"/console/complaints/{case.id}").get_data(as_text=True)
    head = _console(bot, "workshead").client.get(path)
    assert head.status_code == 403 and PDF not in head.data
    links = bot.services.complaints.evidence_links
    assert links is not None
    excluded_link, _ = links.link(EvidenceTicket(bot.org_id, case.id, pdf, works.id), utcnow())
    refused = bot.http.get(excluded_link[excluded_link.index("/evidence/"):])
    assert refused.status_code == 404 and PDF not in refused.data
    # another organisation's officer, with a genuine link naming them (either organisation): nothing
    other_org = add_organisation(bot, "other", "เทศบาลตำบลอื่น")
    bind_in(bot, other_org, OTHER_ORG_OFFICER, "officer")
    with bot.services.uow(other_org) as uow:
        stranger = uow.people.member(other_org, OTHER_ORG_OFFICER)
        assert stranger is not None
    for org in (other_org, bot.org_id):
        url, _ = links.link(EvidenceTicket(org, case.id, pdf, stranger.id), utcnow())
        response = bot.http.get(url[url.index("/evidence/"):])
        assert response.status_code == 404 and PDF not in response.data, org
    assert _audited(bot) == []


def test_the_assigned_officer_gets_short_lived_links_in_line(chat_bot: ChatBot) -> None:
    bot = chat_bot
    bind(bot, OFFICER, "officer")
    bind(bot, OFFICER_2, "officer")
    case = _file_case(bot)
    _, pdf, _ = _evidence_ids(bot, case.id)
    say(bot, OFFICER, f"เปิด {case.id}")  # the first to open it takes it
    view = next(t for t in bot.texts_to(OFFICER) if f"เรื่องร้องเรียน #{case.id}" in t)
    found = LINK.findall(view)
    assert len(found) == 3 and "ใช้ได้ถึง" in view and "สมหญิง.pdf" not in view
    bodies = []
    for url, _token in found:
        response = bot.http.get(url[url.index("/evidence/"):])
        assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        bodies.append(response.data)
    assert bodies == [events.DEFAULT_IMAGE, PDF, HTML]
    audited = _audited(bot)
    assert [(e.channel, e.actor_member_id is not None, e.detail) for e in audited] == [
        ("line", True, {"file": n}) for n in (1, 2, 3)]
    # The other officer's view of the case has no link; a link is not theirs to use.
    say(bot, OFFICER_2, f"เปิด {case.id}")
    other_view = next(t for t in bot.texts_to(OFFICER_2) if f"เรื่องร้องเรียน #{case.id}" in t)
    assert "/evidence/" not in other_view and "หลักฐาน: 3 รายการ" in other_view
    # Tampered: one character of the signature or of the payload changed.
    token = found[1][1]
    payload, signature = token.split(".")
    for bad in (f"{payload}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
                f"{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{signature}", "nonsense", ""):
        response = bot.http.get(f"/evidence/{bad}")
        assert response.status_code == 404 and PDF not in response.data, bad
    # Expired: a genuine link past its minutes.
    links = bot.services.complaints.evidence_links
    assert links is not None and links.valid_for <= timedelta(hours=4)
    with bot.services.uow() as uow:
        officer = uow.people.member(bot.org_id, OFFICER)
        assert officer is not None
    url, _ = links.link(EvidenceTicket(bot.org_id, case.id, pdf, officer.id), utcnow() - links.valid_for)
    expired = bot.http.get(url[url.index("/evidence/"):])
    assert expired.status_code == 410 and PDF not in expired.data
    assert "หมดอายุ" in expired.get_data(as_text=True)
    # Once the case names the officer's unit (or goes to someone else) their old link opens nothing.
    with bot.services.uow() as uow:
        uow.session.execute(update(Complaint).where(Complaint.id == case.id).values(assigned_member_id=None))
        uow.commit()
    stale = bot.http.get(found[0][0][found[0][0].index("/evidence/"):])
    assert stale.status_code == 404 and events.DEFAULT_IMAGE not in stale.data
    assert len(_audited(bot)) == 3
