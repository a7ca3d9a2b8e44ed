-- Incidents (issue 10): alerts in, escalation Level 1 -> 2 -> 3, each transition exactly once.
-- The state of every incident lives here; Slack only shows it.

CREATE TABLE IF NOT EXISTS chatops.incidents (
    id                    bigserial PRIMARY KEY,
    dedup_key             text NOT NULL CHECK (char_length(dedup_key) BETWEEN 1 AND 200),
    title                 text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    severity              text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    source                text NOT NULL,
    details               jsonb,
    state                 text NOT NULL DEFAULT 'open'
                          CHECK (state IN ('open', 'acknowledged', 'resolved')),
    level                 smallint NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 3),
    count                 bigint NOT NULL DEFAULT 1 CHECK (count >= 1),
    first_seen            timestamptz NOT NULL,
    last_seen             timestamptz NOT NULL,
    channel               text,
    message_ts            text,
    opened_at             timestamptz NOT NULL,
    opened_by             text NOT NULL,
    acknowledged_at       timestamptz,
    acknowledged_by       text,
    resolved_at           timestamptz,
    resolved_by           text,
    resolution_note       text,
    escalated_at          timestamptz,
    escalated_by          text,
    escalated_level       smallint CHECK (escalated_level BETWEEN 2 AND 3),
    escalation_round      integer NOT NULL DEFAULT 0 CHECK (escalation_round >= 0),
    escalation_step       smallint CHECK (escalation_step BETWEEN 0 AND 2),
    updated_at            timestamptz NOT NULL,
    CONSTRAINT incidents_ack_has_who_when
        CHECK (state <> 'acknowledged' OR (acknowledged_at IS NOT NULL AND acknowledged_by IS NOT NULL)),
    CONSTRAINT incidents_resolved_has_who_when
        CHECK (state <> 'resolved' OR (resolved_at IS NOT NULL AND resolved_by IS NOT NULL))
);
-- One open incident per dedup key; a resolved one may be followed by a new one.
CREATE UNIQUE INDEX IF NOT EXISTS incidents_open_dedup_key_uidx
    ON chatops.incidents (dedup_key) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS incidents_open_idx
    ON chatops.incidents (severity, opened_at) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS incidents_opened_at_idx ON chatops.incidents (opened_at);
CREATE INDEX IF NOT EXISTS incidents_acknowledged_at_idx
    ON chatops.incidents (acknowledged_at) WHERE acknowledged_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS incidents_resolved_at_idx
    ON chatops.incidents (resolved_at) WHERE resolved_at IS NOT NULL;

-- The append-only timeline of each incident; also the outbox of its Slack thread lines:
-- a line with thread = true and posted_at IS NULL has not reached Slack yet.
CREATE TABLE IF NOT EXISTS chatops.incident_events (
    id           bigserial PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES chatops.incidents (id),
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    kind         text NOT NULL,
    from_state   text,
    to_state     text,
    from_level   smallint,
    to_level     smallint,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    thread       boolean NOT NULL DEFAULT true,
    posted_at    timestamptz
);
CREATE INDEX IF NOT EXISTS incident_events_incident_idx
    ON chatops.incident_events (incident_id, id);
CREATE INDEX IF NOT EXISTS incident_events_outbox_idx
    ON chatops.incident_events (id) WHERE thread AND posted_at IS NULL;
CREATE INDEX IF NOT EXISTS incident_events_at_idx ON chatops.incident_events (at);

-- Only posted_at may change on a timeline row, and no row is ever deleted.
CREATE OR REPLACE FUNCTION chatops.incident_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'chatops.incident_events is append-only';
    END IF;
    IF (NEW.id, NEW.incident_id, NEW.at, NEW.actor, NEW.kind, NEW.from_state, NEW.to_state,
        NEW.from_level, NEW.to_level, NEW.detail, NEW.thread)
       IS DISTINCT FROM
       (OLD.id, OLD.incident_id, OLD.at, OLD.actor, OLD.kind, OLD.from_state, OLD.to_state,
        OLD.from_level, OLD.to_level, OLD.detail, OLD.thread) THEN
        RAISE EXCEPTION 'chatops.incident_events is append-only (only posted_at may be set)';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS incident_events_append_only ON chatops.incident_events;
CREATE TRIGGER incident_events_append_only
    BEFORE UPDATE OR DELETE ON chatops.incident_events
    FOR EACH ROW EXECUTE FUNCTION chatops.incident_events_append_only();

-- Escalation timers: due rows are claimed once across replicas (FOR UPDATE SKIP LOCKED,
-- fired_at set in the same transaction as the escalation it performs).
CREATE TABLE IF NOT EXISTS chatops.incident_timers (
    id            bigserial PRIMARY KEY,
    incident_id   bigint NOT NULL REFERENCES chatops.incidents (id),
    kind          text NOT NULL CHECK (kind IN ('escalate')),
    due_at        timestamptz NOT NULL,
    round         integer NOT NULL CHECK (round >= 0),
    step          smallint NOT NULL CHECK (step BETWEEN 0 AND 2),
    created_at    timestamptz NOT NULL,
    fired_at      timestamptz,
    fired_by      text,
    cancelled_at  timestamptz,
    outcome       text
);
CREATE UNIQUE INDEX IF NOT EXISTS incident_timers_one_pending_uidx
    ON chatops.incident_timers (incident_id, kind) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX IF NOT EXISTS incident_timers_due_idx
    ON chatops.incident_timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Consecutive failures of the bot's own checks, so a single flap opens no incident.
CREATE TABLE IF NOT EXISTS chatops.check_streaks (
    dedup_key   text PRIMARY KEY,
    failures    integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_ok     boolean NOT NULL,
    last_at     timestamptz NOT NULL
);
