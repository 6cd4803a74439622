"""Messages shared by every surface."""

MESSAGES: dict[str, dict[str, str]] = {
    "error.generic": {
        "en": ":warning: Sorry, something went wrong on our side and nothing was changed. "
        "Please try again in a moment.",
        "zh-CN": ":warning: 抱歉，系统暂时无法处理您的请求，本次操作未生效，请稍后重试。",
    },
    # A form whose save could not finish in the time Slack waits for the answer (storage.deadline).
    "error.busy": {
        "en": ":hourglass: pmpulse is busy right now, so nothing from this form was "
        "saved. Please submit it again.",
        "zh-CN": ":hourglass: pmpulse 当前繁忙，本次填写的内容未保存，请您再次提交。",
    },
    "error.required": {"en": "Please fill this in.", "zh-CN": "此项必填。"},
    "error.too_long": {
        "en": "Please keep this under {max} characters.",
        "zh-CN": "请不要超过 {max} 个字符。",
    },
    "error.not_a_number": {
        "en": "Please enter a number, e.g. 12.5",
        "zh-CN": "请输入数字，例如 12.5",
    },
    "error.number_too_large": {
        "en": "Please use at most {digits} digits before the decimal point, or a larger unit (millions, billions).",
        "zh-CN": "整数部分最多 {digits} 位，请检查数值或改用更大的单位（如万元、亿元）。",
    },
    "error.too_many_decimals": {
        "en": "Please use at most {places} decimal places.",
        "zh-CN": "最多保留 {places} 位小数。",
    },
    "error.bad_date": {"en": "Please pick a valid date.", "zh-CN": "请选择有效的日期。"},
    "error.due_date_past": {
        "en": "The due date must be in the future.",
        "zh-CN": "截止日期必须晚于今天。",
    },
    "error.target_equals_baseline": {
        "en": "The target must differ from the baseline.",
        "zh-CN": "目标值不能与基线值相同。",
    },
    "error.target_below_baseline": {
        "en": "Higher is better, so the target must be above the baseline.",
        "zh-CN": "该指标越高越好，目标值应高于基线值。",
    },
    "error.target_above_baseline": {
        "en": "Lower is better, so the target must be below the baseline.",
        "zh-CN": "该指标越低越好，目标值应低于基线值。",
    },
    "common.not_on_roster": {
        "en": ":wave: You're not on the pmpulse roster yet, so there is nothing to show you. "
        "Ask your manager or a pmpulse admin to add you with "
        "`/pm team add @you pm [PRODUCT]`.",
        "zh-CN": ":wave: 你还不在 pmpulse 的团队名单中，暂时没有可显示的内容。"
        "请让你的主管或 pmpulse 管理员执行 `/pm team add @你 pm [产品线]` 把你加入。",
    },
    "common.not_available_yet": {
        "en": ":construction: `/pm {command}` is not available yet. "
        "It is on its way; `/pm help` shows what works today.",
        "zh-CN": ":construction: `/pm {command}` 暂未开放，正在开发中。输入 `/pm help` 查看目前可用的命令。",
    },
    "common.usage": {"en": "Usage: {usage}", "zh-CN": "用法：{usage}"},
    "common.list_separator": {"en": ", ", "zh-CN": "、"},
    "role.pm": {"en": "PM", "zh-CN": "产品经理"},
    "role.manager": {"en": "Manager", "zh-CN": "主管"},
    "role.admin": {"en": "Admin", "zh-CN": "管理员"},
    # Marks a line shortened in place; Chinese writes its ellipsis as two of these.
    "text.ellipsis": {"en": "…", "zh-CN": "……"},
    "text.truncated": {
        "en": "… (shortened; the full text is kept in pmpulse)",
        "zh-CN": "……（内容已截断，完整内容保存在 pmpulse 中）",
    },
}
