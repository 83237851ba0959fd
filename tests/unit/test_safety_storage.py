"""The safety tables on both engines (the `db` fixture): levels, words, bans, the audit."""

from __future__ import annotations

from adapters.storage.database import Database
from adapters.storage.safety import SqlSafety
from bot.domain.safety import AuditEntry, Ban, Level

G = "discord:guild:1"


async def test_levels_per_server_and_channel(db: Database) -> None:
    store = SqlSafety(db)
    assert await store.levels(G, "10") == (None, None)
    await store.set_level(G, "", Level.STRICT, "discord:1", 1.0)
    await store.set_level(G, "10", Level.MATURE, "discord:1", 2.0)
    await store.set_level(G, "10", Level.STANDARD, "discord:2", 3.0)  # replaced, not added
    assert await store.levels(G, "10") == (Level.STRICT, Level.STANDARD)
    assert await store.levels(G, "11") == (Level.STRICT, None)
    assert await store.levels(G, "") == (Level.STRICT, None)
    assert await store.levels("discord:guild:2", "10") == (None, None)
    await store.set_level(G, "10", None, "discord:1", 4.0)
    assert await store.levels(G, "10") == (Level.STRICT, None)


async def test_words_add_remove_list_and_limit(db: Database) -> None:
    store = SqlSafety(db)
    assert await store.add_word(G, "clown", "a", 1.0, limit=2) is True
    assert await store.add_word(G, "clown", "a", 2.0, limit=2) is False
    assert await store.add_word(G, "re:corp", "a", 3.0, limit=2) is True
    assert await store.add_word(G, "mime", "a", 4.0, limit=2) is None  # full
    assert await store.words(G) == ["clown", "re:corp"]
    assert await store.words("telegram:chat:-1") == []
    assert await store.remove_word(G, "clown") is True
    assert await store.remove_word(G, "clown") is False
    assert await store.words(G) == ["re:corp"]


async def test_bans_expire_and_lift(db: Database) -> None:
    store = SqlSafety(db)
    await store.ban(G, "discord", "5", Ban(until=100.0, reason="spam", by="discord:1"), 0.0)
    assert await store.active_ban(G, "discord", "5", 50.0) == Ban(100.0, "spam", "discord:1")
    assert await store.active_ban(G, "discord", "5", 100.0) is None  # expired
    assert await store.active_ban("discord:guild:2", "discord", "5", 50.0) is None
    await store.ban(G, "discord", "5", Ban(until=None, reason="", by="discord:1"), 60.0)
    assert (await store.active_ban(G, "discord", "5", 1e12)) is not None  # until lifted
    assert await store.unban(G, "discord", "5") is True
    assert await store.unban(G, "discord", "5") is False
    assert await store.active_ban(G, "discord", "5", 61.0) is None


async def test_audit_counts_lists_and_prunes_old_rows(db: Database) -> None:
    store = SqlSafety(db)
    for at in (10.0, 20.0, 30.0):
        await store.audit(AuditEntry(at, "discord", G, "5", "blocked", "level",
                                     channel="10", model_id="flux-pro"), keep_after=0.0)
    await store.audit(AuditEntry(31.0, "discord", G, "6", "flagged", "sexual",
                                 route="fal", vendor_reason="has_nsfw_concepts",
                                 prompt="kept"), keep_after=0.0)
    assert await store.count(G, "discord", "5", "blocked", since=15.0) == 2
    assert await store.count(G, "discord", "6", "blocked", since=0.0) == 0
    rows = await store.log(G, None, None, 10)
    assert [r.at for r in rows] == [31.0, 30.0, 20.0, 10.0]
    assert rows[0].route == "fal" and rows[0].prompt == "kept" and rows[1].prompt is None
    assert [r.at for r in await store.log(G, "discord", "5", 2)] == [30.0, 20.0]
    # A write deletes what is older than the retention window, in the same transaction.
    await store.audit(AuditEntry(40.0, "discord", G, "5", "blocked", "server"), keep_after=25.0)
    assert [r.at for r in await store.log(G, None, None, 10)] == [40.0, 31.0, 30.0]
