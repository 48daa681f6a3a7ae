"""/follow, /unfollow, /feeds and the scheduled poll, in simcord's offline Discord, against a
web server on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from bot.discord_app import NewsdeskBot
from bot.discord_app.cogs.feeds import FeedsCog
from bot.service import AnswerService
from core.settings import Settings
from newsdesk.wiring import build_following
from tests.conftest import SEED_CORPUS
from tests.ingest.localweb import LocalWeb, Route, article_html, rss

BRIDGE = [
    "The old bridge over the Kelby river reopened to traffic on Saturday morning after "
    "engineers finished their inspection, the town council said.",
    "Ferries that ran every half hour while the bridge was closed will stop on Monday, "
    "a council spokesman said.",
]


def handled_errors(env) -> list[str]:  # type: ignore[no-untyped-def]
    """The errors the command tree turned into one-line replies (reading acknowledges them)."""
    return [type(getattr(e, "original", e)).__name__ for e in env.errors]


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with LocalWeb() as server:
        yield server


@pytest.fixture
def feed_interval() -> float:
    return 0.0  # no scheduled poll: the commands alone


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, feed_interval: float) -> Settings:
    """The bot's settings with a writable corpus, feeds on loopback allowed."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    return settings.model_copy(
        update={
            "corpus_dir": corpus,
            "feed_interval_minutes": feed_interval,
            "fetch_allow_loopback": True,
            "fetch_host_interval_seconds": 0.0,
            "index_poll_seconds": 0.0,
        }
    )


@pytest.fixture
def simcord_bot(settings: Settings, service: AnswerService) -> NewsdeskBot:
    return NewsdeskBot(settings, service, build_following(settings, service))


@pytest.fixture
def world(simcord_env):  # type: ignore[no-untyped-def]
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("news")
    alice = guild.add_member(simcord_env.create_user("alice"))
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return simcord_env, channel, alice, mod


async def test_only_admins_can_follow_a_feed(world, web: LocalWeb) -> None:  # type: ignore[no-untyped-def]
    env, channel, alice, _ = world
    assert "follow" not in alice.available_commands(channel)
    assert "feeds" in alice.available_commands(channel)
    commands = {c.name: c for c in await env.bot.tree.fetch_commands()}
    channel.guild.set_command_permissions(commands["follow"], {alice: True})
    result = await alice.slash(channel, "follow", url=web.route("/rss", Route(rss([]))))
    assert result.ephemeral
    assert result.response.content == ("Only members with the Manage Server permission can follow.")
    assert web.hits("/rss") == 0
    assert handled_errors(env) == ["MissingPermissions"]


async def test_follow_list_and_unfollow(world, web: LocalWeb) -> None:  # type: ignore[no-untyped-def]
    _env, channel, alice, mod = world
    url = web.route("/rss", Route(rss([])))
    followed = await mod.slash(channel, "follow", url=url, name="harbour")
    assert followed.response.content.startswith(f"Following **harbour** (<{url}>)")

    listing = await alice.slash(channel, "feeds")
    (embed,) = listing.response.embeds
    assert f"**harbour** <{url}>" in embed.description
    assert "0 articles; not polled yet" in embed.description

    choices = await mod.autocomplete(channel, "unfollow", "feed", "harb")
    assert [c["value"] for c in choices] == ["harbour"]
    removed = await mod.slash(channel, "unfollow", feed="harbour")
    assert removed.response.content.startswith("Stopped following **harbour**")
    empty = await alice.slash(channel, "feeds")
    assert "No feeds are followed yet" in empty.response.embeds[0].description


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "file:// is not fetched; give an http(s) address"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    ],
)
async def test_an_address_that_is_not_a_public_feed_gets_one_line(  # type: ignore[no-untyped-def]
    world, url: str, message: str
) -> None:
    env, channel, _, mod = world
    result = await mod.slash(channel, "follow", url=url)
    assert message in result.response.content
    assert "\n" not in result.response.content
    assert handled_errors(env) == ["FetchRefusedError"]


async def test_a_page_that_is_not_a_feed_is_refused(world, web: LocalWeb) -> None:  # type: ignore[no-untyped-def]
    env, channel, _, mod = world
    page = web.route("/", Route(article_html("Home", BRIDGE)))
    result = await mod.slash(channel, "follow", url=page)
    assert result.response.content == f"{page} is not an RSS or Atom feed; give the feed's address"
    assert handled_errors(env) == ["FeedError"]


@pytest.mark.parametrize("feed_interval", [0.1])  # six seconds
async def test_a_new_item_is_answerable_within_one_poll_interval(  # type: ignore[no-untyped-def]
    world, web: LocalWeb
) -> None:
    """End to end: serve's poller (child processes for the update and the rebuild, the
    real model) against the local server; an item published after the bot started is
    fetched, indexed, swapped in and quoted in an answer."""
    env, channel, alice, mod = world
    env.settle_timeout = 300  # the update and the rebuild run in child processes, for real
    feed = web.route("/rss", Route(rss([])))
    await mod.slash(channel, "follow", url=feed, name="harbour")
    service = env.bot.service
    await env.settle(timeout=300)  # the poll /follow started: the feed is still empty
    assert isinstance(env.bot.get_cog("FeedsCog"), FeedsCog)

    web.route("/news/bridge", Route(article_html("Kelby bridge reopens", BRIDGE)))
    web.route(
        "/rss",
        Route(rss([{"title": "Kelby bridge reopens", "link": "/news/bridge"}])),
    )
    assert "Kelby bridge reopens" not in {a.title for a in service.sources()}

    await env.advance_time(6.0)  # one poll interval (simcord's clock)
    await env.settle(timeout=300)  # the update and the rebuild, in child processes

    assert "Kelby bridge reopens" in {a.title for a in service.sources()}
    result = await alice.slash(channel, "ask", question="Has the Kelby bridge reopened?")
    (embed,) = result.response.embeds
    assert "reopened to traffic on Saturday morning" in embed.description
    assert "the town council" in embed.description  # attributed at index time, too
    assert "Kelby bridge reopens" in embed.fields[0].value
    listing = await alice.slash(channel, "feeds")
    assert "1 articles; last polled" in listing.response.embeds[0].description
