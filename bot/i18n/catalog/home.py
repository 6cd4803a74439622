"""The App Home tab."""

MESSAGES: dict[str, dict[str, str]] = {
    "home.title": {"en": "Your pmpulse", "zh-CN": "我的 pmpulse"},
    "home.me": {
        "en": "*{role}* · {products}",
        "zh-CN": "*{role}* · {products}",
    },
    "home.reports_to": {"en": "Reports to {manager}", "zh-CN": "汇报对象：{manager}"},
    "home.my_update": {"en": "My update for {week}", "zh-CN": "我的{week}周报"},
    "home.update.none": {
        "en": "Not written yet: press “Write my update” above.",
        "zh-CN": "尚未填写，请点击上方的“填写周报”。",
    },
    "home.update.on_leave": {
        "en": ":palm_tree: On leave this week: no update is expected.",
        "zh-CN": ":palm_tree: 本周休假，无需填写周报。",
    },
    "home.my_goals": {"en": "My goals", "zh-CN": "我的目标"},
    "home.no_goals": {
        "en": "No open goals yet.",
        "zh-CN": "暂无进行中的目标。",
    },
    "home.goal_line": {
        "en": "*{title}* · {metric}: {baseline} → {target} {unit} by {due}",
        "zh-CN": "*{title}* · {metric}：{baseline} → {target} {unit}，截止 {due}",
    },
    "home.team": {"en": "My team", "zh-CN": "我的团队"},
    "home.team_line": {
        "en": "{user} · {products} · {goals} open goals",
        "zh-CN": "{user} · {products} · {goals} 个进行中目标",
    },
    "home.team_empty": {
        "en": "Nobody reports to you yet. Add people with `/pm team add @user pm [PRODUCT]`.",
        "zh-CN": "目前还没有下属。使用 `/pm team add @成员 pm [产品线]` 添加。",
    },
    "home.team_more": {"en": "…and {count} more", "zh-CN": "……另有 {count} 人"},
    "home.add_goal": {"en": "New goal", "zh-CN": "新建目标"},
    "home.help": {"en": "All commands", "zh-CN": "全部命令"},
    "home.not_on_roster": {
        "en": "You're not on the pmpulse roster yet. Ask your manager or a pmpulse admin to add "
        "you with `/pm team add @you pm [PRODUCT]`; your dashboard will appear here.",
        "zh-CN": "你还不在 pmpulse 团队名单中。请让主管或管理员执行 `/pm team add @你 pm [产品线]`，"
        "之后你的个人看板会显示在这里。",
    },
}
