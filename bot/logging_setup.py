"""Log format for all processes. Log lines carry ids and pseudonyms, never message text or LINE user ids."""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    root = logging.getLogger()
    if not any(getattr(h, "_itabot", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"))
        handler._itabot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # The SDK and urllib3 log request bodies at DEBUG: keep them quiet whatever LOG_LEVEL says.
    for noisy in ("linebot", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
