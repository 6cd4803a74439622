"""Tokens, secrets, the encryption key and a database password never show when settings are printed."""

from __future__ import annotations

import logging

import pytest

from bot.config import Settings, load_settings

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-bot-token-do-not-print",
    "SLACK_SIGNING_SECRET": "signing-secret-do-not-print",
    "SLACK_APP_TOKEN": "xapp-1-app-token-do-not-print",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": "client-secret-do-not-print",
    "PMPULSE_ENCRYPTION_KEY": "encryption-key-do-not-print",
    "DATABASE_URL": "postgresql://pmpulse:db-password-do-not-print@db.bank.example:5432/pmpulse",
}
HIDDEN = [value for name, value in SECRETS.items() if name != "SLACK_CLIENT_ID"] + [
    "db-password-do-not-print"
]


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return load_settings()


def test_repr_str_and_json_dumps_hide_every_secret(settings: Settings) -> None:
    for shown in (repr(settings), str(settings), settings.model_dump_json(), str(settings.model_dump())):
        leaked = [secret for secret in HIDDEN if secret in shown]
        assert leaked == [], shown


def test_logging_the_settings_hides_every_secret(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("pmpulse.test").info("starting with %s / %r", settings, settings)
    assert [secret for secret in HIDDEN if secret in caplog.text] == []


def test_the_values_are_still_there_for_the_libraries(settings: Settings) -> None:
    assert settings.SLACK_BOT_TOKEN is not None
    assert settings.SLACK_BOT_TOKEN.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]
    assert settings.database_url == SECRETS["DATABASE_URL"]
    assert settings.safe_database_url == "postgresql://pmpulse:***@db.bank.example:5432/pmpulse"
    assert settings.oauth_enabled and settings.socket_mode


def test_token_checks_still_apply_to_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-user-token-secret")
    with pytest.raises(Exception, match="SLACK_BOT_TOKEN: a bot token starts with xoxb-") as raised:
        load_settings()
    assert "xoxp-user-token-secret" not in str(raised.value)
