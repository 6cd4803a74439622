from tests.scenario.conftest import Harness


def test_help(harness: Harness) -> None:
    body = harness.command("UADMIN", "help")
    assert "pmpulse" in str(body["blocks"])
