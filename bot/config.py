"""Settings read from the environment (docs/architecture.md#configuration; the README lists them).

A missing or malformed setting stops start-up with one line per variable, naming each; `load_settings`
turns pydantic's errors into those lines. An empty variable (`SLACK_APP_TOKEN=`) counts as unset.

Tokens, secrets, the encryption key and the database URL (it may carry a password) are held as
`SecretStr`: repr, str, JSON dumps and logs show `**********`. Their values are read with
`.get_secret_value()` only where they are handed to slack_sdk, Bolt or the database engine.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# prometheus_client's own variable: the directory where the HTTP workers' counts meet (bot/cli.py).
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"

Locale = Literal["en", "zh-CN"]


def secret_value(secret: SecretStr | None) -> str | None:
    """The plain value of an optional secret, for the one call that hands it to a library."""
    return secret.get_secret_value() if secret is not None else None


class ConfigError(Exception):
    """Settings are missing or malformed; the message is one line per setting, for the operator."""


class Settings(BaseSettings):
    """The environment variables pmpulse reads (README, "Configuration"), validated."""

    # An empty variable is unset: `SLACK_APP_TOKEN=` in an env file must not switch on Socket Mode.
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=True, extra="ignore", env_ignore_empty=True
    )

    SLACK_BOT_TOKEN: SecretStr | None = None
    SLACK_SIGNING_SECRET: SecretStr | None = None
    SLACK_APP_TOKEN: SecretStr | None = None
    SLACK_CLIENT_ID: str | None = None
    SLACK_CLIENT_SECRET: SecretStr | None = None
    SLACK_API_URL: str = "https://slack.com/api/"
    DATABASE_URL: SecretStr = SecretStr("sqlite:///pmpulse.db")
    PMPULSE_ENCRYPTION_KEY: SecretStr | None = None
    PMPULSE_ADMINS: Annotated[tuple[str, ...], NoDecode] = ()
    PMPULSE_DEFAULT_TIMEZONE: str = "UTC"
    PMPULSE_DEFAULT_LOCALE: Locale = "en"
    PORT: int = Field(default=3000, ge=1, le=65535)
    # Unset in production: the tick runs on each wall-clock minute. Tests and failover drills set
    # a few seconds so a standby's ticks show without waiting for the next minute.
    PMPULSE_TICK_SECONDS: int | None = Field(default=None, ge=1, le=60)

    @field_validator("PMPULSE_ADMINS", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part for part in value.replace(",", " ").split() if part)
        return value

    @field_validator("PMPULSE_ADMINS")
    @classmethod
    def _admin_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for user_id in value:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                raise ValueError(f"{user_id!r} is not a Slack user ID (U… or W…)")
        return value

    @field_validator("PMPULSE_DEFAULT_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @field_validator("SLACK_API_URL")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: SecretStr) -> SecretStr:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value.get_secret_value())
        except ArgumentError as exc:
            raise ValueError("not a SQLAlchemy database URL") from exc
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only sqlite and postgresql are supported")
        return value

    @field_validator("SLACK_BOT_TOKEN")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-")
        return value

    @field_validator("SLACK_APP_TOKEN")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        return value

    @model_validator(mode="after")
    def _oauth_pair(self) -> Settings:
        if bool(self.SLACK_CLIENT_ID) != bool(self.SLACK_CLIENT_SECRET):
            missing = "SLACK_CLIENT_SECRET" if self.SLACK_CLIENT_ID else "SLACK_CLIENT_ID"
            raise ConfigError(f"{missing}: required when the other OAuth setting is set")
        return self

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.SLACK_CLIENT_ID and self.SLACK_CLIENT_SECRET)

    @property
    def database_url(self) -> str:
        """The database URL itself, for the engine only: never print or log it."""
        return self.DATABASE_URL.get_secret_value()

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def socket_mode(self) -> bool:
        return self.SLACK_APP_TOKEN is not None

    def require_slack(self, *, http: bool) -> None:
        """Check the settings a running bot needs; raise ConfigError naming every gap, one per line."""
        gaps = []
        if not self.oauth_enabled and not self.SLACK_BOT_TOKEN:
            gaps.append(
                "SLACK_BOT_TOKEN: required (the bot token, xoxb-…), "
                "unless SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set"
            )
        if http and not self.SLACK_SIGNING_SECRET:
            gaps.append("SLACK_SIGNING_SECRET: required in HTTP mode")
        if not http and not self.SLACK_APP_TOKEN:
            gaps.append("SLACK_APP_TOKEN: required in Socket Mode (xapp-…)")
        if gaps:
            raise ConfigError("\n".join(gaps))


def load_settings() -> Settings:
    """Read the environment; raise ConfigError with one line for each bad variable, naming it."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "settings"
            lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigError("\n".join(dict.fromkeys(lines))) from None
    except ConfigError:
        raise
