"""`GET /healthz`: is the database reachable, how old is the oldest message not yet delivered, and what is
in line in both queues. Polled every few seconds by a load balancer, so it reads only what is in line (the
queues' partial indexes), never the history of handled events and delivered messages, which grows for ever."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from bot.services import Services
from storage.clock import utcnow

log = logging.getLogger(__name__)
blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Any:
    services: Services = current_app.extensions["itabot"]
    try:
        org_id = services.org_id()
        with services.uow() as uow:
            uow.ping()
            oldest = uow.outbox.oldest_undelivered_created_at()
            outbox = uow.outbox.counts_in_line()
            inbox = uow.inbox.counts_in_line()
            quota = uow.outbox.quota(org_id)
    except SQLAlchemyError as exc:
        log.error("health check: database unreachable: %s", type(exc).__name__)
        return jsonify({"status": "error", "database": {"reachable": False, "error": type(exc).__name__}}), 503
    age = round((utcnow() - oldest).total_seconds(), 3) if oldest else None
    return jsonify({
        "status": "ok",
        "database": {"reachable": True},
        "outbox": {"oldest_undelivered_age_seconds": age, "by_status": outbox},
        "inbox": {"by_status": inbox},
        "quota": None if quota is None else {
            "type": quota.quota_type, "limit": quota.quota_limit, "usage": quota.total_usage,
            "checked_at": quota.checked_at.isoformat(), "exhausted": quota.exhausted_at is not None,
        },
    }), 200
