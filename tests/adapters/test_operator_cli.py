"""`imagine-bot providers` and `imagine-bot generate` as real subprocesses against a real
aiohttp fake of the vendors on 127.0.0.1, configured only through base-URL settings."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from adapters.providers.registry import VENDORS
from tests.adapters.provider_fakes import KEY, FakeVendors, Reply

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def served() -> AsyncIterator[FakeVendors]:
    fake = FakeVendors()
    fake.pending_polls = 0  # real sleeps in the subprocess: keep polling short
    stop = await fake.serve()
    try:
        yield fake
    finally:
        await stop()


def env_for(fake: FakeVendors, tmp_path: Path, keys: tuple[str, ...]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_TOKEN", "_BASE_URL"))}
    for name, (_, key_field, url_field) in VENDORS.items():
        env[key_field.upper()] = KEY if name in keys else ""
        env[url_field.upper()] = fake.base_url(name)
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}", GENERATION_TIMEOUT_SECONDS="20",
               LOG_LEVEL="WARNING", PYTHONPATH=str(ROOT))
    return env


async def cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    # cwd is a temp dir so a developer's .env is never read.
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def generate(served, tmp_path, keys, *extra: str) -> tuple[int, dict, str]:
    env = env_for(served, tmp_path, keys)
    code, out, err = await cli(env, tmp_path, "generate", "--model", "flux-2-klein", "--ar", "16:9",
                               "--seed", "7", "--out", str(tmp_path / "img.png"), *extra, "a red fox")
    assert KEY not in out + err
    return code, json.loads(out.strip().splitlines()[-1]), err


async def test_generate_writes_the_image_and_prints_json(served, tmp_path):
    served.pending_polls = 1  # one "Pending" poll: the queued path, through a real socket
    code, result, err = await generate(served, tmp_path, ("bfl", "fal"))
    assert code == 0, err
    assert result["model"] == "flux-2-klein" and result["provider"] == "bfl"
    assert result["provider_model"] == "flux-2-klein-4b"
    assert (result["width"], result["height"]) == (64, 48)
    with Image.open(tmp_path / "img.png") as img:
        assert img.size == (64, 48)
    assert result["bytes"] == (tmp_path / "img.png").stat().st_size and result["seconds"] >= 0
    submit = served.submits("bfl")[0]
    assert submit.headers["x-key"] == KEY and submit.body["seed"] == 7
    assert all(KEY not in s.url for s in served.seen)


async def test_generate_fails_over_when_the_first_route_is_down(served, tmp_path):
    served.fail("bfl", Reply(503, {"detail": "maintenance"}, {"Retry-After": "0"}), times=20)
    code, result, err = await generate(served, tmp_path, ("bfl", "fal"))
    assert code == 0, err
    assert result["provider"] == "fal"


async def test_generate_with_only_provider_uses_that_route(served, tmp_path):
    code, result, err = await generate(served, tmp_path, ("bfl", "fal"), "--provider", "fal")
    assert code == 0, err
    assert result["provider"] == "fal" and not served.to("bfl")


async def test_generate_reports_a_refusal_and_exits_non_zero(served, tmp_path):
    served.outcome["bfl"] = "moderated"
    code, result, _ = await generate(served, tmp_path, ("bfl", "fal"))
    assert code != 0
    assert result["error"] == "rejected" and "flagged the prompt" in result["reason"]
    assert not served.to("fal"), "a refusal never fails over"
    assert not (tmp_path / "img.png").exists()


async def test_generate_reports_unavailable_when_every_route_is_down(served, tmp_path):
    served.fail("bfl", Reply(500, {"detail": "boom"}, {"Retry-After": "0"}), times=20)
    code, result, _ = await generate(served, tmp_path, ("bfl",))
    assert code != 0
    assert result["error"] == "unavailable" and "server error" in result["reason"]


async def test_unknown_model_is_a_friendly_error(served, tmp_path):
    env = env_for(served, tmp_path, ("bfl",))
    code, out, _ = await cli(env, tmp_path, "generate", "--model", "flux-klien", "--out",
                             str(tmp_path / "x.png"), "a fox")
    result = json.loads(out)
    assert code != 0 and result["error"] == "unknown_model"
    assert "flux-2-klein" in result["did_you_mean"]


async def test_providers_lists_keys_and_routes(served, tmp_path):
    code, out, _ = await cli(env_for(served, tmp_path, ("bfl", "gemini")), tmp_path, "providers")
    assert code == 0
    assert "Providers with a key: bfl, gemini" in out
    assert "flux-2-klein [1 credit]: bfl (flux-2-klein-4b)" in out
    assert "bitdance [4 credits]: NOT AVAILABLE" in out
    assert "nano-banana-pro [15 credits]: gemini (gemini-3-pro-image)" in out
    assert KEY not in out


async def test_providers_says_demo_mode_plainly(served, tmp_path):
    code, out, _ = await cli(env_for(served, tmp_path, ()), tmp_path, "providers")
    assert code == 0 and "DEMO MODE" in out


async def test_asking_for_a_provider_without_a_key_says_which_key(served, tmp_path):
    code, result, _ = await generate(served, tmp_path, ("bfl",), "--provider", "fal")
    assert code != 0 and result["error"] == "unavailable"
    assert "FAL_KEY" in result["reason"] and not served.seen
