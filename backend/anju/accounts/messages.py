"""What accounts say to people, in Chinese and English."""

from anju.common.i18n import register

register(
    {
        "auth.required": {"zh": "请先登录", "en": "Please log in"},
        "auth.invalid_token": {
            "zh": "登录凭证无效，请重新登录",
            "en": "The access token is not valid; please log in again",
        },
        "auth.session_over": {
            "zh": "登录已失效，请重新登录",
            "en": "Your session has ended; please log in again",
        },
        "auth.forbidden": {
            "zh": "您的角色不能进行此操作",
            "en": "Your role may not do this",
        },
        "auth.mfa_enrolment_required": {
            "zh": "请先绑定动态验证码（TOTP）",
            "en": "Set up your authenticator code (TOTP) first",
        },
        "auth.bad_credentials": {
            "zh": "手机号或密码不正确",
            "en": "The phone number or password is wrong",
        },
        "auth.disabled": {"zh": "该账号已停用", "en": "This account is disabled"},
        "auth.locked": {
            "zh": "登录失败次数过多，请在 {seconds} 秒后重试",
            "en": "Too many failed logins; try again in {seconds} seconds",
        },
        "auth.mfa_required": {
            "zh": "请输入动态验证码",
            "en": "Enter the code from your authenticator app",
        },
        "auth.bad_second_factor": {
            "zh": "动态验证码或恢复码不正确",
            "en": "The authenticator or recovery code is wrong",
        },
        "auth.totp_already_enabled": {
            "zh": "已绑定动态验证码",
            "en": "An authenticator is already set up",
        },
        "auth.totp_not_started": {
            "zh": "请先开始绑定动态验证码",
            "en": "Start the authenticator setup first",
        },
        "auth.sms_code_expired": {
            "zh": "验证码已过期或不存在，请重新获取",
            "en": "The code has expired or was never sent; ask for a new one",
        },
        "auth.sms_code_exhausted": {
            "zh": "验证码错误次数过多，请重新获取",
            "en": "Too many wrong tries; ask for a new code",
        },
        "auth.sms_code_wrong": {
            "zh": "验证码不正确",
            "en": "The code is wrong",
        },
        "auth.password_too_short": {
            "zh": "新密码至少需要 10 个字符",
            "en": "The new password needs at least 10 characters",
        },
        "account.exists": {
            "zh": "该手机号已有账号",
            "en": "An account with this phone number exists",
        },
        "account.scope_required": {
            "zh": "该角色需要指定范围（区域、场所或房屋）",
            "en": "This role needs a scope (an area, venue or property)",
        },
        "account.scope_not_found": {
            "zh": "指定的范围不存在",
            "en": "The scope given does not exist",
        },
    }
)
