"""Team settings: the `/pm settings` modal and its confirmation."""

MESSAGES: dict[str, dict[str, str]] = {
    "settings.modal.title": {"en": "Team settings", "zh-CN": "团队设置"},
    "settings.modal.submit": {"en": "Save", "zh-CN": "保存"},
    "settings.modal.close": {"en": "Cancel", "zh-CN": "取消"},
    "settings.modal.intro": {
        "en": "These settings apply to the whole team. Days and times are in the team's time zone.",
        "zh-CN": "以下设置对整个团队生效。日期和时间均按团队时区计算。",
    },
    "settings.field.timezone": {"en": "Team time zone", "zh-CN": "团队时区"},
    "settings.field.timezone_placeholder": {
        "en": "Type a city, e.g. Shanghai",
        "zh-CN": "输入城市，例如 Shanghai",
    },
    "settings.field.locale": {"en": "Team language", "zh-CN": "团队语言"},
    "settings.field.digest_channel": {"en": "Digest channel", "zh-CN": "周报汇总频道"},
    "settings.field.risk_channel": {"en": "Risk alert channel", "zh-CN": "风险预警频道"},
    "settings.field.meeting_channel": {"en": "Weekly meeting channel", "zh-CN": "周例会频道"},
    "settings.field.channel_placeholder": {"en": "Pick a channel", "zh-CN": "选择频道"},
    "settings.field.prompt_day": {"en": "Update prompt day", "zh-CN": "周报提醒日"},
    "settings.field.prompt_time": {"en": "Update prompt time", "zh-CN": "周报提醒时间"},
    "settings.field.reminder_day": {"en": "Reminder day", "zh-CN": "周报催交日"},
    "settings.field.reminder_time": {"en": "Reminder time", "zh-CN": "周报催交时间"},
    "settings.field.digest_day": {"en": "Digest day", "zh-CN": "周报汇总日"},
    "settings.field.digest_time": {"en": "Digest time", "zh-CN": "周报汇总时间"},
    "settings.field.meeting_day": {"en": "Weekly meeting day", "zh-CN": "周例会日"},
    "settings.field.meeting_time": {"en": "Weekly meeting time", "zh-CN": "周例会时间"},
    "settings.field.one_on_one_cadence_days": {
        "en": "1:1 every (days)",
        "zh-CN": "一对一沟通间隔天数",
    },
    "settings.field.clear_channels": {"en": "Remove a channel", "zh-CN": "移除频道"},
    "settings.field.clear_channels_hint": {
        "en": "Ticked channels are unset; pmpulse then posts nothing there.",
        "zh-CN": "勾选的频道将被取消设置，pmpulse 不再向其发送消息。",
    },
    "settings.locale.en": {"en": "English", "zh-CN": "英文"},
    "settings.locale.zh_cn": {"en": "Simplified Chinese", "zh-CN": "简体中文"},
    "settings.day.mon": {"en": "Monday", "zh-CN": "周一"},
    "settings.day.tue": {"en": "Tuesday", "zh-CN": "周二"},
    "settings.day.wed": {"en": "Wednesday", "zh-CN": "周三"},
    "settings.day.thu": {"en": "Thursday", "zh-CN": "周四"},
    "settings.day.fri": {"en": "Friday", "zh-CN": "周五"},
    "settings.day.sat": {"en": "Saturday", "zh-CN": "周六"},
    "settings.day.sun": {"en": "Sunday", "zh-CN": "周日"},
    "settings.value.none": {"en": "none", "zh-CN": "未设置"},
    "settings.zone.beijing": {"en": "Beijing time", "zh-CN": "北京时间"},
    "settings.saved": {
        "en": ":white_check_mark: Team settings saved:\n{changes}",
        "zh-CN": ":white_check_mark: 团队设置已保存：\n{changes}",
    },
    "settings.saved.line": {"en": "• {setting} {old} → {new}", "zh-CN": "• {setting} {old} → {new}"},
    "settings.saved.nothing": {
        "en": "Team settings: nothing changed, every value was already as submitted.",
        "zh-CN": "团队设置：没有变更，各项设置与提交的内容一致。",
    },
    "settings.usage": {"en": "`/pm settings`", "zh-CN": "`/pm settings`"},
    "settings.error.not_allowed": {
        "en": ":lock: Only managers and admins can change the team settings.",
        "zh-CN": ":lock: 只有主管和管理员可以修改团队设置。",
    },
    "settings.error.no_settings": {
        "en": "This workspace has no team settings yet.",
        "zh-CN": "该工作区尚未完成团队设置。",
    },
    "settings.error.changed_meanwhile": {
        "en": "Someone else changed this to {current} after you opened the form, so nothing was saved. "
        "Reopen /pm settings to start from the latest values.",
        "zh-CN": "在您打开此表单后，其他人已将此项改为 {current}，因此本次未保存任何设置。"
        "请重新执行 /pm settings，在最新设置的基础上修改。",
    },
    "settings.error.stale_form": {
        "en": "This form is out of date. Close it and run /pm settings again.",
        "zh-CN": "此表单已过期。请关闭后重新执行 /pm settings。",
    },
    "settings.error.timezone": {
        "en": "Pick a time zone from the list.",
        "zh-CN": "请从列表中选择时区。",
    },
    "settings.error.locale": {"en": "Pick English or Simplified Chinese.", "zh-CN": "请选择英文或简体中文。"},
    "settings.error.channel": {"en": "Pick a channel from the list.", "zh-CN": "请从列表中选择频道。"},
    "settings.error.day": {"en": "Pick a day of the week.", "zh-CN": "请选择星期几。"},
    "settings.error.time": {"en": "Pick a time, e.g. 16:00.", "zh-CN": "请选择时间，例如 16:00。"},
    "settings.error.days": {
        "en": "A whole number of days from 1 to 365.",
        "zh-CN": "请输入 1 至 365 之间的整数天数。",
    },
}
