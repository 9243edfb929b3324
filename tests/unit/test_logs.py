from __future__ import annotations

import io
import logging

import pytest

from anju.logs import configure_logging, request_id_var

SECRETS = [
    "11010519491231002X",
    "13812345678",
    "+86 13812345678",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
]


@pytest.fixture
def log_stream():
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream)
    yield stream
    configure_logging("INFO", "console")


def test_sensitive_values_never_reach_the_log(log_stream):
    logger = logging.getLogger("anju.test")

    for secret in SECRETS:
        logger.info("value %s seen", secret)
        logger.info("field", extra={"detail": f"has {secret}", "password": "hunter2"})
    logger.info("header", extra={"authorization": "Bearer abc.def"})

    text = log_stream.getvalue()
    for secret in [*SECRETS, "hunter2", "abc.def"]:
        assert secret not in text
    assert "[id-number]" in text and "[phone]" in text and "[token]" in text


def test_every_line_carries_the_request_id(log_stream):
    token = request_id_var.set("rid-7")
    try:
        logging.getLogger("anju.test").warning("something")
    finally:
        request_id_var.reset(token)

    assert '"request_id": "rid-7"' in log_stream.getvalue()
