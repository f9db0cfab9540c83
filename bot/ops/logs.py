"""LOG_FORMAT=json: one JSON object per line, for log shippers.

The privacy filter of bot/logging_setup.py has already rewritten each record (token redacted,
library arguments withheld) before this formatter sees it. A record may carry `fields` (the
per-update line's ids, handler, outcome and milliseconds), which become top-level keys.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, the record's `fields`, and `exception` if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update({str(k): v for k, v in fields.items() if k not in entry})
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def use_json_logs() -> None:
    """Give every root handler the JSON formatter (after `configure_logging`)."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
