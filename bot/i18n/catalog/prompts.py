"""The weekly prompt and reminder DMs, and a manager's list of reports still missing."""

MESSAGES: dict[str, dict[str, str]] = {
    "prompt.text": {
        "en": "Time for your weekly update for {week}",
        "zh-CN": "该写 {week}的周报了",
    },
    "prompt.greeting": {
        "en": ":wave: Hi {name}, it's time for your weekly update for {week}. "
        "It takes a couple of minutes: progress, plans, blockers, health and your KPIs.",
        "zh-CN": ":wave: {name}，你好！该提交 {week}的周报了。"
        "只需几分钟：本周进展、下周计划、遇到的阻碍、项目健康度和 KPI 数值。",
    },
    "prompt.hint": {
        "en": "Away this week? *Skip this week* and you won't be reminded. "
        "Whenever you answer, it counts for {week}.",
        "zh-CN": "本周休假或不在岗？点击 *跳过本周*，之后不会再提醒你。无论何时提交，都会计入 {week}。",
    },
    "prompt.button.write": {"en": "Write my update", "zh-CN": "填写周报"},
    "prompt.button.skip": {"en": "Skip this week", "zh-CN": "跳过本周"},
    "prompt.reminder_text": {
        "en": "Reminder: your weekly update for {week} is still open",
        "zh-CN": "提醒：你的 {week}周报还未提交",
    },
    "prompt.reminder": {
        "en": ":alarm_clock: {name}, a gentle reminder: your update for {week} is still open. "
        "It only takes a couple of minutes.",
        "zh-CN": ":alarm_clock: {name}，温馨提醒：你的 {week}周报还未提交，只需几分钟即可完成。",
    },
    "prompt.missing.intro": {
        "en": ":hourglass: {count} of your reports {count:plural=has|have} not sent "
        "their update for {week} "
        "(neither submitted nor skipped, and not on leave):",
        "zh-CN": ":hourglass: 你的下属中有 {count} 人尚未提交 {week}的周报（未提交、未跳过，也不在休假中）：",
    },
    "prompt.missing.hint": {
        "en": "They have had the prompt and a reminder. `/pm status team {week}` shows the whole team.",
        "zh-CN": "他们已收到周报提醒和催办。使用 `/pm status team {week}` 查看全组情况。",
    },
}
