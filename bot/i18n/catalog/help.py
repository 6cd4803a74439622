"""`/pm help`: one line per subcommand."""

MESSAGES: dict[str, dict[str, str]] = {
    "help.title": {"en": "pmpulse commands", "zh-CN": "pmpulse 命令"},
    "help.modal.title": {"en": "pmpulse commands", "zh-CN": "pmpulse 命令"},
    "help.modal.close": {"en": "Close", "zh-CN": "关闭"},
    "help.intro": {
        "en": "Type `/pm` followed by one of these:",
        "zh-CN": "输入 `/pm` 加以下任一子命令：",
    },
    "help.unknown": {
        "en": "I don't know `/pm {sub}`. Here is what I can do:",
        "zh-CN": "无法识别 `/pm {sub}`。以下是可用的命令：",
    },
    "help.managers_note": {
        "en": "Commands marked :lock: are for managers and admins.",
        "zh-CN": "标有 :lock: 的命令仅限主管和管理员使用。",
    },
    "help.dm_reply": {
        "en": "Hi! I don't read messages sent here. Type `/pm help` to see what I can do.",
        "zh-CN": "您好！我不会读取发到这里的消息。输入 `/pm help` 查看可用的命令。",
    },
    "help.cmd.help": {"en": "this list", "zh-CN": "显示本帮助"},
    "help.cmd.status": {"en": "write my status update for this week", "zh-CN": "填写本周工作周报"},
    "help.cmd.status_team": {
        "en": "who submitted, who is missing, health per PM",
        "zh-CN": "查看团队周报提交情况与各产品经理的健康度",
    },
    "help.cmd.leave": {
        "en": "record leave: no status prompts, not counted missing (`/pm leave` lists it)",
        "zh-CN": "登记休假：期间不发周报提醒，也不计为未提交（`/pm leave` 查看已登记的休假）",
    },
    "help.cmd.agenda": {"en": "this week's meeting agenda", "zh-CN": "本周例会议程"},
    "help.cmd.agenda_add": {"en": "add a topic to the agenda", "zh-CN": "向议程添加议题"},
    "help.cmd.agenda_post": {
        "en": "post the agenda to the meeting channel now",
        "zh-CN": "立即将议程发布到例会频道",
    },
    "help.cmd.action_add": {"en": "record an action item", "zh-CN": "记录一项待办事项"},
    "help.cmd.actions": {"en": "open action items", "zh-CN": "查看未完成的待办事项"},
    "help.cmd.one_on_one": {
        "en": "the 1:1 page for you and that person",
        "zh-CN": "打开与此人的一对一面谈页面",
    },
    "help.cmd.feedback": {"en": "log customer feedback", "zh-CN": "记录客户反馈"},
    "help.cmd.risk": {
        "en": "the risk register; add or close a risk",
        "zh-CN": "风险登记册；新增或关闭风险",
    },
    "help.cmd.goal_add": {"en": "set a new goal (opens a form)", "zh-CN": "设定新目标（打开表单）"},
    "help.cmd.goals": {"en": "open goals, mine or someone's", "zh-CN": "查看我或他人的进行中目标"},
    "help.cmd.team": {"en": "the team roster", "zh-CN": "查看团队名单"},
    "help.cmd.team_add": {
        "en": "add someone to the roster",
        "zh-CN": "将成员加入团队名单",
    },
    "help.cmd.team_remove": {
        "en": "take someone off the roster (history is kept)",
        "zh-CN": "将成员移出团队名单（保留历史记录）",
    },
    "help.cmd.settings": {
        "en": "team settings: time zone, language, channels, schedules, 1:1 cadence",
        "zh-CN": "团队设置：时区、语言、频道、时间安排、一对一沟通周期",
    },
    "help.cmd.digest_now": {"en": "post the weekly digest now", "zh-CN": "立即发布周报汇总"},
    "help.cmd.review": {
        "en": "quarterly evidence pack for a PM",
        "zh-CN": "生成产品经理的季度考核材料",
    },
    "help.cmd.export": {
        "en": "a CSV export, sent to your DM",
        "zh-CN": "导出 CSV 文件并私信发送给你",
    },
}
