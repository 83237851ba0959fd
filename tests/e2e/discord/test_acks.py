"""The first answer to an interaction (adapters/discord/ack.py): sent lean, without asking
Discord for the message back, yet the same payload discord.py sends; a 429 or a 5xx on it
is retried by discord.py's own call; an answer Discord refuses is handled as before."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.e2e.discord.conftest import (
    EPHEMERAL,
    Harness,
    ephemeral_text,
    has_image,
    running_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def h(tmp_path_factory):
    async with running_bot(tmp_path_factory.mktemp("dc-acks")) as harness:
        yield harness


def callbacks(h: Harness, inter) -> list:
    return [r for r in h.dc.requests
            if r.method == "POST" and r.path.endswith(f"/{inter.id}/{inter.token}/callback")]


async def test_a_private_text_is_sent_lean_with_discord_py_s_payload(h: Harness):
    inter = await h.slash(h.alice, "balance")
    assert "credits" in await ephemeral_text(inter)
    (sent,) = callbacks(h, inter)
    assert "with_response" not in sent.query  # nothing to parse back
    assert sent.json["type"] == 4
    data = sent.json["data"]
    assert data["flags"] == EPHEMERAL and "credits" in data["content"]
    assert data["allowed_mentions"] == {"parse": []}  # the client's default, as discord.py sends


async def test_thinking_is_sent_lean_and_the_result_still_replaces_it(h: Harness):
    inter, message = await h.imagine(h.alice, "a lighthouse at dusk")
    (sent,) = callbacks(h, inter)
    assert sent.json == {"type": 5} and "with_response" not in sent.query
    assert has_image(message)  # @original edited after the lean defer


@pytest.mark.parametrize("status", [429, 503])
async def test_a_refused_first_answer_is_retried_by_discord_py(h: Harness, status: int):
    before = h.balance(h.alice)
    h.dc.fail_next("POST", r"/interactions/\d+/[^/]+/callback$", status=status, retry_after=0.2)
    inter = await h.dc.slash_command(h.alice, "balance", {}, guild_id=h.guild_id)
    assert f"{before} credits" in await ephemeral_text(inter)
    sent = callbacks(h, inter)
    assert [r.injected for r in sent] == [True, False]  # once lean, once by discord.py
    assert h.balance(h.alice) == before


async def test_an_expired_interaction_is_not_answered_twice_nor_charged(h: Harness):
    before = h.balance(h.alice)
    h.dc.ack_deadline = 0.0  # Discord answers 10062 Unknown interaction
    try:
        inter = await h.dc.slash_command(h.alice, "imagine", {"prompt": "a red kite"},
                                         guild_id=h.guild_id)
        ack = await inter.wait_ack()
        assert ack.status == 404
    finally:
        h.dc.ack_deadline = 3.0
    assert len(callbacks(h, inter)) == 1
    assert h.balance(h.alice) == before  # nothing started for an answer that never landed
