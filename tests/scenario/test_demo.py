"""`pmpulse demo` runs the real app through a simulated week and prints what people received."""

from __future__ import annotations

from bot.demo import run_demo


def test_demo_week_shows_prompts_answers_reminders_digest_and_missing_list() -> None:
    lines: list[str] = []

    assert run_demo(out=lines.append) == 0

    text = "\n".join(lines)
    # Prompts at 16:00 local: Shanghai and Singapore at 08:00 London, London at 16:00, New York at 21:00.
    assert "[Thu 08:00 London] tick: queued 3 prompts" in text
    assert "[Thu 16:00 London] tick: queued 1 prompts" in text
    assert "[Thu 21:00 London] tick: queued 1 prompts" in text
    assert "该提交 *2026-W49* 的周报了" in text  # Chinese speakers are prompted in Chinese
    assert "it's time for your weekly update for *2026-W49*" in text
    # The digest with one full update per PM in its thread, and the manager told who is missing.
    assert "--- #pm-weekly (digest channel)" in text
    assert text.count("(reply in thread)") >= 3
    assert "Red — Bureau outage blocks automated decisions" in text
    assert "--- DM with James Wright" in text and "Priya Nair" in text.split("--- DM with James Wright")[1]
