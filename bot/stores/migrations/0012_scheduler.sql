-- Scheduled work (issue 12): each firing claimed once across replicas, the daily counts the
-- report's trend reads, and the latest outcome of each of the bot's own checks.

-- One row per firing of a scheduled job. The (job_id, scheduled_for) pair is the claim: the
-- replica whose INSERT wins runs the firing; the others do nothing. A firing that no replica
-- ran within its grace time gets a row with outcome 'missed' (started_at NULL).
CREATE TABLE IF NOT EXISTS chatops.job_runs (
    id             bigserial PRIMARY KEY,
    job_id         text NOT NULL CHECK (char_length(job_id) BETWEEN 1 AND 100),
    scheduled_for  timestamptz NOT NULL,
    replica        text NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz,
    outcome        text NOT NULL
                   CHECK (outcome IN ('running', 'ok', 'failed', 'error', 'missed', 'interrupted')),
    detail         text NOT NULL DEFAULT '',
    CONSTRAINT job_runs_once UNIQUE (job_id, scheduled_for),
    CONSTRAINT job_runs_started_unless_missed
        CHECK (outcome = 'missed' OR started_at IS NOT NULL)
);
-- A replica marks its own unfinished rows interrupted when it starts again.
CREATE INDEX IF NOT EXISTS job_runs_running_idx
    ON chatops.job_runs (replica) WHERE outcome = 'running';

-- Active models per day, data source and provider, written by an idempotent snapshot of
-- public.models (after a sync and by the daily report). The row with source = '*' and
-- provider = '*' holds the day's total, so a day with zero models is still a known day.
-- The report reads at most 15 days of these rows and never scans history.
CREATE TABLE IF NOT EXISTS chatops.daily_model_counts (
    day          date NOT NULL,
    source       text NOT NULL,
    provider     text NOT NULL,
    active       integer NOT NULL CHECK (active >= 0),
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (day, source, provider)
);

-- The latest outcome of each of the bot's own checks (source checks, key checks), one row per
-- check id (its incident dedup key). facts holds what the next check compares with (the last
-- good model count, the backup's age, quota left).
CREATE TABLE IF NOT EXISTS chatops.check_results (
    check_id    text PRIMARY KEY CHECK (char_length(check_id) BETWEEN 1 AND 200),
    state       text NOT NULL CHECK (state IN ('ok', 'failed', 'unknown', 'skipped')),
    status      text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT '',
    facts       jsonb NOT NULL DEFAULT '{}'::jsonb,
    checked_at  timestamptz NOT NULL,
    changed_at  timestamptz NOT NULL
);
