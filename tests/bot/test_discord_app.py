"""The real discord.py client, command tree and handlers, against simcord's offline Discord."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import discord
import pytest

from bot.answer import Answer, Excerpt
from bot.discord_app import NewsdeskBot
from bot.discord_app.cogs.admin import AdminCog
from bot.discord_app.embeds import answer_embed
from bot.discord_app.errors import FAILED
from index.types import Article

FARS = "neither Iran nor Russian Federation has confirmed"


@pytest.fixture
def world(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("news")
    alice = guild.add_member(simcord_env.create_user("alice"))
    return simcord_env, guild, channel, alice


def bot_requests(env, since: int = 0) -> list:
    return env.http_requests[since:]


def sent_payloads(env) -> list[dict]:
    """Every message body the bot sent (channel messages, interaction responses, follow-ups)."""
    payloads = []
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if body is None or request.method not in ("POST", "PATCH"):
            continue
        data = body.get("data", body) if "type" in body else body
        if isinstance(data, dict) and ("content" in data or "embeds" in data):
            payloads.append(data)
    return payloads


def handled_errors(env) -> list[str]:
    """Names of the errors the command tree's one handler turned into replies (and
    acknowledges them, so simcord does not report them at teardown)."""
    errors = [e.original if hasattr(e, "original") else e for e in env.errors]
    return [type(e).__name__ for e in errors]


def assert_no_pings(env) -> None:
    payloads = sent_payloads(env)
    assert payloads
    for payload in payloads:
        assert payload.get("allowed_mentions", {}).get("parse") == [], payload


async def test_ask_is_deferred_at_once_then_answered_with_an_embed_quoting_fars(world):
    env, _, channel, alice = world
    start = len(env.http_requests)
    result = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    first = bot_requests(env, start)[0]
    assert first.path.endswith("/callback") and first.json == {"type": 5}  # deferred, thinking
    (embed,) = result.response.embeds
    assert FARS in embed.description
    assert "Iran’s FARS news agency" in embed.description
    assert embed.fields[0].name == "Sources"
    assert "Russian Federation Denies Syria" in embed.fields[0].value
    assert_no_pings(env)


async def test_a_mention_gets_a_reply(world):
    env, _, channel, alice = world
    message = await alice.send(channel, f"<@{env.bot.user.id}> did Iran confirm the crash?")
    reply = channel.last_message
    assert reply.author.id == env.bot.user.id
    assert reply.reference is not None and reply.reference.message_id == message.id
    assert FARS in reply.embeds[0].description
    assert_no_pings(env)


async def test_messages_without_a_mention_are_ignored(world):
    _env, _, channel, alice = world
    await alice.send(channel, "did Iran confirm the crash?")
    assert channel.last_message.author.id == alice.id


async def test_everyone_in_a_question_pings_nobody(world):
    env, _, channel, alice = world
    result = await alice.slash(channel, "ask", question="@everyone @here <@&1> did Iran confirm?")
    embed = result.response.embeds[0]
    assert "@everyone" not in embed.title and "@here" not in embed.title
    assert_no_pings(env)


async def test_an_answer_too_long_for_one_embed_stays_within_every_limit(world, monkeypatch):
    env, _, channel, alice = world
    article = Article(
        id="a",
        title="T" * 300,
        text="x",
        path="a.txt",
        source="S" * 100,
        published="2022-01-01",
        url="https://example.org/" + "p" * 300,
    )
    long_quote = ("This is a very long sentence about the missiles, " * 80).strip()
    excerpts = [
        Excerpt(
            long_quote, "an official " * 20, 0, len(long_quote), 1.0, replace(article, id=f"a{i}")
        )
        for i in range(12)
    ]
    answer = Answer("q" * 250, answered=True, excerpts=excerpts)

    async def ask(question, **kwargs):
        return answer

    monkeypatch.setattr(env.bot.service, "ask", ask)
    result = await alice.slash(channel, "ask", question="anything long")
    (embed,) = result.response.embeds
    assert len(embed) <= 6000 and len(embed.description) <= 4096
    assert len(embed.title) <= 256 and all(len(f.value) <= 1024 for f in embed.fields)
    quotes = [line for line in embed.description.splitlines() if line.startswith("> ")]
    assert 1 <= len(quotes) < 12  # whole excerpts were dropped to fit
    assert all(q.endswith("about the missiles, …") for q in quotes)  # cut at a clause


async def test_the_cooldown_answers_privately_and_then_lets_the_user_ask_again(world):
    env, _, channel, alice = world
    now = [1000.0]
    env.bot.cooldown._clock = lambda: now[0]
    await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    second = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert second.ephemeral and second.response.content.startswith("Please wait 5 s")
    assert handled_errors(env) == ["CommandOnCooldown"]
    now[0] += 5
    third = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert not third.ephemeral and FARS in third.response.embeds[0].description


async def test_an_over_long_question_gets_a_one_line_private_error(world):
    env, _, channel, alice = world
    result = await alice.slash(channel, "ask", question="why " * 100)
    assert result.ephemeral
    assert "too long (400 characters)" in result.response.content
    assert "\n" not in result.response.content
    assert handled_errors(env) == ["QuestionRefused"]
    # A refused question does not cost the user a turn.
    again = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert FARS in again.response.embeds[0].description


async def test_reindex_by_a_member_without_manage_server_is_refused(world):
    env, guild, channel, alice = world
    assert "reindex" not in alice.available_commands(channel)  # hidden by default permissions
    assert "ask" in alice.available_commands(channel)
    # A server admin may let anyone see the command; the bot still checks the permission.
    commands = {c.name: c for c in await env.bot.tree.fetch_commands()}
    guild.set_command_permissions(commands["reindex"], {alice: True})
    result = await alice.slash(channel, "reindex")
    assert result.ephemeral
    assert result.response.content == "Only members with the Manage Server permission can reindex."
    assert not env.bot.service.reindexing
    assert handled_errors(env) == ["MissingPermissions"]


async def test_reindex_by_a_moderator_answers_at_once_then_reports_in_the_channel(world):
    env, guild, channel, alice = world
    moderators = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(env.create_user("mod"), roles=[moderators])
    result = await mod.slash(channel, "reindex")
    assert result.response.content.startswith("Reindexing the corpus")
    admin = env.bot.get_cog("AdminCog")
    assert isinstance(admin, AdminCog) and admin.reindex_task is not None
    await admin.reindex_task
    # The result is a channel message the bot owns (an interaction token expires after
    # 15 minutes; a large rebuild takes longer), not an interaction follow-up.
    status = channel.last_message
    assert status.author.id == env.bot.user.id and status.interaction_metadata is None
    assert status.content.startswith("Reindexed: 0 articles added, 0 removed")
    answer = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert FARS in answer.response.embeds[0].description
    assert_no_pings(env)


async def test_a_reindex_while_one_runs_is_refused_privately(world):
    env, guild, channel, _ = world
    moderators = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(env.create_user("mod"), roles=[moderators])
    admin = env.bot.get_cog("AdminCog")
    running = asyncio.get_running_loop().create_future()  # a rebuild still under way
    admin.reindex_task = running
    result = await mod.slash(channel, "reindex")
    assert result.ephemeral and "already running" in result.response.content
    assert handled_errors(env) == ["ReindexBusyError"]
    assert admin.reindex_task is running
    running.cancel()


async def test_sources_lists_the_indexed_articles(world):
    _env, _, channel, alice = world
    result = await alice.slash(channel, "sources")
    embed = result.response.embeds[0]
    assert embed.title == "Indexed articles (2)"
    assert "Russian Defense Deny Missiles Landed in Iran" in embed.description


async def test_a_broken_index_answers_with_one_line_instead_of_crashing(world):
    env, _, channel, alice = world
    env.bot.service._loaded = None
    result = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert result.response.content == "the index is unavailable, an admin can run /reindex"
    assert handled_errors(env) == ["IndexUnavailableError"]


async def test_a_failure_while_answering_is_one_line_and_logged(world, monkeypatch, caplog):
    env, _, channel, alice = world

    async def boom(question, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(env.bot.service, "ask", boom)
    result = await alice.slash(channel, "ask", question="did Iran confirm the crash?")
    assert result.response.content == FAILED
    assert "disk on fire" in caplog.text
    assert handled_errors(env) == ["RuntimeError"]


async def test_commands_are_synced_once_and_not_again_while_unchanged(world):
    env, _, _, _ = world
    puts = [r for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert len(puts) == 1  # at start-up: no marker yet
    assert await env.bot.sync_commands() is False  # unchanged: no request
    assert [r for r in env.http_requests if r.method == "PUT"] == puts


@pytest.mark.parametrize("guild_id", [4242])
async def test_a_dev_guild_gets_the_commands_instantly(settings, service, guild_id):
    client = NewsdeskBot(settings.model_copy(update={"discord_guild_id": guild_id}), service)
    for cog in client.cogs_to_load():
        await client.add_cog(cog)
    synced = []

    async def sync(*, guild=None):
        synced.append(guild)

    client.tree.sync = sync
    assert await client.sync_commands() is True
    assert synced[0].id == guild_id
    assert {c.name for c in client.tree.get_commands(guild=synced[0])} == {
        "ask",
        "sources",
        "reindex",
    }
    assert await client.sync_commands() is False  # recorded in the state folder


def test_an_answer_s_note_leads_its_embed():
    """Quotes by others than the source asked about come under the note that says so."""
    article = Article(id="a", title="Dam", text="x", path="a.txt", published="2022-01-01")
    quote = "The crack is 40 centimetres long, the engineer said."
    note = "I found no quote attributed to “Lena Holm”; these are the closest."
    excerpt = Excerpt(quote, "the engineer", 0, len(quote), 1.0, article)
    embed = answer_embed(Answer("What did Lena Holm say?", True, [excerpt], note=note))
    assert embed.description.startswith(note + "\n\n> The crack is 40 centimetres long")
