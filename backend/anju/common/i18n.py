"""The user's language: Chinese by default, English on request.

Messages live in one catalogue keyed by a stable code; domains add their own
entries with :func:`register`. A code without a translation falls back to
Chinese, then to the code itself, so a missing entry never breaks an answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import has_request_context, request

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

_CATALOGUE: dict[str, dict[str, str]] = {}


def register(messages: Mapping[str, Mapping[str, str]]) -> None:
    for code, texts in messages.items():
        _CATALOGUE[code] = dict(texts)


def known(code: str) -> bool:
    return code in _CATALOGUE


def current_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    best = request.accept_languages.best_match(["zh", "zh-CN", "en", "en-US"])
    return "en" if best and best.startswith("en") else DEFAULT_LANGUAGE


def translate(code: str, language: str | None = None, **params: object) -> str:
    language = language or current_language()
    texts = _CATALOGUE.get(code, {})
    template = texts.get(language) or texts.get(DEFAULT_LANGUAGE) or code
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


register(
    {
        # Problem titles, by HTTP status.
        "http.400": {"zh": "请求格式有误", "en": "Bad request"},
        "http.401": {"zh": "请先登录", "en": "Authentication required"},
        "http.403": {"zh": "没有权限进行此操作", "en": "Forbidden"},
        "http.404": {"zh": "找不到该资源", "en": "Not found"},
        "http.405": {"zh": "不支持该请求方法", "en": "Method not allowed"},
        "http.409": {"zh": "与当前状态冲突", "en": "Conflict"},
        "http.412": {"zh": "记录已被他人修改", "en": "Precondition failed"},
        "http.413": {"zh": "提交的内容过大", "en": "Request body too large"},
        "http.415": {"zh": "不支持的内容类型", "en": "Unsupported media type"},
        "http.422": {"zh": "提交的信息有误", "en": "Invalid input"},
        "http.428": {"zh": "缺少前置条件", "en": "Precondition required"},
        "http.429": {"zh": "操作太频繁，请稍后再试", "en": "Too many requests"},
        "http.500": {"zh": "服务器内部错误", "en": "Internal server error"},
        "http.503": {"zh": "服务暂时不可用，请稍后再试", "en": "Service unavailable"},
        # Details.
        "error.not_found": {
            "zh": "找不到您要访问的地址或记录",
            "en": "The address or record you asked for does not exist",
        },
        "error.method": {
            "zh": "该地址不支持 {method} 请求",
            "en": "This address does not accept {method}",
        },
        "error.too_large": {
            "zh": "提交的内容超过了 {limit} 的上限",
            "en": "The request body exceeds the limit of {limit}",
        },
        "error.media_type": {
            "zh": "请以 JSON 格式（application/json）提交",
            "en": "Send the body as JSON (application/json)",
        },
        "error.malformed_json": {
            "zh": "提交的 JSON 格式不正确，无法解析",
            "en": "The JSON body could not be parsed",
        },
        "error.invalid_input": {
            "zh": "请检查标出的字段",
            "en": "Please check the fields marked",
        },
        "error.internal": {
            "zh": "服务器出现意外错误，已记录。请稍后重试，编号 {request_id}",
            "en": "An unexpected error was recorded. Try again later; "
            "reference {request_id}",
        },
        "error.database_unavailable": {
            "zh": "数据库暂时不可用，您的请求没有被处理，请稍后重试",
            "en": "The database is unavailable; your request was not processed. "
            "Please try again shortly",
        },
        "error.rate_limited": {
            "zh": "操作太频繁，请在 {seconds} 秒后重试",
            "en": "Too many attempts; try again in {seconds} seconds",
        },
        "error.idempotency_mismatch": {
            "zh": "该幂等键已用于另一份不同的提交",
            "en": "This Idempotency-Key was already used with a different body",
        },
        "error.idempotency_in_progress": {
            "zh": "相同的提交正在处理中，请稍候",
            "en": "The same request is still being processed",
        },
        "error.idempotency_key": {
            "zh": "Idempotency-Key 须为 8 至 128 个字母、数字或连字符",
            "en": "Idempotency-Key must be 8 to 128 letters, digits or dashes",
        },
        # Field errors that marshmallow reports, by stable code.
        "field.required": {"zh": "此项为必填项", "en": "This field is required"},
        "field.null": {"zh": "此项不能为空", "en": "This field may not be null"},
        "field.type": {
            "zh": "此项的类型不正确",
            "en": "This field has the wrong type",
        },
        "field.unknown": {
            "zh": "不接受此字段",
            "en": "This field is not accepted",
        },
        "field.length": {"zh": "长度不符合要求", "en": "The length is not allowed"},
        "field.choice": {"zh": "不是可选的值", "en": "Not one of the allowed values"},
        "field.range": {"zh": "数值超出允许范围", "en": "The value is out of range"},
        "field.format": {"zh": "格式不正确", "en": "The format is not valid"},
        "field.invalid": {"zh": "此项的值无效", "en": "This value is not valid"},
    }
)
