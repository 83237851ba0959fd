"""Domain errors. Each carries a message that is safe to show a person in chat.

    BotError                  known and user-facing; `user_message` is what chat shows
    ├── RequestError          the input cannot be understood (bad option, empty prompt ...)
    │   ├── UnknownModel      a model name nobody offers ("did you mean ...")
    │   ├── BadImage          a picture to edit that is missing, too large or unreadable
    │   └── CannotEdit        an edit asked of a model that takes no pictures
    ├── InsufficientCredits   not enough credits; `needed`, `balance`, `suggestion`
    ├── TooManyJobs           the person's limit of requests in flight
    ├── JobNotFound           a button or command names a job that does not exist
    ├── GenerationFailed      the image could not be made; refunded before it is raised
    ├── DuplicateEvent        the same platform event again; handled once already
    ├── HandedOff             another process of the fleet finishes (and posts) the job
    ├── ShuttingDown          this process is stopping: a new request is refused, or a job
    │                         that outlived the shutdown grace was stopped (and refunded)
    └── PermissionDenied      an admin action by someone who is not one

Provider errors (`bot.domain.providers.ProviderError`: unavailable / rejected) stay inside
the runner, which turns them into GenerationFailed. Anything else is a bug: each platform's
one error boundary logs it and apologises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# A stale or forged button, wherever it is pressed (the one wording every surface uses).
BUTTON_EXPIRED = "This button has expired. Start a new one with /imagine."
# The words of ShuttingDown: a request refused while stopping, a job stopped after the grace.
RESTARTING = "I'm restarting right now. Please try again in a minute."
STOPPED_AND_REFUNDED = "I'm restarting, so I stopped this one. Its credits were refunded."


# How a keyed message is put into the reader's language: bot.i18n installs it. The domain
# imports nothing of ours, so the catalogs reach it only through this hook.
Translate = Callable[[str, dict[str, Any]], str | None]  # None: no such key, say the English
translator: Translate | None = None


class BotError(Exception):
    """A known, user-facing failure. `user_message` is what the chat surfaces show.

    With a catalog `key` (and its `params`), `user_message` is rendered when it is read, in
    the locale of the event reading it (set by the platform boundary); the English text
    given is the fallback and what logs and `str(exc)` show."""

    def __init__(self, user_message: str, *, key: str = "", **params: Any) -> None:
        super().__init__(user_message)
        self.english = user_message
        self.key = key
        self.params = params

    @property
    def user_message(self) -> str:
        if self.key and translator is not None:
            said = translator(self.key, self.params)
            if said is not None:
                return said
        return self.english


class RequestError(BotError):
    """The person's input cannot be understood (bad option, empty prompt, ...)."""


class UnknownModel(RequestError):
    pass


class BadImage(RequestError):
    """A picture for an edit that is missing, too large, not an image or damaged; nothing
    was charged."""


class CannotEdit(RequestError):
    """An edit asked of a model that takes no pictures; `suggestion` is the nearest model
    that can (a model id), or None."""

    def __init__(self, user_message: str, suggestion: str | None = None) -> None:
        super().__init__(user_message)
        self.suggestion = suggestion


class InsufficientCredits(BotError):
    def __init__(self, user_message: str, *, needed: int = 0, balance: int = 0,
                 key: str = "", **params: Any) -> None:
        super().__init__(user_message, key=key, **params)
        self.needed = needed
        self.balance = balance
        self.suggestion: str | None = None  # a model id the person can afford, if any


class TooManyJobs(BotError):
    """The person already has the maximum number of jobs in flight."""


class JobNotFound(BotError):
    """A button or command names a job that does not exist (stale or forged)."""


class GenerationFailed(BotError):
    """The image could not be made; the credits were refunded before this is raised."""

    def __init__(self, user_message: str, *, rejected: bool = False, key: str = "",
                 **params: Any) -> None:
        super().__init__(user_message, key=key, **params)
        self.rejected = rejected


class DuplicateEvent(BotError):
    """The same platform event (click, update) arrived again; it was handled once already."""

    def __init__(self, user_message: str, job_id: str, key: str = "", **params: Any) -> None:
        super().__init__(user_message, key=key, **params)
        self.job_id = job_id


class PermissionDenied(BotError):
    pass


class HandedOff(BotError):
    """Another process of the fleet took the job over; it posts the result to the chat.
    The surface that asked leaves its status message as it is."""

    def __init__(self, job_id: str) -> None:
        super().__init__("Another worker of this bot is finishing your image.",
                         key="handed-off")
        self.job_id = job_id


class ShuttingDown(BotError):
    """This process is stopping (see bot/services/shutdown.py). Raised to the surface that
    asked, after any refund; every surface renders its message like any other BotError."""
