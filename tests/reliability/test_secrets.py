"""The Discord token never shows: not in settings' repr, logs, errors or output."""

from __future__ import annotations

import logging

import discord
import pytest

from core.settings import Settings
from newsdesk.cli import main
from tests.conftest import ROOT, SECRET_WATCH, SENTINEL_TOKEN


def test_settings_never_show_the_token():
    settings = Settings(_env_file=None)
    assert settings.discord_token.get_secret_value() == SENTINEL_TOKEN
    for shown in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        repr(settings.discord_token),
    ):
        assert SENTINEL_TOKEN not in shown


def test_the_watch_would_catch_a_leak():
    logging.getLogger("test").debug("token is %s", SENTINEL_TOKEN)
    assert SECRET_WATCH.leaks and SENTINEL_TOKEN in SECRET_WATCH.leaks[-1]
    SECRET_WATCH.leaks.pop()


def test_a_rejected_token_is_one_line_without_the_token(monkeypatch, capsys, seed_index):
    def rejected(self, token, **kwargs):
        raise discord.LoginFailure(f"Improper token has been passed: {token}")

    monkeypatch.setattr("bot.discord_app.NewsdeskBot.run", rejected)
    code = main(["serve", "--index", str(seed_index)])
    out = capsys.readouterr()
    assert code == 2
    assert out.err.strip().count("\n") == 0 and "rejected NEWSDESK_DISCORD_TOKEN" in out.err
    assert SENTINEL_TOKEN not in out.err + out.out


def test_a_missing_token_is_one_line(monkeypatch, capsys):
    monkeypatch.delenv("NEWSDESK_DISCORD_TOKEN")
    monkeypatch.chdir(ROOT / "tests")  # no .env here
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsdesk: error: NEWSDESK_DISCORD_TOKEN is not set; put the bot token")
    assert err.count("\n") == 1


def test_dot_env_is_git_ignored():
    assert ".env" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("level", ["DEBUG"])
def test_serve_logs_at_debug_without_the_token(monkeypatch, capsys, seed_index, level):
    monkeypatch.setenv("NEWSDESK_LOG_LEVEL", level)

    def run(self, token, **kwargs):
        logging.getLogger("discord.client").debug("logging in using static token")
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr("bot.discord_app.NewsdeskBot.run", run)
    main(["serve", "--index", str(seed_index)])
    assert SENTINEL_TOKEN not in capsys.readouterr().err
