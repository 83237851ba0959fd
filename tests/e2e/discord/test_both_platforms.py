"""Discord and Telegram in one bot process: one event loop, one stop signal for both."""

from __future__ import annotations

from tests.e2e.botprocess import BotProcess
from tests.e2e.discord.conftest import GUILD_ID, TOKEN, has_image
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

TG_TOKEN = "7000002:AAE-both-platforms-SECRET"


async def test_discord_and_telegram_run_side_by_side_and_stop_together(tmp_path):
    async with FakeDiscord(token=TOKEN) as dc, FakeTelegram(token=TG_TOKEN,
                                                            bot_username="both_bot") as tg:
        alice = dc.make_user(700_001, "alice")
        dc.add_guild(GUILD_ID, "Imagine Club", owner_id=alice["id"])
        bot = BotProcess(tmp_path, {
            "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": dc.api_base,
            "DISCORD_GATEWAY_URL": dc.gateway_url,
            "TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_BASE_URL": tg.base_url,
            "TELEGRAM_BASE_FILE_URL": tg.base_file_url,
        })
        await bot.start()
        try:
            await dc.wait_connected(30)
            await tg.wait_for("deleteWebhook", timeout=30)
            inter = await dc.slash_command(alice, "imagine", {"prompt": "a fox"},
                                           guild_id=GUILD_ID)
            user = tg.make_user(42, "Tom", username="tom")
            since = len(tg.calls)
            tg.user_sends_text(tg.private_chat(user), user, "/imagine a fox")
            assert has_image(await inter.wait_message(has_image, timeout=10))
            await tg.wait_for("sendPhoto", since=since, ok=True, timeout=10)
        finally:
            code = await bot.stop()
        log = bot.log()
        assert code == 0, log[-3000:]
        assert "discord: closing" in log
        assert TOKEN not in log and TG_TOKEN not in log
        assert "Traceback" not in log, log[-3000:]
        dc.assert_no_errors()
