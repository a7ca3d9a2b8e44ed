-- One row per sync: who or what triggered it, each source's outcome, the diff, the outcome.
CREATE TABLE IF NOT EXISTS chatops.sync_runs (
    id           bigserial PRIMARY KEY,
    trigger      text NOT NULL,
    scope        text NOT NULL,
    dry_run      boolean NOT NULL DEFAULT false,
    force        boolean NOT NULL DEFAULT false,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    sources      jsonb NOT NULL DEFAULT '[]'::jsonb,
    diff         jsonb NOT NULL DEFAULT '{}'::jsonb,
    outcome      text NOT NULL DEFAULT 'running',
    reason       text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS sync_runs_started_at_idx ON chatops.sync_runs (started_at DESC);
