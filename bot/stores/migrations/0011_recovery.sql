-- Recoveries (issue 11): one row per /recover or `aisi-bot recover`, refused ones included.
-- The audit of who ran which steps with which options, and how each step ended.
CREATE TABLE IF NOT EXISTS chatops.recovery_runs (
    id               bigserial PRIMARY KEY,
    actor            text NOT NULL,
    idempotency_key  text UNIQUE CHECK (char_length(idempotency_key) BETWEEN 1 AND 200),
    dry_run          boolean NOT NULL DEFAULT false,
    options          jsonb NOT NULL,
    steps            jsonb NOT NULL DEFAULT '[]'::jsonb,
    outcome          text NOT NULL DEFAULT 'running'
                     CHECK (outcome IN ('running', 'ok', 'failed', 'partial', 'refused',
                                        'interrupted')),
    reason           text NOT NULL DEFAULT '',
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz,
    incident_id      bigint,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT recovery_runs_finished_has_when
        CHECK (outcome = 'running' OR finished_at IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS recovery_runs_started_at_idx ON chatops.recovery_runs (started_at DESC);
CREATE INDEX IF NOT EXISTS recovery_runs_running_idx
    ON chatops.recovery_runs (started_at) WHERE outcome = 'running';
