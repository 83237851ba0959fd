"""Results of jobs resumed after a restart are posted where they were asked for (in-process
PTB Bot against the fake Bot API; the demo renderer never leaves a resumable job behind)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from telegram import Bot

from adapters.providers.demo import render_demo
from adapters.telegram.flow import Runs
from bot.domain.errors import GenerationFailed
from bot.domain.jobs import Job
from bot.domain.providers import GeneratedImage, ImageSpec
from bot.services.generation import GenerationResult
from tests.e2e.telegram.conftest import TOKEN, buttons, reply_target
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def tg():
    async with FakeTelegram(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def runs(tg, make_service):
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as bot:
        runs = Runs(make_service(), bot)
        runs.ready.set()
        yield runs


async def setup_chat(tg: FakeTelegram, runs: Runs) -> tuple[dict, Job]:
    user = tg.make_user(5001, "Eve")
    chat = tg.private_chat(user)
    asked = tg.user_sends_text(chat, user, "/imagine a lantern")
    status = await runs.bot.send_message(chat["id"], "Generating with Flux Pro…")
    model = runs.catalog.get("flux-pro")
    job = Job(id="abcdef0123", account_id=1, platform="telegram", user_id=str(user["id"]),
              prompt="a lantern", model_id=model.id, intent="general", reason="a restart",
              aspect="1:1", seed=7, cost=model.credits, event_key="telegram:msg:x",
              chat_ref={"chat_id": chat["id"], "reply_to": asked["message_id"],
                        "status_id": status.message_id})
    return asked, job


async def test_a_resumed_result_is_posted_as_a_reply_and_the_status_removed(tg, runs):
    asked, job = await setup_chat(tg, runs)
    model = runs.catalog.get(job.model_id)
    data = render_demo(ImageSpec(job.prompt, "1:1", 7, model.id, model.name))
    image = GeneratedImage(data, "image/png", 768, 768, "demo", model.id, is_demo=True)
    await runs.deliver(job, GenerationResult(job, model, image, balance=45))
    [photo] = tg.calls_to("sendPhoto")
    assert reply_target(photo) == asked["message_id"] and "balance 45 credits" in photo["caption"]
    assert buttons(photo.result)
    assert [m.get("photo") is not None for m in tg.messages(asked["chat"]["id"])] == [True]


async def test_a_resumed_failure_becomes_the_status_line(tg, runs):
    asked, job = await setup_chat(tg, runs)
    await runs.deliver(job, GenerationFailed("Flux Pro could not finish. Refunded."))
    [status] = tg.messages(asked["chat"]["id"])
    assert status["text"] == "⚠️ Flux Pro could not finish. Refunded."


async def test_a_job_without_a_chat_is_skipped(tg, runs):
    _, job = await setup_chat(tg, runs)
    await runs.deliver(replace(job, chat_ref={}), GenerationFailed("x"))
    assert not tg.calls_to("editMessageText") and len(tg.calls_to("sendMessage")) == 1


async def test_an_image_over_10_mb_goes_as_a_document(tg, runs):
    asked, job = await setup_chat(tg, runs)
    model = runs.catalog.get(job.model_id)
    data = render_demo(ImageSpec(job.prompt, "1:1", 7, model.id, model.name))
    big = data + b"\0" * (10_500_000 - len(data))  # a PNG with trailing padding: 10.5 MB
    image = GeneratedImage(big, "image/png", 768, 768, "demo", model.id, is_demo=True)
    await runs.deliver(job, GenerationResult(job, model, image, balance=45))
    assert not tg.calls_to("sendPhoto")
    [doc] = tg.calls_to("sendDocument")
    assert doc.ok and len(doc.files["document"].data) == len(big)
    assert reply_target(doc) == asked["message_id"] and buttons(doc.result)
