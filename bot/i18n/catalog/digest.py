"""The weekly digest posted to the digest channel, and its thread."""

MESSAGES: dict[str, dict[str, str]] = {
    "digest.text": {
        "en": "Weekly status digest for {week}: {submitted} {submitted:plural=update|updates} "
        "from {pms} {pms:plural=PM|PMs}",
        "zh-CN": "{week}周报汇总：{pms} 名产品经理中 {submitted} 人已提交",
    },
    "digest.title": {"en": "Weekly status digest · {week}", "zh-CN": "周报汇总 · {week}"},
    "digest.submitted": {
        "en": "*Submitted:* {submitted} of {expected} ({rate})",
        "zh-CN": "*已提交：* {submitted} / {expected}（{rate}）",
    },
    "digest.submitted_nobody_due": {
        "en": "*Submitted:* {submitted} (nobody owed an update this week)",
        "zh-CN": "*已提交：* {submitted}（本周无人需要提交）",
    },
    "digest.vs_last_week": {"en": "{change} pts vs last week", "zh-CN": "较上周 {change} 个百分点"},
    "digest.skipped_on_leave": {
        "en": "{skipped} skipped · {on_leave} on leave",
        "zh-CN": "{skipped} 人跳过 · {on_leave} 人休假",
    },
    "digest.missing": {
        "en": "*Still missing ({count}):* {names}",
        "zh-CN": "*尚未提交（{count} 人）：* {names}",
    },
    "digest.and_more": {"en": "and {count} more", "zh-CN": "等另外 {count} 人"},
    "digest.health.title": {"en": "*Health*", "zh-CN": "*健康度*"},
    "digest.health.green": {"en": "Green", "zh-CN": "良好"},
    "digest.health.amber": {"en": "Amber", "zh-CN": "关注"},
    "digest.health.red": {"en": "Red", "zh-CN": "告急"},
    "digest.blockers.title": {"en": "*Open blockers ({count})*", "zh-CN": "*未解决的阻碍（{count} 项）*"},
    "digest.blockers.none": {"en": "No open blockers. :tada:", "zh-CN": "没有未解决的阻碍。:tada:"},
    "digest.blocker_line": {"en": "• {name}: {text}", "zh-CN": "• {name}：{text}"},
    "digest.blocker_since": {"en": "_(open since {week})_", "zh-CN": "_（自 {week}起未解决）_"},
    "digest.kpis.title": {
        "en": "*KPIs against goals ({count} reported)*",
        "zh-CN": "*KPI 与目标对照（已填报 {count} 项）*",
    },
    "digest.kpis.none": {"en": "No KPI values reported this week.", "zh-CN": "本周没有填报 KPI 数值。"},
    "digest.kpi_line": {
        "en": "{title}: *{value}* (target {target}; on the straight line {expected})",
        "zh-CN": "{title}：*{value}*（目标 {target}；按线性进度应为 {expected}）",
    },
    "digest.kpi_behind": {
        "en": ":warning: {pct}% behind the line",
        "zh-CN": ":warning: 落后线性进度 {pct}%",
    },
    "digest.kpi_on_track": {"en": "on track", "zh-CN": "进度正常"},
    "digest.kpi_change": {"en": "{change} vs last week", "zh-CN": "较上周 {change}"},
    "digest.more_in_thread": {
        "en": "…and {count} more; each PM's full update is in the thread.",
        "zh-CN": "……另有 {count} 项，详见各产品经理在讨论串中的完整周报。",
    },
    "digest.thread_hint": {
        "en": ":thread: Each PM's full update is in the thread.",
        "zh-CN": ":thread: 每位产品经理的完整周报见讨论串。",
    },
    "digest.no_updates": {
        "en": "No updates were submitted this week.",
        "zh-CN": "本周还没有人提交周报。",
    },
    "digest.reply.text": {"en": "{name}'s update for {week}", "zh-CN": "{name} 的 {week}周报"},
    "digest.reply.part": {"en": "Part {part} of {parts}", "zh-CN": "第 {part} 部分，共 {parts} 部分"},
    "digest.reply.late": {
        "en": ":pencil2: Edited after the digest was posted.",
        "zh-CN": ":pencil2: 该周报在汇总发出后有修改。",
    },
    "digest.reply.progress": {"en": "Progress", "zh-CN": "本周进展"},
    "digest.reply.plans": {"en": "Plans", "zh-CN": "下周计划"},
    "digest.reply.blockers": {"en": "Blockers", "zh-CN": "阻碍"},
    "digest.reply.blocker_resolved": {
        "en": "• ~{text}~ :white_check_mark: resolved",
        "zh-CN": "• ~{text}~ :white_check_mark: 已解决",
    },
    "digest.reply.kpis": {"en": "KPIs", "zh-CN": "KPI"},
    "digest.reply.topic": {"en": "Topic for the weekly meeting", "zh-CN": "周会议题"},
    "digest.reply.risk": {"en": "Risk to report", "zh-CN": "需上报的风险"},
    # `/pm digest now`
    "digest.posted": {
        "en": ":white_check_mark: The digest for {week} is on its way to {channel}.",
        "zh-CN": ":white_check_mark: {week}的周报汇总正在发送到 {channel}。",
    },
    "digest.already_posted": {
        "en": "The digest for {week} has already been posted to {channel}; it goes out once a week. "
        "Updates edited since then are noted in its thread.",
        "zh-CN": "{week}的周报汇总已发送到 {channel}，每周只发一次。之后修改的周报会在其讨论串中注明。",
    },
    "digest.usage": {"en": "`/pm digest now`", "zh-CN": "`/pm digest now`"},
    "digest.error.not_allowed": {
        "en": ":lock: Only managers and admins can post the digest.",
        "zh-CN": ":lock: 只有主管和管理员可以发送周报汇总。",
    },
    "digest.error.no_channel": {
        "en": "No digest channel is set yet. An admin can set one with "
        "`pmpulse config set digest_channel pm-weekly`.",
        "zh-CN": "尚未设置周报汇总频道。管理员可以执行 "
        "`pmpulse config set digest_channel pm-weekly` 进行设置。",
    },
    "digest.error.no_settings": {
        "en": "This workspace has no team settings yet.",
        "zh-CN": "该工作区尚未完成团队设置。",
    },
}
