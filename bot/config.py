"""Settings read from the environment (and an optional `.env` file).

Every setting has one name, documented in README.md and `.env.example`. Outside development mode the
secrets are required and the process refuses to start with a message naming the missing variable (the
LINE channel's two only where LINE is talked to: command-line work on the database does without them).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.complaints.crypto import MasterKey
from domain.complaints.evidence_links import EvidenceLinks, EvidenceSigner
from domain.complaints.workflow import DeadlinePolicy
from domain.organisations import CredentialsBox
from usecases.complaint_config import ComplaintConfig, ComplaintKeys

DEVELOPMENT_DEFAULTS = {
    "LINE_CHANNEL_SECRET": "dev-channel-secret",
    "LINE_CHANNEL_ACCESS_TOKEN": "dev-access-token",
    "SECRET_KEY": "dev-secret-key-not-for-production",
}
REQUIRED_OUTSIDE_DEVELOPMENT = tuple(DEVELOPMENT_DEFAULTS)
LINE_SECRETS = ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN")


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def _default_database_url(instance_dir: Path) -> str:
    return f"sqlite:///{instance_dir / 'itabot.db'}"


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    return int(_float(env, name, default))


@dataclass(frozen=True)
class Settings:
    environment: str
    line_channel_secret: str
    line_channel_access_token: str
    line_api_base_url: str | None
    database_url: str
    secret_key: str
    org_slug: str
    org_name: str
    timezone: str
    instance_dir: Path
    # delivery tuning
    line_request_timeout: float = 10.0
    outbox_max_attempts: int = 8
    outbox_lease_seconds: float = 30.0
    outbox_retry_base_seconds: float = 2.0
    outbox_send_concurrency: int = 32  # LINE calls in flight at once (the LINE client keeps 32 connections)
    inbox_max_attempts: int = 5
    inbox_lease_seconds: float = 60.0
    inbox_retry_base_seconds: float = 5.0
    retention_days: float = 30.0
    max_body_bytes: int = 1024 * 1024
    # complaints: the master key (base64 of 32 bytes) that wraps each complaint's identity key, deadlines,
    # retention and the per-account daily limit
    complaint_key: str = field(default="", repr=False)
    # organisations' LINE credentials (secrets and tokens) are sealed under this key (base64 of 32 bytes);
    # empty: no organisation's credentials can be stored or read (the environment's channel still works)
    credentials_key: str = field(default="", repr=False)
    complaint_first_answer_days: int = 7
    complaint_feedback_days: int = 30
    complaint_close_days: int = 90
    complaint_remind_before_days: int = 2
    complaint_retention_days: float = 365.0
    complaint_daily_limit: int = 5
    # reports: where the web app is reached from outside (download links, the public pages), how long a
    # signed download link works
    public_base_url: str = "http://127.0.0.1:5000"
    report_link_days: float = 7.0
    evidence_link_minutes: float = 30.0
    # how many reverse proxies in front of the web app set X-Forwarded-For/-Proto (0: the headers are
    # ignored, so nobody can fake their address to the console's login slow-down)
    trusted_proxies: int = 0

    @property
    def is_development(self) -> bool:
        return self.environment in ("development", "test")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, load_dotenv: bool = True,
                 require_line: bool = True) -> Settings:
        """`require_line=False`: the LINE channel's secret and token may be missing (they are then empty),
        for commands that never talk to LINE."""
        if environ is None:
            if load_dotenv:
                _load_dotenv_file()
            environ = os.environ
        env = dict(environ)
        environment = env.get("ITABOT_ENV", "production").strip().lower() or "production"
        is_dev = environment in ("development", "test")

        values: dict[str, str] = {}
        for name in REQUIRED_OUTSIDE_DEVELOPMENT:
            value = env.get(name, "").strip()
            if not value:
                if not is_dev and (require_line or name not in LINE_SECRETS):
                    raise ConfigError(
                        f"{name} is not set. Set it in the environment or in .env "
                        f"(ITABOT_ENV={environment}); see .env.example."
                    )
                value = DEVELOPMENT_DEFAULTS[name] if is_dev else ""
            values[name] = value

        instance_dir = Path(env.get("ITABOT_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
        timezone = env.get("ORG_TIMEZONE", "Asia/Bangkok").strip() or "Asia/Bangkok"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"ORG_TIMEZONE is not a known time zone: {timezone!r}") from exc

        base_url = (env.get("LINE_API_BASE_URL") or "").strip().rstrip("/") or None
        return cls(
            environment=environment,
            line_channel_secret=values["LINE_CHANNEL_SECRET"],
            line_channel_access_token=values["LINE_CHANNEL_ACCESS_TOKEN"],
            line_api_base_url=base_url,
            database_url=(env.get("DATABASE_URL") or "").strip() or _default_database_url(instance_dir),
            secret_key=values["SECRET_KEY"],
            org_slug=(env.get("ORG_SLUG") or "default").strip(),
            org_name=(env.get("ORG_NAME") or "เทศบาลตัวอย่าง").strip(),
            timezone=timezone,
            instance_dir=instance_dir,
            line_request_timeout=_float(env, "LINE_REQUEST_TIMEOUT", 10.0),
            outbox_max_attempts=_int(env, "OUTBOX_MAX_ATTEMPTS", 8),
            outbox_lease_seconds=_float(env, "OUTBOX_LEASE_SECONDS", 30.0),
            outbox_retry_base_seconds=_float(env, "OUTBOX_RETRY_BASE_SECONDS", 2.0),
            outbox_send_concurrency=max(1, _int(env, "OUTBOX_SEND_CONCURRENCY", 32)),
            inbox_max_attempts=_int(env, "INBOX_MAX_ATTEMPTS", 5),
            inbox_lease_seconds=_float(env, "INBOX_LEASE_SECONDS", 60.0),
            inbox_retry_base_seconds=_float(env, "INBOX_RETRY_BASE_SECONDS", 5.0),
            retention_days=_float(env, "RETENTION_DAYS", 30.0),
            complaint_key=_complaint_key(env, is_dev, environment, values["SECRET_KEY"]),
            credentials_key=_credentials_key(env, is_dev, values["SECRET_KEY"]),
            complaint_first_answer_days=_int(env, "COMPLAINT_FIRST_ANSWER_DAYS", 7),
            complaint_feedback_days=_int(env, "COMPLAINT_FEEDBACK_DAYS", 30),
            complaint_close_days=_int(env, "COMPLAINT_CLOSE_DAYS", 90),
            complaint_remind_before_days=_int(env, "COMPLAINT_REMIND_BEFORE_DAYS", 2),
            complaint_retention_days=_float(env, "COMPLAINT_RETENTION_DAYS", 365.0),
            complaint_daily_limit=_int(env, "COMPLAINT_DAILY_LIMIT", 5),
            public_base_url=_public_base_url(env),
            report_link_days=_report_link_days(env),
            evidence_link_minutes=_evidence_link_minutes(env),
            trusted_proxies=_trusted_proxies(env),
        )


def _public_base_url(env: Mapping[str, str]) -> str:
    value = (env.get("PUBLIC_BASE_URL") or "").strip().rstrip("/") or "http://127.0.0.1:5000"
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"PUBLIC_BASE_URL must start with http:// or https://, got {value!r}")
    return value


def _report_link_days(env: Mapping[str, str]) -> float:
    days = _float(env, "REPORT_LINK_DAYS", 7.0)
    if not 0 < days <= 366:
        raise ConfigError(f"REPORT_LINK_DAYS must be more than 0 and at most 366, got {days:g}")
    return days


def _evidence_link_minutes(env: Mapping[str, str]) -> float:
    minutes = _float(env, "EVIDENCE_LINK_MINUTES", 30.0)
    if not 0 < minutes <= 240:
        raise ConfigError(f"EVIDENCE_LINK_MINUTES must be more than 0 and at most 240, got {minutes:g}")
    return minutes


def _trusted_proxies(env: Mapping[str, str]) -> int:
    count = _int(env, "TRUSTED_PROXIES", 0)
    if not 0 <= count <= 5:
        raise ConfigError(f"TRUSTED_PROXIES must be 0 to 5 (the reverse proxies in front of the app), got {count}")
    return count


def _master_key(env: Mapping[str, str], name: str, is_dev: bool, secret_key: str, missing: str | None) -> str:
    """A base64 master key from the environment, checked. Unset: in development and tests a fixed key
    derived from SECRET_KEY; elsewhere the ConfigError `missing`, or "" when the key is optional (None)."""
    value = env.get(name, "").strip()
    if not value:
        if not is_dev:
            if missing is None:
                return ""
            raise ConfigError(missing)
        purpose = name.split("_", 1)[0].lower()  # COMPLAINT_KEY -> complaint, CREDENTIALS_KEY -> credentials
        derived = hashlib.sha256(f"itabot-dev-{purpose}-key:".encode() + secret_key.encode()).digest()
        return base64.b64encode(derived).decode("ascii")
    try:
        MasterKey.from_b64(value)
    except ValueError as exc:
        raise ConfigError(f"{name} is malformed: {exc}") from None
    return value


def _complaint_key(env: Mapping[str, str], is_dev: bool, environment: str, secret_key: str) -> str:
    """COMPLAINT_KEY: required outside development and tests."""
    return _master_key(env, "COMPLAINT_KEY", is_dev, secret_key, missing=(
        f"COMPLAINT_KEY is not set. Set it to base64 of 32 random bytes "
        f"(python -c 'import os,base64; print(base64.b64encode(os.urandom(32)).decode())'; "
        f"ITABOT_ENV={environment}); see .env.example."))


def _credentials_key(env: Mapping[str, str], is_dev: bool, secret_key: str) -> str:
    """CREDENTIALS_KEY: optional (a single-organisation deployment needs none)."""
    return _master_key(env, "CREDENTIALS_KEY", is_dev, secret_key, missing=None)


def credentials_box(settings: Settings) -> CredentialsBox | None:
    """What seals organisations' LINE credentials; None when CREDENTIALS_KEY is not set."""
    return CredentialsBox.from_b64(settings.credentials_key) if settings.credentials_key else None


def _load_dotenv_file() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:  # pragma: no cover - python-dotenv is a dependency
        return
    load_dotenv(Path.cwd() / ".env", override=False)


def complaint_config(settings: Settings) -> ComplaintConfig:
    """The complaint keys and policies the handlers, the console and the jobs use."""
    return ComplaintConfig(
        keys=ComplaintKeys(MasterKey.from_b64(settings.complaint_key)),
        policy=DeadlinePolicy(first_answer_days=settings.complaint_first_answer_days,
                              feedback_days=settings.complaint_feedback_days,
                              close_days=settings.complaint_close_days,
                              remind_before_days=settings.complaint_remind_before_days),
        daily_limit=settings.complaint_daily_limit,
        retention_days=settings.complaint_retention_days,
        evidence_links=EvidenceLinks(EvidenceSigner.from_secret_key(settings.secret_key), settings.public_base_url,
                                     timedelta(minutes=settings.evidence_link_minutes)),
    )
