-- The bot's own schema. Never touches public.
CREATE SCHEMA IF NOT EXISTS chatops;

CREATE TABLE IF NOT EXISTS chatops.bot_errors (
    id          bigserial PRIMARY KEY,
    error_id    text NOT NULL,
    source      text NOT NULL,
    summary     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bot_errors_created_at_idx ON chatops.bot_errors (created_at DESC);
