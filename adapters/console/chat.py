"""The console chat: the offline chat surface. Reads lines, prints the bot's replies.

`/imagine …` (or any plain text) makes an image saved under the output folder; the result's
buttons are numbered choices: `/rerun 1` = again, `/rerun N` = the N-th listed choice,
`/compare` = compare on three models. The commands are the table's (bot.services.
command_table) for the console: the image ones are run here, every other one through the
shared text grammar. One error boundary: known errors print their message, anything else
prints a short apology (the service has refunded already).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot import i18n
from bot.domain.community import Context
from bot.domain.credits import UserRef
from bot.domain.errors import BotError, GenerationFailed, RequestError
from bot.domain.jobs import Job
from bot.domain.requests import clean_text, parse_edit, parse_imagine
from bot.domain.safety import Place
from bot.services import edit_text, image_intake, replies
from bot.services.community_text import CommunityText, outcome_text
from bot.services.generation import GenerationResult, Progress
from bot.services.help import help_text
from bot.services.surface import SurfaceApp

log = logging.getLogger(__name__)
CONSOLE_USER = UserRef("console", "console", "console")
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
SURFACE = "console"
# The console is the operator's own "server": its safety level can be set like one.
PLACE = Place(SURFACE, SURFACE)


class ConsoleChat:
    def __init__(
        self,
        app: SurfaceApp,
        out_dir: Path,
        *,
        write: Callable[[str], None] | None = None,
        user: UserRef = CONSOLE_USER,
        lang: str | None = None,
    ) -> None:
        self.app = app
        # The terminal's language (LANG=es_ES.UTF-8 -> es), unless /language says otherwise.
        self.lang = (lang if lang is not None else os.environ.get("LANG", "")).split(".")[0]
        self.service = app.service
        self.text = CommunityText(app.commands)
        self.table = self.text.commands.table
        self.out_dir = out_dir
        self.write = write or (lambda text: print(text, flush=True))
        self.demo_mode = app.router.demo_mode
        self.user = user
        app.giveaways.register_announcer(SURFACE, self._announce)
        app.recovery.register_delivery(SURFACE, self._deliver)  # and claim console jobs
        self.last: GenerationResult | None = None
        self.choices: list[replies.Choice] = []
        # The commands the console runs itself; the table's others go to their handlers.
        self.own: dict[str, Callable[[str], Awaitable[None]]] = {
            "imagine": self._imagine, "help": self._help, "start": self._help,
            "models": self._models, "rerun": self._rerun, "compare": self._compare,
            "quit": self._quit, "buy": self._buy, "edit": self._edit, "vary": self._vary,
        }
        self.results: list[GenerationResult] = []  # every image shown: /vary N, /edit N
        unhandled = self.text.commands.unhandled(SURFACE, self.own)
        if unhandled:
            raise LookupError(f"console commands nothing runs: {unhandled}")

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
            i18n.set_locale(await self.app.languages.for_event(self.user, SURFACE, self.lang))
            await self._dispatch(text)
        except BotError as exc:
            self.write(f"⚠️ {exc.user_message}{replies.text_hint(exc)}")
        except Exception:  # noqa: BLE001 - the console's one error boundary
            log.exception("console command failed")
            self.write(f"⚠️ {replies.SORRY}")

    async def _dispatch(self, text: str) -> None:
        command, _, rest = text.partition(" ")
        if not command.startswith("/"):
            return await self._imagine(text)
        name = command[1:].lower()
        if self.table.get(SURFACE, name) is None:
            raise RequestError(replies.unknown_command(command))
        if name in self.own:
            return await self.own[name](rest)
        # The console user is the operator: an admin, in a "community" of its own.
        ctx = Context(self.user, SURFACE, is_admin=True, event_key=self._event(),
                      place=PLACE)
        await self.app.community.seen(ctx, self.user.name)
        reply = await self.text.handle(ctx, name, rest, self._resolve)
        self.write(reply.text)

    async def _help(self, rest: str = "") -> None:
        balance = await self.service.balance(self.user)
        self.write(help_text(self.table, SURFACE, self.service.catalog,
                             self.service.planner.intents, balance, self.demo_mode))

    async def _models(self, rest: str = "") -> None:
        self.write("\n".join(replies.model_lines(self.service.catalog, self.demo_mode)))

    async def _buy(self, rest: str = "") -> None:
        self.write(self.app.store.console_text())

    async def _quit(self, rest: str = "") -> None:
        """`run` stops at /quit before it gets here; a line handed to `handle` just ends."""

    async def _imagine(self, text: str) -> None:
        request = parse_imagine(text, self.service.catalog, self.service.planner.intents)
        result = await self.service.generate(request, self.user, self._event(), self._progress,
                                             place=PLACE)
        self._show(result)

    async def _rerun(self, arg: str) -> None:
        arg = arg.strip()
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
            return await self._compare("")
        if choice.action in ("vary", "vary_strong"):
            number = self.results.index(self.last) + 1
            return await self._vary(f"{number} {choice.action[5:]}")
        if choice.action == "edit":
            raise RequestError(edit_text.edit_usage())
        result = await self.service.rerun(
            self.last.job.id, self.user, self._event(), choice.model_id, self._progress,
            place=PLACE,
        )
        self._show(result)

    async def _compare(self, rest: str = "") -> None:
        if self.last is None:
            raise RequestError("Nothing to compare yet. Make an image with /imagine first.")
        outcomes = await self.service.compare(
            self.last.job.id, self.user, self._event(), self._progress, place=PLACE
        )
        for outcome in outcomes:
            if isinstance(outcome, GenerationFailed):
                self.write(f"⚠️ {outcome.user_message}")
            else:
                self._show(outcome, keep=False)

    async def _edit(self, rest: str) -> None:
        """`/edit <file path or result number> <what to change>`."""
        target, _, words = rest.strip().partition(" ")
        if not target:
            raise RequestError(edit_text.edit_usage())
        request = parse_edit(words, self.service.catalog)
        if target.isdigit():
            job_id = self._result(target).job.id
            result = await self.service.edit_result(job_id, request.instruction, self.user,
                                                    self._event(), model=request.model,
                                                    on_progress=self._progress, place=PLACE)
        else:
            image = await image_intake.normalise_async(self._read(target), label=target)
            result = await self.service.edit([image], request.instruction, self.user,
                                             self._event(), model=request.model,
                                             on_progress=self._progress, place=PLACE)
        self._show(result)

    async def _vary(self, rest: str) -> None:
        """`/vary [N] [strong]`: a variation of result N (default: the last one)."""
        words = rest.lower().split()
        strong = "strong" in words
        numbers = [w for w in words if w != "strong"]
        if len(numbers) > 1 or (numbers and not numbers[0].isdigit()):
            raise RequestError(edit_text.vary_usage())
        if numbers:
            job_id = self._result(numbers[0]).job.id
        elif self.results:
            job_id = self.results[-1].job.id
        else:
            raise RequestError(edit_text.no_result_number("1"))
        result = await self.service.vary(job_id, self.user, self._event(), strong=strong,
                                         on_progress=self._progress, place=PLACE)
        self._show(result)

    def _result(self, number: str) -> GenerationResult:
        index = int(number)
        if not 1 <= index <= len(self.results):
            raise RequestError(edit_text.no_result_number(number))
        return self.results[index - 1]

    @staticmethod
    def _read(path: str) -> bytes:
        file = Path(path).expanduser()
        try:
            image_intake.check_size(file.stat().st_size)
            return file.read_bytes()
        except OSError:
            raise RequestError(edit_text.unreadable_path(path)) from None

    def _show(self, result: GenerationResult, keep: bool = True) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = (
            self.out_dir
            / f"{result.job.id}-{result.model.id}{EXTENSIONS.get(result.image.mime, '.img')}"
        )
        path.write_bytes(result.image.data)
        self.write(f"🖼️  Saved {path} ({result.image.width}x{result.image.height})")
        self.write(replies.result_caption(result))
        self.results.append(result)
        number = len(self.results)
        if keep:
            self.last = result
            self.choices = replies.result_choices(
                result, self.service.catalog, self.service.planner
            )
            for i, choice in enumerate(self.choices, start=1):
                command = {"compare": "/compare", "vary": f"/vary {number}",
                           "vary_strong": f"/vary {number} strong",
                           "edit": f"/edit {number} …"}.get(choice.action, f"/rerun {i}")
                self.write(f"  {command:<10} {choice.label}")

    async def _resolve(self, word: str) -> tuple[UserRef, bool] | None:
        return await self.app.community.find_username(SURFACE, word)

    async def _deliver(self, job: Job, outcome: GenerationResult | GenerationFailed) -> None:
        """A console job nobody waits for any more (it finished after a restart)."""
        if isinstance(outcome, GenerationResult):
            self._show(outcome, keep=False)
        else:
            self.write(f"⚠️ {outcome.user_message}")

    async def _announce(self, outcome) -> None:  # type: ignore[no-untyped-def]
        self.write(outcome_text(outcome))

    async def _progress(self, progress: Progress) -> None:
        if progress.stage in ("queued", "started"):
            self.write(f"… {replies.progress_text(progress)}")

    @staticmethod
    def _event() -> str:
        return f"console:{uuid.uuid4().hex}"
