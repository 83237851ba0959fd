"""The console chat: the offline chat surface. Reads lines, prints the bot's replies.

`/imagine …` (or any plain text) makes an image saved under the output folder; the result's
buttons are numbered choices: `/rerun 1` = again, `/rerun N` = the N-th listed choice,
`/compare` = compare on three models. One error boundary: known errors print their
message, anything else prints a short apology (the service has refunded already).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import BotError, GenerationFailed, RequestError
from bot.domain.requests import clean_text, parse_imagine
from bot.services import replies
from bot.services.community_text import COMMANDS, CommunityText, outcome_text
from bot.services.generation import GenerationResult, GenerationService, Progress

log = logging.getLogger(__name__)
CONSOLE_USER = UserRef("console", "console", "console")
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


class ConsoleChat:
    def __init__(
        self,
        service: GenerationService,
        out_dir: Path,
        *,
        write: Callable[[str], None] | None = None,
        demo_mode: bool = False,
        user: UserRef = CONSOLE_USER,
        community: CommunityText | None = None,
    ) -> None:
        self.service = service
        self.out_dir = out_dir
        self.write = write or (lambda text: print(text, flush=True))
        self.demo_mode = demo_mode
        self.user = user
        self.community = community
        if community is not None:
            community.giveaways.register_announcer("console", self._announce)
        self.last: GenerationResult | None = None
        self.choices: list[replies.Choice] = []

    async def run(self, stream: TextIO = sys.stdin) -> None:
        interactive = stream.isatty()
        if interactive:
            self.write("imagine-bot console. Type /help, /imagine <prompt>, or /quit.")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                sys.stdout.write("> ")
                sys.stdout.flush()
            line = await loop.run_in_executor(None, stream.readline)
            if not line:
                return
            if line.strip().lower() in ("/quit", "/exit"):
                return
            await self.handle(line)

    async def handle(self, line: str) -> None:
        """One chat line in, replies out. Never raises."""
        text = clean_text(line)
        if not text:
            return
        try:
            await self._dispatch(text)
        except BotError as exc:
            self.write(f"⚠️ {exc.user_message}{replies.text_hint(exc)}")
        except Exception:  # noqa: BLE001 - the console's one error boundary
            log.exception("console command failed")
            self.write("⚠️ Sorry, something went wrong on my side. Nothing was charged.")

    async def _dispatch(self, text: str) -> None:
        command, _, rest = text.partition(" ")
        command = command.lower()
        if not command.startswith("/"):
            return await self._imagine(text)
        if command == "/imagine":
            return await self._imagine(rest)
        if command in ("/help", "/start"):
            balance = await self.service.balance(self.user)
            self.write(
                replies.help_text(
                    self.service.catalog,
                    self.service.planner.intents,
                    balance,
                    self.demo_mode,
                    community=self.community is not None,
                )
            )
            return
        if command == "/models":
            self.write("\n".join(replies.model_lines(self.service.catalog, self.demo_mode)))
            return
        if command == "/balance":
            self.write(f"You have {replies.credits(await self.service.balance(self.user))}.")
            return
        if command == "/rerun":
            return await self._rerun(rest.strip())
        if command == "/compare":
            return await self._compare()
        if self.community is not None and command[1:] in COMMANDS:
            # The console user is the operator: an admin, in a "community" of its own.
            ctx = Context(self.user, "console", is_admin=True, event_key=self._event())
            await self.community.community.seen(ctx, self.user.name)
            reply = await self.community.handle(ctx, command[1:], rest, self._resolve)
            self.write(reply.text)
            return
        raise RequestError(f"I don't know {command[:30]}. Try /help.")

    async def _imagine(self, text: str) -> None:
        request = parse_imagine(text, self.service.catalog, self.service.planner.intents)
        result = await self.service.generate(request, self.user, self._event(), self._progress)
        self._show(result)

    async def _rerun(self, arg: str) -> None:
        if self.last is None:
            raise RequestError("Nothing to rerun yet. Make an image with /imagine first.")
        try:
            index = int(arg or "1")
        except ValueError:
            raise RequestError(
                f"`/rerun` takes a choice number, like `/rerun 2`, not `{arg[:20]}`."
            ) from None
        if not 1 <= index <= len(self.choices):
            raise RequestError(f"Pick a choice from 1 to {len(self.choices)}.")
        choice = self.choices[index - 1]
        if choice.action == "compare":
            return await self._compare()
        result = await self.service.rerun(
            self.last.job.id, self.user, self._event(), choice.model_id, self._progress
        )
        self._show(result)

    async def _compare(self) -> None:
        if self.last is None:
            raise RequestError("Nothing to compare yet. Make an image with /imagine first.")
        outcomes = await self.service.compare(
            self.last.job.id, self.user, self._event(), self._progress
        )
        for outcome in outcomes:
            if isinstance(outcome, GenerationFailed):
                self.write(f"⚠️ {outcome.user_message}")
            else:
                self._show(outcome, keep=False)

    def _show(self, result: GenerationResult, keep: bool = True) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = (
            self.out_dir
            / f"{result.job.id}-{result.model.id}{EXTENSIONS.get(result.image.mime, '.img')}"
        )
        path.write_bytes(result.image.data)
        self.write(f"🖼️  Saved {path} ({result.image.width}x{result.image.height})")
        self.write(replies.result_caption(result))
        if keep:
            self.last = result
            self.choices = replies.result_choices(
                result, self.service.catalog, self.service.planner
            )
            for i, choice in enumerate(self.choices, start=1):
                command = "/compare" if choice.action == "compare" else f"/rerun {i}"
                self.write(f"  {command:<10} {choice.label}")

    async def _resolve(self, word: str) -> tuple[UserRef, bool] | None:
        assert self.community is not None
        return await self.community.community.find_username("console", word)

    async def _announce(self, outcome) -> None:  # type: ignore[no-untyped-def]
        self.write(outcome_text(outcome))

    async def _progress(self, progress: Progress) -> None:
        if progress.stage in ("queued", "started"):
            self.write(f"… {replies.progress_text(progress)}")

    @staticmethod
    def _event() -> str:
        return f"console:{uuid.uuid4().hex}"
