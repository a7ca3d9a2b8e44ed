-- Authorisation decisions (issue 9): every operator-only command, button press and dialog
-- submission the bot was asked for — who, from which workspace, what, when, allowed or
-- refused, and why. Written by the handler pipeline's authorisation step.
CREATE TABLE IF NOT EXISTS chatops.audit (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    user_id  text NOT NULL,
    team_id  text,
    what     text NOT NULL CHECK (char_length(what) BETWEEN 1 AND 200),
    allowed  boolean NOT NULL,
    why      text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_at_idx ON chatops.audit (at DESC);
CREATE INDEX IF NOT EXISTS audit_user_idx ON chatops.audit (user_id, at DESC);
