"""All catalogs merged; each module holds one area's messages in both languages side by side."""

from __future__ import annotations

from types import ModuleType

from bot.i18n.catalog import channels, common, digest, goals, help, home, prompts, settings, status, team

Catalog = dict[str, dict[str, str]]


def _merge(*modules: ModuleType) -> Catalog:
    merged: Catalog = {}
    for module in modules:
        for key, entry in module.MESSAGES.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} defined twice ({module.__name__})")
            merged[key] = entry
    return merged


MESSAGES: Catalog = _merge(common, channels, help, team, goals, home, status, prompts, digest, settings)
