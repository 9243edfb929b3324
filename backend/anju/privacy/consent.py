"""The separate consent to processing sensitive personal information (PIPL
art. 29: an ID number is sensitive), shown before a person registers
themself at a venue or for a tenancy, and recorded with its version and time.

Bump ``CURRENT_VERSION`` whenever purpose, retention or text change: the app
then shows the new text, and a submission that accepted an older version is
refused with ``consent.outdated`` (nothing the person typed is lost; they
accept again and resend).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from anju.common.errors import field_error
from anju.common.i18n import current_language, register

CURRENT_VERSION = "2026-12-01"

register(
    {
        "consent.required": {
            "zh": "请阅读并同意个人信息处理说明后再提交",
            "en": "Read and accept the notice on personal information first",
        },
        "consent.outdated": {
            "zh": "个人信息处理说明已更新，请重新阅读并同意",
            "en": "The notice on personal information has changed: accept it again",
        },
    }
)

_TEXTS = {
    "zh": {
        "purpose": (
            "用于本辖区流动人口登记：核验您的身份（人证一致），记录您在哪个场所工作或在哪里"
            "居住，以便民警和社区依法开展服务与管理。"
        ),
        "retention": (
            "您的登记在离职或退租后保存三年，随后删除；访问记录保存至少180天。"
        ),
        "text": (
            "您将提供姓名、身份证号（敏感个人信息）、手机号、岗位和入职日期，"
            "紧急联系人可选填。身份证号加密保存，除民警为执行公务并说明用途外，"
            "任何人只能看到脱敏号码。您的信息会发送至公安身份核验服务核对姓名与身份证号。"
            "每一次查看您信息的人员、时间和用途都会被记录，您可以在“我的”中查看。"
            "您可以随时撤回同意，但已依法完成的登记不受影响。"
        ),
    },
    "en": {
        "purpose": (
            "Registration of residents from elsewhere in this district: checking your "
            "identity against your ID card and recording where you work or live, so "
            "that the police and the community can serve and manage the area lawfully."
        ),
        "retention": (
            "Your registration is kept for three years after you leave the job or "
            "the room, then deleted; the record of who looked at it for at least "
            "180 days."
        ),
        "text": (
            "You give your name, your ID number (sensitive personal information), "
            "your phone, your job and its start date, and optionally an emergency "
            "contact. The ID number is stored encrypted and shown masked to everyone "
            "except an officer who states a purpose. Your name and ID number are sent "
            "to the police ID check service. Every look at your data is recorded with "
            "who, when and why, and you can see it under 'Me'. You may withdraw your "
            "consent; registrations already made lawfully stay."
        ),
    },
}


@dataclass(frozen=True)
class AcceptedConsent:
    version: str
    accepted_at: datetime


def current_consent(language: str | None = None) -> dict[str, str]:
    """The consent to show now: ``{version, purpose, retention, text}``."""
    texts = _TEXTS.get(language or current_language(), _TEXTS["zh"])
    return {"version": CURRENT_VERSION, **texts}


def consent_problem(version: str | None) -> str | None:
    """The field error code for an accepted version, None when it is current."""
    if not version:
        return "consent.required"
    if version != CURRENT_VERSION:
        return "consent.outdated"
    return None


def accept(version: str | None, field: str = "consent_version") -> AcceptedConsent:
    """The consent a submission carries, stamped now; a 422 on ``field`` when
    it is missing or not the current version (for tenancy requests too)."""
    problem = consent_problem(version)
    if problem:
        raise field_error(field, problem)
    return AcceptedConsent(CURRENT_VERSION, datetime.now(UTC))
