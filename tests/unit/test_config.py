"""Settings: bad configuration stops start-up with one line naming the variable."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.config import METRICS_DIR, ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    # `pmpulse run --http` names its metrics directory in the environment before it checks the
    # tokens; set here (empty reads as unset), it is taken away again after each test rather than
    # switching this test process's /metrics to that directory for the tests that follow.
    monkeypatch.setenv(METRICS_DIR, "")


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == "sqlite:///pmpulse.db"
    assert settings.SLACK_API_URL == "https://slack.com/api/"
    assert (settings.PMPULSE_DEFAULT_TIMEZONE, settings.PMPULSE_DEFAULT_LOCALE, settings.PORT) == (
        "UTC",
        "en",
        3000,
    )
    assert settings.PMPULSE_ADMINS == ()
    assert settings.PMPULSE_TICK_SECONDS is None  # the tick runs on each wall-clock minute


def test_admins_are_split_on_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMPULSE_ADMINS", "U01ABC, U02DEF W03GHI")
    assert load_settings().PMPULSE_ADMINS == ("U01ABC", "U02DEF", "W03GHI")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT: Input should be a valid integer"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
        ("PMPULSE_TICK_SECONDS", "0", "PMPULSE_TICK_SECONDS: Input should be greater than or equal to 1"),
        ("PMPULSE_TICK_SECONDS", "3600", "PMPULSE_TICK_SECONDS: Input should be less than or equal to 60"),
        ("PMPULSE_DEFAULT_TIMEZONE", "Mars/Olympus", "PMPULSE_DEFAULT_TIMEZONE: unknown IANA timezone"),
        ("PMPULSE_DEFAULT_LOCALE", "fr", "PMPULSE_DEFAULT_LOCALE: Input should be 'en' or 'zh-CN'"),
        ("PMPULSE_ADMINS", "alice", "PMPULSE_ADMINS: 'alice' is not a Slack user ID"),
        ("SLACK_BOT_TOKEN", "xoxp-user", "SLACK_BOT_TOKEN: a bot token starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1", "SLACK_APP_TOKEN: an app-level token starts with xapp-"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL: must be an http(s) URL"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL: only sqlite and postgresql are supported"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: not a SQLAlchemy database URL"),
        ("SLACK_CLIENT_ID", "123.456", "SLACK_CLIENT_SECRET: required when the other OAuth setting is set"),
    ],
)
def test_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_running_without_tokens_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert main(["run", "--http"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pmpulse: configuration error: SLACK_BOT_TOKEN: required")
    # Every missing setting is named, one line each.
    assert err.splitlines()[1:] == [
        "pmpulse: configuration error: SLACK_SIGNING_SECRET: required in HTTP mode"
    ]

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert main(["run", "--http"]) == 2
    assert "SLACK_SIGNING_SECRET: required in HTTP mode" in capsys.readouterr().err


def test_cli_exit_code_2_on_malformed_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "abc")
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pmpulse: configuration error: PORT: "
        "Input should be a valid integer, unable to parse string as an integer"
    )
