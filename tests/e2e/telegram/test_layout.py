"""Fast, in-process checks of the Telegram layout rules: callback_data, captions, pacing, logs."""

from __future__ import annotations

import asyncio

import pytest

from adapters.telegram import keyboards
from adapters.telegram.ack import Ack
from adapters.telegram.pacing import ChatPacer
from adapters.telegram.rendering import caption, chunks, to_html, units
from bot.domain.jobs import Job
from bot.domain.providers import GeneratedImage
from bot.services.generation import GenerationResult
from bot.services.planning import Planner


def result_for(catalog, model_id: str = "flux-pro", prompt: str = "a fox") -> GenerationResult:
    model = catalog.get(model_id)
    job = Job(id="0123456789", account_id=1, platform="telegram", user_id="1", prompt=prompt,
              model_id=model.id, intent="general", reason="no strong signal", aspect="1:1",
              seed=42, cost=model.credits, event_key="k")
    image = GeneratedImage(b"png", "image/png", 768, 768, "demo", model.id, is_demo=True)
    return GenerationResult(job, model, image, balance=45)


def test_callback_data_round_trips_and_fits_64_bytes(catalog, intents):
    markup = keyboards.result_keyboard(result_for(catalog), catalog, Planner(catalog, intents))
    assert markup is not None
    rows = markup.inline_keyboard
    assert all(1 <= len(row) <= 2 for row in rows)
    data = keyboards.all_callback_data(markup)
    # + compare, vary, vary strong, edit, delete
    assert len(data) == len(catalog) + 5 and len(set(data)) == len(data)
    assert rows[-1][0].text == "🗑 Delete" and data[-1] == "x:0123456789"
    assert keyboards.decode(data[-1]) == keyboards.ButtonData("delete", "0123456789")
    assert all(len(d.encode()) <= 64 for d in data)
    decoded = [keyboards.decode(d) for d in data]
    assert decoded[0] == keyboards.ButtonData("rerun", "0123456789", None)
    assert {d.model_id for d in decoded if d and d.model_id} == {
        m.id for m in catalog if m.id != "flux-pro"
    }
    assert decoded[-5] == keyboards.ButtonData("compare", "0123456789")
    assert [d.action for d in decoded[-4:-1] if d] == ["vary", "vary_strong", "edit"]
    for item in decoded:
        assert item is not None and keyboards.decode(keyboards.encode(item)) == item


@pytest.mark.parametrize("data", [None, "", "zzz", "r:", "r:0123456789", "c:0123456789:x",
                                  "r:ZZZ:a", "r:0123456789:" + "a" * 60, "c:🙂", "x:01234:a"])
def test_garbage_callback_data_decodes_to_nothing(data):
    assert keyboards.decode(data) is None


def test_a_model_id_too_long_for_a_button_is_refused():
    with pytest.raises(ValueError):
        keyboards.encode(keyboards.ButtonData("rerun", "0123456789", "m" * 60))


def test_caption_keeps_the_facts_and_shortens_the_prompt(catalog):
    prompt = "🦊 a fox in the snow " * 120  # astral characters count double in UTF-16
    text = caption(result_for(catalog, prompt=prompt), requester="Alice")
    assert units(text) <= 1024
    assert text.endswith("balance 45 credits · seed 42\nFor Alice")
    assert "Flux Pro (offline demo renderer), because no strong signal." in text
    assert "…”" in text
    short = caption(result_for(catalog, prompt="a fox"))
    assert short.startswith("“a fox”\n")


def test_long_texts_are_split_on_lines_within_the_limit():
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(200))
    parts = chunks(text, 4096)
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    assert "\n".join(parts) == text
    assert all(units(p) <= 100 for p in chunks("y" * 1000, 100))


def test_html_is_escaped_and_code_spans_kept():
    assert to_html("<b>hi</b> & `--model flux-pro`") == (
        "&lt;b&gt;hi&lt;/b&gt; &amp; <code>--model flux-pro</code>"
    )


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pacer_allows_a_short_burst_then_one_write_per_second():
    clock = Clock()
    pacer = ChatPacer(interval=1.0, burst=3, clock=clock)
    assert [pacer.reserve(1) for _ in range(5)] == [0, 0, 0, 1.0, 2.0]
    assert pacer.reserve(2) == 0  # chats are independent
    clock.now += 10
    assert pacer.reserve(1) == 0


def test_pacer_backs_a_chat_off_on_429():
    clock = Clock()
    pacer = ChatPacer(interval=1.0, burst=3, clock=clock)
    pacer.back_off(7, 5.0)
    assert pacer.reserve(7) == 5.0 and pacer.reserve(8) == 0


class StubQuery:
    id = "q1"

    def __init__(self) -> None:
        self.answers: list[str] = []

    async def answer(self, text: str) -> None:
        self.answers.append(text)


async def test_a_click_is_answered_once_with_a_fallback_if_nothing_else_comes():
    slow = StubQuery()
    ack = Ack(slow)  # type: ignore[arg-type]
    ack.fallback("On it…", after=0.01)
    await asyncio.sleep(0.05)
    assert slow.answers == ["On it…"] and await ack("too late") is False
    quick = StubQuery()
    ack = Ack(quick)  # type: ignore[arg-type]
    ack.fallback("On it…", after=0.05)
    assert await ack("On it: Flux Pro (5 credits)…")
    await asyncio.sleep(0.1)
    assert quick.answers == ["On it: Flux Pro (5 credits)…"]
