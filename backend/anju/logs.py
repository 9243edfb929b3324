"""Logging, configured before the application exists.

One logger per module (``logging.getLogger(__name__)``), constant messages with
variables as ``extra`` fields, a request id on every line. JSON lines in
production, readable columns in development. A redaction filter is the last line
of defence: no ID number, phone number, password or token reaches a log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar(
    "request_id", default="-"
)

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

_SENSITIVE_KEYS = re.compile(
    r"(password|passwd|secret|token|authorization|cookie|id_number|phone|code)",
    re.IGNORECASE,
)
_PATTERNS = (
    # 18-character resident ID numbers (and 15-digit legacy ones).
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[id-number]"),
    (re.compile(r"(?<!\d)\d{15}(?!\d)"), "[id-number]"),
    # Mainland mobile numbers, with or without +86.
    (re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"), "[phone]"),
    # JWTs and bearer tokens.
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"), "[token]"),
    (re.compile(r"(?i)bearer\s+[\w.~+/=-]+"), "Bearer [token]"),
)


def redact_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if _SENSITIVE_KEYS.search(key) and not key.endswith(("_id", "_count", "_kind")):
        return "[redacted]"
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Scrubs messages, arguments and extra fields; attaches the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()

        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact_text(str(record.msg))

        for key, value in list(vars(record).items()):
            if key not in _STANDARD and key != "request_id":
                setattr(record, key, _redact_value(key, value))

        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(
                record.exc_info
            )
            record.exc_text = redact_text(text)
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD and key != "request_id"
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            **_extras(record),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        line = (
            f"{time} {record.levelname:<7} [{getattr(record, 'request_id', '-')}] "
            f"{record.name}: {record.getMessage()}"
        )
        if fields:
            line = f"{line}  {fields}"
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        return line


def configure_logging(
    level: str = "INFO", fmt: str = "console", stream: Any = None
) -> None:
    """Install one handler on the root logger; safe to call more than once."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())

    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_anju", False):
            root.removeHandler(old)
    handler._anju = True  # type: ignore[attr-defined]  # marks our own handler
    root.addHandler(handler)
    root.setLevel(level.upper())

    # Werkzeug's own access lines would duplicate ours and print raw paths.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)
