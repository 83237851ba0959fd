"""Every key and id the bot makes from platform events, in one place.

Idempotency rests on these strings: the same event must always give the same key, on every
process and every surface. Adapters call these instead of formatting their own.
"""

from __future__ import annotations

JOB_HOLD = "hold:"  # a generation's credits, held until it settles or is refunded


def interaction_event(platform: str, interaction_id: int | str) -> str:
    """A Discord interaction (a slash command or a click)."""
    return f"{platform}:{interaction_id}"


def message_event(platform: str, chat_id: int | str, message_id: int | str) -> str:
    """A chat message (a Telegram command or a prompt): unique per chat."""
    return f"{platform}:msg:{chat_id}:{message_id}"


def album_event(platform: str, chat_id: int | str, media_group_id: str) -> str:
    """An album (a Telegram media group): its parts arrive as separate messages, and the
    one request they make is keyed by the group, so it is charged once."""
    return f"{platform}:album:{chat_id}:{media_group_id}"


def callback_event(platform: str, query_id: str) -> str:
    """A button press (a Telegram callback query)."""
    return f"{platform}:cb:{query_id}"


def community(platform: str, kind: str, place_id: int | str) -> str:
    """Where something happens: `discord:guild:1`, `discord:dm:7`, `telegram:chat:-100`."""
    return f"{platform}:{kind}:{place_id}"


def job_hold(job_id: str) -> str:
    return f"{JOB_HOLD}{job_id}"


def is_job_hold(key: str) -> bool:
    return key.startswith(JOB_HOLD)


def giveaway_event(event_key: str) -> str:
    """The giveaway a start command makes (a repeat of the command finds it)."""
    return f"giveaway:{event_key}"


def giveaway_hold(giveaway_id: str) -> str:
    return f"giveaway:{giveaway_id}"


def purchase(platform: str, payment_id: str) -> str:
    """A payment's credits: keyed by the platform's own payment id (Telegram's
    telegram_payment_charge_id, a Discord entitlement id), never by the invoice payload,
    which an old invoice paid twice repeats."""
    return f"purchase:{platform}:{payment_id}"


def purchase_refund(platform: str, payment_id: str) -> str:
    """Taking a refunded payment's credits back (one reversal per payment)."""
    return f"purchase-refund:{platform}:{payment_id}"
