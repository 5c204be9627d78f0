"""A deployment's queue history (PostgreSQL): handled inbox events and delivered outbox rows, as a deployment
keeps them (retention only scrubs them: `usecases/retention.py`), inserted directly and then VACUUM ANALYZEd
as autovacuum would. Used by `bench/queue_history.py` and `bench/worker_profile.py --history N`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

# Over `DAYS` days, spread over `orgs` organisations and `chats` chats: 94 % done, 5 % ignored, 1 in 1,000
# failed; 97 % delivered, 2 % cancelled, 1 % failed, 1 in 1,000 uncertain. Rows older than the retention
# (30 days) are scrubbed as `scrub_finished` leaves them (an event's chat is then its own, a message's none).
DAYS = 60
RETENTION_DAYS = 30


def add_history(engine: Any, rows: int, orgs: int = 200, chats: int = 20_000) -> None:
    """`rows` handled events and `rows` finished messages, in organisations 1..`orgs` (those missing added)."""
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO organisations (slug, name, timezone, created_at)"
            " SELECT 'history-' || n, 'ประวัติ ' || n, 'Asia/Bangkok', now() FROM generate_series(1, :orgs) n"
            " WHERE (SELECT count(*) FROM organisations) < :orgs ON CONFLICT DO NOTHING"), {"orgs": orgs})
        org_ids = list(c.execute(text("SELECT id FROM organisations ORDER BY id LIMIT :orgs"), {"orgs": orgs}).scalars())
        if not rows:
            return
        c.execute(text("CREATE TEMP TABLE history_orgs AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id"
                       " FROM organisations WHERE id = ANY(:ids)"), {"ids": org_ids})
        params = {"rows": rows, "chats": chats, "orgs": len(org_ids), "days": DAYS, "kept": RETENTION_DAYS}
        c.execute(text(
            "INSERT INTO inbox_events (org_id, webhook_event_id, chat_key, event_type, payload, is_redelivery,"
            " event_time, received_at, status, attempts, next_attempt_at, lease_until, outcome, processed_at,"
            " scrubbed_at)"
            " SELECT o.id, 'H' || lpad(to_hex(i), 25, '0'),"
            " CASE WHEN s.old THEN 'event:H' || lpad(to_hex(i), 25, '0') ELSE 'U' || md5('chat' || (i % :chats)) END,"
            " 'message', CASE WHEN s.old THEN json_build_object('type', 'message')"
            " ELSE json_build_object('type', 'message', 'message', json_build_object('type', 'text', 'text',"
            " 'ช่วยเหลือ'), 'source', json_build_object('type', 'user', 'userId', 'U' || md5('chat' || (i % :chats))),"
            " 'replyToken', md5('token' || i)) END, false, s.at, s.at,"
            " CASE WHEN i % 1000 = 7 THEN 'failed' WHEN i % 20 = 3 THEN 'ignored' ELSE 'done' END,"
            " 1, s.at, NULL, 'handled', s.at + interval '50 milliseconds', CASE WHEN s.old THEN now() END"
            " FROM generate_series(1, :rows) i JOIN history_orgs o ON o.n = i % :orgs,"
            " LATERAL (SELECT now() - (:days * interval '1 day') * (1 - i::float / :rows) AS at,"
            " i::float / :rows < 1 - CAST(:kept AS float) / :days AS old) s"), params)
        c.execute(text(
            "INSERT INTO outbox_messages (org_id, kind, chat_key, retry_key, reply_token, recipients, messages,"
            " priority, status, attempts, next_attempt_at, lease_until, lease_owner, reply_attempted_at,"
            " delivered_via, line_request_id, created_at, delivered_at, scrubbed_at, private)"
            " SELECT o.id, 'reply', CASE WHEN s.old THEN NULL ELSE 'U' || md5('chat' || (i % :chats)) END,"
            " md5('retry' || i)::uuid::text, CASE WHEN s.old THEN NULL ELSE md5('token' || i) END,"
            " CASE WHEN s.old THEN '[]'::json ELSE json_build_array('U' || md5('chat' || (i % :chats))) END,"
            " CASE WHEN s.old THEN '[]'::json ELSE json_build_array(json_build_object('type', 'text', 'text',"
            " 'พิมพ์ รายงาน เพื่อรายงานความคืบหน้า หรือ ร้องเรียน เพื่อแจ้งเรื่องร้องเรียน')) END,"
            " 0, CASE WHEN i % 1000 = 7 THEN 'uncertain' WHEN i % 100 = 3 THEN 'failed'"
            " WHEN i % 50 = 1 THEN 'cancelled' ELSE 'delivered' END,"
            " 1, s.at, NULL, md5('owner' || (i % 97))::uuid::text, s.at, 'reply', md5('request' || i), s.at,"
            " s.at + interval '80 milliseconds', CASE WHEN s.old THEN now() END, false"
            " FROM generate_series(1, :rows) i JOIN history_orgs o ON o.n = i % :orgs,"
            " LATERAL (SELECT now() - (:days * interval '1 day') * (1 - i::float / :rows) AS at,"
            " i::float / :rows < 1 - CAST(:kept AS float) / :days AS old) s"), params)
        c.execute(text("DROP TABLE history_orgs"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE inbox_events, outbox_messages"))


def index_sizes(engine: Any) -> dict[str, int]:
    """The queues' indexes and their sizes in bytes."""
    with engine.connect() as c:
        return {name: size for name, size in c.execute(text(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes"
            " WHERE relname IN ('inbox_events', 'outbox_messages') ORDER BY indexrelname"))}


def server_cpu_seconds(data_dir: Any) -> float | None:
    """CPU time a local PostgreSQL has used so far: the postmaster, the backends that exited and those still
    running (its children, read from /proc); None where /proc cannot be read."""
    import os
    from pathlib import Path

    ticks = os.sysconf("SC_CLK_TCK")

    def stat(pid: int | str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    try:
        postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
        total = sum(int(f) for f in stat(postmaster)[11:15])
    except (OSError, ValueError, IndexError):
        return None
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = stat(entry)
                if int(fields[1]) == postmaster:
                    total += int(fields[11]) + int(fields[12])
            except (OSError, ValueError, IndexError):
                continue
    return total / ticks
