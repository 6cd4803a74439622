"""Channels pmpulse posts to: what is said when one named in a setting cannot be used."""

MESSAGES: dict[str, dict[str, str]] = {
    "channels.error.bad_text": {
        "en": "{text} is not a channel: give #name, name, a channel ID like C0123ABCD, or a link to the channel.",
        "zh-CN": "“{text}”不是频道：请填写 #频道名、频道名、频道 ID（如 C0123ABCD）或频道链接。",
    },
    "channels.error.not_found_name": {
        "en": "pmpulse cannot find #{name}: check the name. If it is a private channel, "
        "invite pmpulse with /invite @pmpulse in #{name}, then run this again.",
        "zh-CN": "pmpulse 找不到 #{name}：请核对频道名。如为私有频道，请在 #{name} 中发送 "
        "/invite @pmpulse 邀请 pmpulse 加入，然后重新操作。",
    },
    "channels.error.not_found_id": {
        "en": "pmpulse cannot find channel {channel}: check the ID. If it is a private channel, "
        "invite pmpulse with /invite @pmpulse in that channel, then run this again.",
        "zh-CN": "pmpulse 找不到频道 {channel}：请核对频道 ID。如为私有频道，请在该频道中发送 "
        "/invite @pmpulse 邀请 pmpulse 加入，然后重新操作。",
    },
    "channels.error.private_not_member": {
        "en": "#{name} is a private channel pmpulse is not in: "
        "invite pmpulse with /invite @pmpulse in #{name}, then run this again.",
        "zh-CN": "#{name} 是私有频道，pmpulse 尚未加入：请在 #{name} 中发送 /invite @pmpulse 邀请 pmpulse 加入，然后重新操作。",
    },
    "channels.error.archived": {
        "en": "#{name} is archived, so pmpulse cannot post there: choose another channel.",
        "zh-CN": "#{name} 已归档，pmpulse 无法在其中发消息：请选择其他频道。",
    },
    "channels.error.not_member": {
        "en": "pmpulse is not in #{name}, so it cannot post there: "
        "set the channel again and pmpulse joins it.",
        "zh-CN": "pmpulse 不在 #{name} 中，无法在其中发消息：请重新设置该频道，pmpulse 会自动加入。",
    },
    "channels.error.missing_scope": {
        "en": "pmpulse lacks the Slack permission {scope}: add it to the app (manifest.yml), "
        "reinstall the app, then run this again.",
        "zh-CN": "pmpulse 缺少 Slack 权限 {scope}：请在应用配置（manifest.yml）中添加该权限并重新安装应用，然后重新操作。",
    },
}
