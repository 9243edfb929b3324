"""The web app checks ID numbers and phones before sending (pwa/src/forms/
checks.js) and must say what the server would: the same words, in both
languages, for every problem it can find on the phone."""

from __future__ import annotations

from pathlib import Path

import pytest

from anju.common import idnumber, phone

MESSAGES = Path(__file__).resolve().parents[2] / "pwa" / "src" / "i18n" / "messages"
# The region table stays on the server: the app leaves that check to it.
SERVER_ONLY = {"id_number.region"}


@pytest.mark.parametrize(("language", "file"), [("zh", "zh-CN.js"), ("en", "en.js")])
def test_the_apps_typo_messages_are_the_servers(language, file):
    text = (MESSAGES / file).read_text(encoding="utf-8")
    server = {**idnumber.MESSAGES, **phone.MESSAGES}

    missing = [
        key
        for key, said in server.items()
        if key not in SERVER_ONLY and said[language] not in text
    ]

    assert missing == []
