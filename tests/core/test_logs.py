"""What a person sees on stderr: Newsdesk's lines, not libraries' chatter."""

from __future__ import annotations

import io
import logging

import discord

from core.logs import configure_logging
from core.settings import Settings


def test_library_records_below_error_are_hidden_and_ours_are_shown():
    stream = io.StringIO()
    handler = configure_logging("WARNING", stream)
    try:
        logging.getLogger("bm25s").info("Building index from tokens")
        logging.getLogger("onnxruntime").warning("consider pre-processing")
        logging.warning("Please consider to run pre-processing before quantization")  # root
        logging.getLogger("index.store").warning("ours, shown")
        logging.getLogger("discord.gateway").error("a real failure, shown")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "index.store: ours, shown" in lines[0]
    assert "discord.gateway: a real failure" in lines[1]


def test_debug_shows_everything():
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    try:
        logging.getLogger("bm25s").debug("Building index from tokens")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)
    assert "bm25s: Building index from tokens" in stream.getvalue()


def test_discord_voice_warnings_do_not_reach_the_terminal(tmp_path, monkeypatch, service):
    from bot.discord_app import NewsdeskBot

    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    stream = io.StringIO()
    handler = configure_logging("WARNING", stream)
    try:
        NewsdeskBot(Settings(_env_file=None, state_dir=tmp_path), service)
    finally:
        logging.getLogger().removeHandler(handler)
        logging.captureWarnings(False)
    assert discord.VoiceClient.warn_nacl is False  # the warning was emitted ...
    assert stream.getvalue() == ""  # ... and filtered
