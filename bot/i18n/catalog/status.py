"""Weekly status updates: the prompt, the modal, reminders, skips, leave and the team view."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- the modal ---------------------------------------------------------------------------
    "status.modal.title": {"en": "Weekly update", "zh-CN": "每周工作周报"},
    "status.modal.submit": {"en": "Submit", "zh-CN": "提交"},
    "status.modal.close": {"en": "Cancel", "zh-CN": "取消"},
    "status.modal.intro": {
        "en": "Your update for {week}.",
        "zh-CN": "您 {week}的周报。",
    },
    "status.modal.editing": {
        "en": ":pencil2: You are editing version {revision} of this update; earlier versions are kept.",
        "zh-CN": ":pencil2: 你正在修改此周报的第 {revision} 版，之前的版本都会保留。",
    },
    "status.field.progress": {"en": "Progress this week", "zh-CN": "本周进展"},
    "status.field.progress_placeholder": {
        "en": "What moved: launches, figures, decisions",
        "zh-CN": "本周完成了什么：上线、数据、决策",
    },
    "status.field.plans": {"en": "Plans for next week", "zh-CN": "下周计划"},
    "status.field.blockers": {"en": "Blockers, one per line", "zh-CN": "阻碍事项（每行一项）"},
    "status.field.blockers_hint": {
        "en": "Leave empty if nothing blocks you. Each blocker can later be marked resolved.",
        "zh-CN": "没有阻碍可留空。每项阻碍之后都可以标记为已解决。",
    },
    "status.field.health": {"en": "Health", "zh-CN": "健康度"},
    "status.field.health_reason": {
        "en": "Reason, in one line (needed for amber or red)",
        "zh-CN": "原因（一句话；黄色或红色时必填）",
    },
    "status.field.kpi": {
        "en": "{title}: {metric}, target {target}",
        "zh-CN": "{title}：{metric}，目标 {target}",
    },
    "status.field.kpi_placeholder": {
        "en": "This week's value; leave empty if not measured",
        "zh-CN": "本周数值；未统计可留空",
    },
    "status.field.topic": {"en": "Topic for the weekly meeting", "zh-CN": "周例会议题"},
    "status.field.risk": {"en": "Risk to report", "zh-CN": "需上报的风险"},
    "status.field.long_text_hint": {
        "en": "The saved text is longer than this form can show. Leave this field as it is to keep "
        "all of it; any change replaces it.",
        "zh-CN": "已保存的内容超出表单可显示的长度。保持此项不变即可保留全文；修改则会替换原内容。",
    },
    "status.health.green": {
        "en": ":large_green_circle: Green: on track",
        "zh-CN": ":large_green_circle: 绿色：进展顺利",
    },
    "status.health.amber": {
        "en": ":large_orange_circle: Amber: at risk",
        "zh-CN": ":large_orange_circle: 黄色：存在风险",
    },
    "status.health.red": {"en": ":red_circle: Red: off track", "zh-CN": ":red_circle: 红色：严重滞后"},
    "status.error.progress_or_plans": {
        "en": "Please write your progress or your plans (or both).",
        "zh-CN": "请至少填写本周进展或下周计划之一。",
    },
    "status.error.too_many_blockers": {
        "en": "Please list at most {max} blockers, one per line.",
        "zh-CN": "阻碍事项最多 {max} 项，每行一项。",
    },
    "status.error.health_required": {
        "en": "Please choose green, amber or red.",
        "zh-CN": "请选择绿色、黄色或红色。",
    },
    "status.error.reason_required": {
        "en": "Please give a one-line reason for amber or red.",
        "zh-CN": "健康度为黄色或红色时，请用一句话说明原因。",
    },
    "status.error.week_closed": {
        "en": "Updates for {week} are closed.",
        "zh-CN": "{week} 的周报已截止。",
    },
    "status.error.bad_week": {
        "en": ":calendar: Please write the week as YEAR-Wnn, for example 2026-W48, "
        "from {first} to {last}. Usage: {usage}",
        "zh-CN": ":calendar: 请按“年份-W周数”填写周次，例如 2026-W48（2026年第48周），"
        "范围为 {first} 至 {last}。用法：{usage}",
    },
    # -- the confirmation DM -----------------------------------------------------------------
    "status.confirm.saved": {"en": "Your update for {week} is saved", "zh-CN": "你 {week}的周报已提交"},
    "status.confirm.edited": {
        "en": "Your update for {week} is saved (version {revision})",
        "zh-CN": "你 {week}的周报已更新（第 {revision} 版）",
    },
    "status.confirm.late": {
        "en": ":memo: This week's digest was already posted, so this change is marked late and noted "
        "in the digest's thread.",
        "zh-CN": ":memo: 本周汇总已发布，因此本次修改标记为迟交，并已在汇总的讨论串中注明。",
    },
    "status.confirm.edit_hint": {
        "en": "You can edit it until the week closes; earlier versions are kept.",
        "zh-CN": "周报截止前都可以修改，之前的版本都会保留。",
    },
    "status.heading.progress": {"en": "Progress", "zh-CN": "本周进展"},
    "status.heading.plans": {"en": "Plans", "zh-CN": "下周计划"},
    "status.heading.blockers": {"en": "Blockers", "zh-CN": "阻碍事项"},
    "status.heading.health": {"en": "Health", "zh-CN": "健康度"},
    "status.heading.kpis": {"en": "KPIs", "zh-CN": "关键指标"},
    "status.heading.topic": {"en": "Meeting topic", "zh-CN": "例会议题"},
    "status.heading.risk": {"en": "Risk", "zh-CN": "风险"},
    "status.confirm.none": {"en": "None", "zh-CN": "无"},
    "status.confirm.blocker_resolved": {
        "en": ":white_check_mark: ~{text}~",
        "zh-CN": ":white_check_mark: ~{text}~",
    },
    "status.confirm.blockers_more": {
        "en": "… and {count} more {count:plural=blocker|blockers}.",
        "zh-CN": "……另有 {count} 项阻碍事项。",
    },
    "status.confirm.kpi_line": {
        "en": "{title}: *{value}* (target {target})",
        "zh-CN": "{title}：*{value}*（目标 {target}）",
    },
    "status.button.edit": {"en": "Edit", "zh-CN": "修改"},
    "status.button.resolved": {"en": "Resolved", "zh-CN": "已解决"},
    "status.button.write": {"en": "Write my update", "zh-CN": "填写周报"},
    # -- skipping ----------------------------------------------------------------------------
    "status.skip.done": {
        "en": ":palm_tree: You skipped {week}: no reminder, and you are not counted missing. "
        "Changed your mind? You can still write your update.",
        "zh-CN": ":palm_tree: 你已跳过 {week}：不会再收到提醒，也不会被记为未提交。如果改变主意，仍可填写周报。",
    },
    "status.skip.already_submitted": {
        "en": "You already submitted your update for {week}; use *Edit* to change it.",
        "zh-CN": "你已提交 {week}的周报；如需修改请点击 *修改*。",
    },
    # -- the late-edit note in the digest's thread ------------------------------------------
    "status.late.note": {
        "en": ":pencil2: {user} changed their {week} update after this digest was posted "
        "(version {revision}). Health: {health}",
        "zh-CN": ":pencil2: {user} 在汇总发布后修改了 {week}的周报（第 {revision} 版）。健康度：{health}",
    },
    # -- /pm status and /pm status team -----------------------------------------------------
    "status.usage": {
        "en": "`/pm status` or `/pm status team [2026-W48]`",
        "zh-CN": "`/pm status` 或 `/pm status team [2026-W48]`",
    },
    "status.team.title": {"en": "Team status for {week}", "zh-CN": "{week}团队周报情况"},
    "status.team.summary": {
        "en": "{answered} of {total} answered · {submitted} submitted · {skipped} skipped · "
        "{on_leave} on leave · {missing} missing",
        "zh-CN": "{total} 人中 {answered} 人已回复 · 已提交 {submitted} · 已跳过 {skipped} · "
        "休假 {on_leave} · 未提交 {missing}",
    },
    "status.team.state.submitted": {
        "en": ":white_check_mark: Submitted",
        "zh-CN": ":white_check_mark: 已提交",
    },
    "status.team.state.skipped": {"en": ":fast_forward: Skipped", "zh-CN": ":fast_forward: 已跳过"},
    "status.team.state.on_leave": {"en": ":palm_tree: On leave", "zh-CN": ":palm_tree: 休假中"},
    "status.team.state.missing": {"en": ":hourglass: Missing", "zh-CN": ":hourglass: 未提交"},
    "status.team.updated": {"en": "updated {time}", "zh-CN": "更新于 {time}"},
    "status.team.blockers": {
        "en": "{count} open {count:plural=blocker|blockers}",
        "zh-CN": "{count} 项未解决阻碍",
    },
    "status.team.times": {"en": "Times are in {tz}.", "zh-CN": "时间为 {tz} 时区。"},
    "status.team.empty": {
        "en": "No PMs report to you yet. Add one with `/pm team add @user pm`.",
        "zh-CN": "目前没有向你汇报的产品经理。使用 `/pm team add @成员 pm` 添加。",
    },
    "status.team.more": {"en": "… and {count} more not shown.", "zh-CN": "……另有 {count} 人未显示。"},
    "status.team.error.not_allowed": {
        "en": ":lock: Only managers and admins can see the team's status. `/pm status` opens your own update.",
        "zh-CN": ":lock: 只有主管和管理员可以查看团队周报情况。使用 `/pm status` 填写你自己的周报。",
    },
    # -- blockers ----------------------------------------------------------------------------
    "status.blocker.error.not_found": {
        "en": "That blocker no longer exists; the update may have been edited.",
        "zh-CN": "该阻碍事项已不存在，周报可能已被修改。",
    },
    "status.blocker.resolved": {
        "en": ":white_check_mark: Marked resolved: {text}",
        "zh-CN": ":white_check_mark: 已标记为已解决：{text}",
    },
    "status.blocker.error.not_allowed": {
        "en": ":lock: Only the PM who reported a blocker, or their manager, can mark it resolved.",
        "zh-CN": ":lock: 只有提出该阻碍的产品经理或其主管可以将其标记为已解决。",
    },
    # -- /pm leave ---------------------------------------------------------------------------
    "status.leave.usage": {
        "en": "`/pm leave YYYY-MM-DD YYYY-MM-DD` (your first and last day away)",
        "zh-CN": "`/pm leave YYYY-MM-DD YYYY-MM-DD`（休假的第一天和最后一天）",
    },
    "status.leave.saved": {
        "en": ":palm_tree: Leave recorded from {start} to {end}: no status prompts, and you are not "
        "counted missing.",
        "zh-CN": ":palm_tree: 已登记 {start} 至 {end} 的休假：期间不会收到周报提醒，也不会被记为未提交。",
    },
    "status.leave.list": {"en": "Your upcoming leave:\n{lines}", "zh-CN": "你即将到来的休假：\n{lines}"},
    "status.leave.line": {"en": "• {start} to {end}", "zh-CN": "• {start} 至 {end}"},
    "status.leave.none": {
        "en": "No upcoming leave. Record some with `/pm leave YYYY-MM-DD YYYY-MM-DD`.",
        "zh-CN": "暂无即将到来的休假。使用 `/pm leave YYYY-MM-DD YYYY-MM-DD` 登记。",
    },
    "status.leave.error.end_before_start": {
        "en": "The last day must be on or after the first day.",
        "zh-CN": "结束日期不能早于开始日期。",
    },
    "status.leave.error.too_long": {
        "en": "Leave can be recorded for at most a year at a time.",
        "zh-CN": "单次最多可登记一年的休假。",
    },
    "status.leave.error.in_the_past": {
        "en": "That leave is already over; nothing to record.",
        "zh-CN": "该休假已经结束，无需登记。",
    },
}
