"""`pmpulse doctor`, `config show` and a failed start never print a token, secret, key or password."""

from __future__ import annotations

import subprocess

from bot.fakeslack import FakeSlack
from tests.support.cli import pmpulse

SECRET_ENV = {
    "SLACK_SIGNING_SECRET": "signing-secret-do-not-print",
    "SLACK_APP_TOKEN": "xapp-1-app-token-do-not-print",
    "PMPULSE_ENCRYPTION_KEY": "encryption-key-do-not-print",
}
DB_PASSWORD = "db-password-do-not-print"


def leaks(done: subprocess.CompletedProcess[str], secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in done.stdout + done.stderr]


def test_doctor_and_config_show_print_no_secrets(env: dict[str, str], fake: FakeSlack) -> None:
    env = {**env, **SECRET_ENV}
    secrets = [*SECRET_ENV.values(), env["SLACK_BOT_TOKEN"]]
    assert pmpulse(env, "db", "upgrade").returncode == 0
    for args in (("doctor",), ("config", "show"), ("team", "list")):
        done = pmpulse(env, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        assert leaks(done, secrets) == [], args


def test_an_unreachable_database_is_reported_without_its_password(env: dict[str, str]) -> None:
    env = {**env, **SECRET_ENV, "DATABASE_URL": f"postgresql://pmpulse:{DB_PASSWORD}@127.0.0.1:1/pmpulse"}
    for args in (("doctor",), ("db", "upgrade")):
        done = pmpulse(env, *args)
        assert done.returncode != 0
        assert leaks(done, [DB_PASSWORD, *SECRET_ENV.values()]) == [], (args, done.stdout, done.stderr)
