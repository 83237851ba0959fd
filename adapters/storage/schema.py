"""Schema migrations, applied in order at start. `PRAGMA user_version` records the version.

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: wallets, identities, the append-only ledger, holds, jobs.
    """
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        balance INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
        created_at REAL NOT NULL
    );
    CREATE TABLE identities (
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    CREATE INDEX identities_account ON identities(account_id);
    CREATE TABLE ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        delta INTEGER NOT NULL,
        balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
        reason TEXT NOT NULL,
        reference TEXT NOT NULL DEFAULT '',
        idempotency_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE INDEX ledger_account ON ledger(account_id, id);
    CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
    CREATE TABLE holds (
        key TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        amount INTEGER NOT NULL CHECK (amount >= 0),
        status TEXT NOT NULL CHECK (status IN ('held', 'settled', 'released')),
        reference TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX holds_open ON holds(status) WHERE status = 'held';
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        prompt TEXT NOT NULL,
        model_id TEXT NOT NULL,
        intent TEXT NOT NULL,
        reason TEXT NOT NULL,
        aspect TEXT NOT NULL,
        seed INTEGER,
        cost INTEGER NOT NULL CHECK (cost >= 0),
        event_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        parent_id TEXT,
        provider TEXT,
        provider_handle TEXT NOT NULL DEFAULT '{}',
        chat_ref TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        created_at REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX jobs_unfinished ON jobs(status) WHERE status IN ('queued', 'running');
    """,
    # 2: community credits: members seen per community, wallet links, giveaways, admin log.
    """
    ALTER TABLE accounts ADD COLUMN merged_into INTEGER REFERENCES accounts(id);
    CREATE TABLE members (
        platform TEXT NOT NULL,
        community TEXT NOT NULL,
        user_id TEXT NOT NULL,
        username TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        is_bot INTEGER NOT NULL DEFAULT 0,
        last_seen REAL NOT NULL,
        PRIMARY KEY (platform, community, user_id)
    );
    CREATE INDEX members_username ON members(platform, lower(username));
    CREATE TABLE link_codes (
        code_hash TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        expires_at REAL NOT NULL,
        used_at REAL
    );
    CREATE TABLE link_attempts (
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX link_attempts_user ON link_attempts(platform, user_id, at);
    CREATE TABLE giveaways (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        community TEXT NOT NULL,
        host_platform TEXT NOT NULL,
        host_user_id TEXT NOT NULL,
        host_account INTEGER NOT NULL REFERENCES accounts(id),
        funded_by TEXT NOT NULL CHECK (funded_by IN ('bot', 'host')),
        credits_each INTEGER NOT NULL CHECK (credits_each > 0),
        winners INTEGER NOT NULL CHECK (winners BETWEEN 1 AND 50),
        title TEXT NOT NULL DEFAULT '',
        ends_at REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'ended', 'cancelled')),
        message_ref TEXT NOT NULL DEFAULT '{}',
        event_key TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE INDEX giveaways_running ON giveaways(status, ends_at) WHERE status = 'running';
    CREATE TABLE giveaway_entries (
        giveaway_id TEXT NOT NULL REFERENCES giveaways(id),
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        entered_at REAL NOT NULL,
        won INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (giveaway_id, platform, user_id)
    );
    CREATE TABLE admin_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        platform TEXT NOT NULL,
        community TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '',
        allowed INTEGER NOT NULL
    );
    """,
    # 3: remember whether a giveaway's end was announced, so a crash between paying the
    # winners and telling them is announced at the next start. Old ones count as announced.
    """
    ALTER TABLE giveaways ADD COLUMN announced_at REAL;
    UPDATE giveaways SET announced_at = ended_at WHERE status != 'running';
    """,
    # 4: the durable job queue shared by every process (claims with leases), the fleet's
    # processes (heartbeats) and Discord's identify windows.
    """
    ALTER TABLE jobs ADD COLUMN request_key TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
    ALTER TABLE jobs ADD COLUMN lease_until REAL;
    ALTER TABLE jobs ADD COLUMN deadline_at REAL;
    ALTER TABLE jobs ADD COLUMN called_at REAL;
    CREATE INDEX jobs_queued ON jobs(created_at, id) WHERE status = 'queued';
    CREATE INDEX jobs_open_by_account ON jobs(account_id) WHERE status IN ('queued', 'running');
    CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        platforms TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        seen_at REAL NOT NULL
    );
    CREATE TABLE identify_slots (
        bucket INTEGER PRIMARY KEY,
        next_at REAL NOT NULL
    );
    """,
    # 5: token buckets the whole fleet shares (a platform's per-bot send limits).
    """
    CREATE TABLE rate_buckets (
        key TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 6: credit packs bought in chat (Telegram Stars, Discord SKUs), one row per payment.
    # The ledger row that credits it is written in the same transaction; `shortfall` is what
    # a refund could not take back because it was spent.
    """
    CREATE TABLE purchases (
        platform TEXT NOT NULL,
        payment_id TEXT NOT NULL,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        user_id TEXT NOT NULL,
        pack_id TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits > 0),
        price INTEGER NOT NULL DEFAULT 0,
        payload TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('credited', 'refunded')),
        consumed INTEGER NOT NULL DEFAULT 0,
        taken_back INTEGER NOT NULL DEFAULT 0,
        shortfall INTEGER NOT NULL DEFAULT 0 CHECK (shortfall >= 0),
        created_at REAL NOT NULL,
        refunded_at REAL,
        PRIMARY KEY (platform, payment_id)
    );
    CREATE INDEX purchases_account ON purchases(account_id, created_at);
    CREATE INDEX purchases_unconsumed ON purchases(platform) WHERE consumed = 0;
    """,
    # 7: the safety policy per server and channel, each server's own words, bans and
    # timeouts, the audit of what was blocked, refused or flagged, and each job's level
    # (which vendor safety fields it is sent with).
    """
    CREATE TABLE safety_levels (
        community TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        level TEXT NOT NULL CHECK (level IN ('strict', 'standard', 'mature')),
        set_by TEXT NOT NULL,
        set_at REAL NOT NULL,
        PRIMARY KEY (community, channel)
    );
    CREATE TABLE safety_words (
        community TEXT NOT NULL,
        word TEXT NOT NULL,
        added_by TEXT NOT NULL,
        added_at REAL NOT NULL,
        PRIMARY KEY (community, word)
    );
    CREATE TABLE safety_bans (
        community TEXT NOT NULL,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        until REAL,
        reason TEXT NOT NULL DEFAULT '',
        banned_by TEXT NOT NULL,
        auto INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        PRIMARY KEY (community, platform, user_id)
    );
    CREATE TABLE safety_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        platform TEXT NOT NULL,
        community TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        user_id TEXT NOT NULL,
        model_id TEXT NOT NULL DEFAULT '',
        route TEXT NOT NULL DEFAULT '',
        verdict TEXT NOT NULL,
        rule TEXT NOT NULL DEFAULT '',
        vendor_reason TEXT NOT NULL DEFAULT '',
        prompt TEXT
    );
    CREATE INDEX safety_audit_place ON safety_audit(community, at);
    CREATE INDEX safety_audit_user ON safety_audit(community, platform, user_id, verdict, at);
    CREATE INDEX safety_audit_age ON safety_audit(at);
    ALTER TABLE jobs ADD COLUMN safety_level TEXT NOT NULL DEFAULT 'strict';
    """,
    # 8: pictures to edit (issue 16), stored once by content (`digest`: sha256 of the
    # normalised bytes) and linked to each job in order; a job's kind, and the digest of
    # the image it made (so Vary of a result, and Vary of a Vary, work days later).
    """
    CREATE TABLE images (
        digest TEXT PRIMARY KEY,
        data BLOB NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE job_images (
        job_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        digest TEXT NOT NULL REFERENCES images(digest),
        PRIMARY KEY (job_id, position)
    );
    ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'generate'
        CHECK (kind IN ('generate', 'edit', 'vary', 'vary_strong'));
    ALTER TABLE jobs ADD COLUMN output_digest TEXT;
    """,
    # 9: the language each person (by account, so it follows linked wallets) and each server
    # or group chose (/language), and the requester's language on each job (a result
    # delivered after a restart is still in their language).
    """
    CREATE TABLE locale_prefs (
        scope TEXT PRIMARY KEY,
        locale TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at REAL NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN locale TEXT NOT NULL DEFAULT '';
    """,
]
