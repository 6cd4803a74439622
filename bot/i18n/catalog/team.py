"""The roster: `/pm team`, `/pm team add`, `/pm team remove`."""

MESSAGES: dict[str, dict[str, str]] = {
    "team.title": {"en": "Team roster", "zh-CN": "团队名单"},
    "team.summary": {
        "en": "{count} active {count:plural=member|members}",
        "zh-CN": "共 {count} 名在岗成员",
    },
    "team.group.admin": {"en": "Admins", "zh-CN": "管理员"},
    "team.group.manager": {"en": "Managers", "zh-CN": "主管"},
    "team.group.pm": {"en": "Product managers", "zh-CN": "产品经理"},
    "team.member_line": {"en": "{user} · {products}", "zh-CN": "{user} · {products}"},
    "team.reports_to": {"en": "reports to {manager}", "zh-CN": "汇报给 {manager}"},
    "team.deactivated": {
        "en": "deactivated in Slack: no prompts, history kept",
        "zh-CN": "Slack 账号已停用：不再发送周报提醒，历史记录仍会保留",
    },
    "team.no_products": {"en": "no product line yet", "zh-CN": "暂无负责的产品线"},
    "team.empty": {
        "en": "Nobody is on the roster yet. Add people with `/pm team add @user pm [PRODUCT]`.",
        "zh-CN": "团队名单还是空的。使用 `/pm team add @成员 pm [产品线]` 添加成员。",
    },
    "team.more": {
        "en": "…and {count} more. `pmpulse team list` prints the whole roster.",
        "zh-CN": "……另有 {count} 人。使用 `pmpulse team list` 查看完整名单。",
    },
    "team.added": {
        "en": ":white_check_mark: {user} is on the roster as {role}{product}.",
        "zh-CN": ":white_check_mark: 已将 {user} 以{role}身份加入团队名单{product}。",
    },
    "team.changed": {
        "en": ":white_check_mark: {user} updated: {changes}.",
        "zh-CN": ":white_check_mark: 已更新 {user} 的信息（{changes}）。",
    },
    "team.unchanged": {
        "en": "{user} is already on the roster as {role}{product}; nothing changed.",
        "zh-CN": "{user} 已以{role}身份在团队名单中{product}，未作任何更改。",
    },
    "team.change.role": {"en": "role {old} → {new}", "zh-CN": "身份：{old} → {new}"},
    "team.change.manager": {"en": "manager {old} → {new}", "zh-CN": "直属主管：{old} → {new}"},
    "team.change.product_lines": {
        "en": "product lines {old} → {new}",
        "zh-CN": "产品线：{old} → {new}",
    },
    "team.change.none": {"en": "none", "zh-CN": "无"},
    "team.change.joiner": {"en": "; ", "zh-CN": "；"},
    "team.product_suffix": {"en": " for {product}", "zh-CN": "，负责 {product}"},
    "team.removed": {
        "en": ":wave: {user} is off the roster. Their history is kept.",
        "zh-CN": ":wave: 已将 {user} 移出团队名单，其历史记录仍会保留。",
    },
    "team.usage_add": {
        "en": "`/pm team add @user pm|manager [PRODUCT]`",
        "zh-CN": "`/pm team add @成员 pm|manager [产品线]`",
    },
    "team.usage_remove": {"en": "`/pm team remove @user`", "zh-CN": "`/pm team remove @成员`"},
    "team.error.not_allowed": {
        "en": ":lock: Only managers and admins can change the roster.",
        "zh-CN": ":lock: 只有主管和管理员可以修改团队名单。",
    },
    "team.error.only_admin_makes_admin": {
        "en": ":lock: Only an admin can make someone an admin.",
        "zh-CN": ":lock: 只有管理员可以任命新的管理员。",
    },
    "team.error.only_admin_changes_managers": {
        "en": ":lock: Only an admin can change or remove a manager or an admin.",
        "zh-CN": ":lock: 只有管理员可以变更或移除主管和管理员。",
    },
    "team.error.not_your_report": {
        "en": ":lock: {user} is another manager's report; only their manager or an admin can change that.",
        "zh-CN": ":lock: {user} 是其他主管的直接下属，只有其直属主管或管理员可以变更。",
    },
    "team.error.configured_admin": {
        "en": ":lock: {user} is an admin through the PMPULSE_ADMINS setting; change that setting to change "
        "their role.",
        "zh-CN": ":lock: {user} 是通过 PMPULSE_ADMINS 配置的管理员，如需变更其身份，请修改该配置。",
    },
    "team.error.user_not_found": {
        "en": "I can't find {user} in this Slack workspace.",
        "zh-CN": "在当前 Slack 工作区中找不到 {user}。",
    },
    "team.error.is_bot": {
        "en": "{user} is a bot; only people can be on the roster.",
        "zh-CN": "{user} 是机器人，只有真人可以加入团队名单。",
    },
    "team.error.manager_not_on_roster": {
        "en": "{user} must be on the roster as a manager or admin to have reports.",
        "zh-CN": "{user} 需要以主管或管理员身份在团队名单中，才能设置下属。",
    },
    "team.error.not_on_roster": {
        "en": "{user} is not on the roster.",
        "zh-CN": "{user} 不在团队名单中。",
    },
    "team.error.product_line_too_long": {
        "en": "A product line name can be at most {max} characters; please use a shorter name.",
        "zh-CN": "产品线名称最多 {max} 个字符，请使用更短的名称。",
    },
    "team.error.cannot_remove_self": {
        "en": "You can't take yourself off the roster; ask another manager or admin.",
        "zh-CN": "不能将自己移出团队名单，请联系其他主管或管理员。",
    },
}
