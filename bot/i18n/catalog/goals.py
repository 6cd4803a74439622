"""Goals: the new-goal modal and `/pm goals`."""

MESSAGES: dict[str, dict[str, str]] = {
    "goal.modal.title": {"en": "New goal", "zh-CN": "新建目标"},
    "goal.modal.submit": {"en": "Save goal", "zh-CN": "保存目标"},
    "goal.modal.close": {"en": "Cancel", "zh-CN": "取消"},
    "goal.modal.intro": {
        "en": "A good goal is specific and measurable: a metric, where it stands today, "
        "where it should be, and by when.",
        "zh-CN": "好的目标要具体、可衡量：明确指标、当前基线、目标值和完成时间。",
    },
    "goal.field.owner": {"en": "Whose goal", "zh-CN": "目标负责人"},
    "goal.field.title": {"en": "Goal", "zh-CN": "目标"},
    "goal.field.title_placeholder": {
        "en": "e.g. Grow active credit-card users",
        "zh-CN": "例如：提升信用卡活跃用户数",
    },
    "goal.field.product_line": {"en": "Product line", "zh-CN": "产品线"},
    "goal.field.product_line_placeholder": {"en": "e.g. Credit cards", "zh-CN": "例如：信用卡"},
    "goal.field.metric": {"en": "Metric", "zh-CN": "衡量指标"},
    "goal.field.metric_placeholder": {
        "en": "e.g. Monthly active cardholders",
        "zh-CN": "例如：月活跃持卡人数",
    },
    "goal.field.unit": {"en": "Unit", "zh-CN": "单位"},
    "goal.field.unit_placeholder": {"en": "e.g. %, users, CNY m", "zh-CN": "例如：%、户、百万元"},
    "goal.field.baseline": {"en": "Baseline (today)", "zh-CN": "基线值（当前）"},
    "goal.field.target": {"en": "Target", "zh-CN": "目标值"},
    "goal.field.due_date": {"en": "Due date", "zh-CN": "截止日期"},
    "goal.field.direction": {"en": "Which way is better", "zh-CN": "指标方向"},
    "goal.direction.up": {"en": "Higher is better", "zh-CN": "越高越好"},
    "goal.direction.down": {"en": "Lower is better", "zh-CN": "越低越好"},
    "goal.saved": {
        "en": ":dart: Goal saved for {owner}: *{title}*: {metric} from {baseline} to {target} by {due}.",
        "zh-CN": ":dart: 已为 {owner} 保存目标：*{title}*：{metric} 从 {baseline} 提升至 {target}，截止 {due}。",
    },
    "goal.saved_down": {
        "en": ":dart: Goal saved for {owner}: *{title}*: {metric} from {baseline} down to {target} by {due}.",
        "zh-CN": ":dart: 已为 {owner} 保存目标：*{title}*：{metric} 从 {baseline} 降至 {target}，截止 {due}。",
    },
    "goal.list.title": {"en": "Open goals of {name}", "zh-CN": "{name} 的进行中目标"},
    "goal.list.empty": {
        "en": "No open goals. Set one with `/pm goal add`.",
        "zh-CN": "暂无进行中的目标。使用 `/pm goal add` 设定新目标。",
    },
    "goal.list.line": {
        "en": "*{title}*{product}\n{metric}: {baseline} → {target} {unit} by {due} · on a straight line it "
        "should be about {expected} today",
        "zh-CN": "*{title}*{product}\n{metric}：{baseline} → {target} {unit}，截止 {due} · 按线性进度今天应约为 {expected}",
    },
    "goal.usage": {
        "en": "`/pm goal add` or `/pm goals [@user]`",
        "zh-CN": "`/pm goal add` 或 `/pm goals [@成员]`",
    },
    "goal.error.not_your_report": {
        "en": "You can set goals for yourself and for people who report to you.",
        "zh-CN": "你只能为自己和直接下属设定目标。",
    },
    "goal.error.owner_not_on_roster": {
        "en": "This person is not on the pmpulse roster yet.",
        "zh-CN": "此人还不在 pmpulse 团队名单中。",
    },
    "goal.error.not_in_view": {
        "en": ":lock: You can see your own goals and your direct reports'; admins can see everyone's.",
        "zh-CN": ":lock: 您可以查看自己和直接下属的目标；管理员可以查看所有成员的目标。",
    },
}
