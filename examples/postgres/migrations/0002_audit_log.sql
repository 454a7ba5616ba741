-- The audit log: one row per stored change of a document, appended in the
-- same transaction as the change (so a change is stored with its row or
-- not at all), never updated or deleted.
CREATE TABLE audit_log (
    seq           bigserial PRIMARY KEY,
    -- The host's id of the operation (idempotency key).
    op_id         uuid NOT NULL UNIQUE,
    document_kind text NOT NULL CHECK (document_kind IN ('service', 'encounter')),
    document_id   text NOT NULL,
    -- The compare-and-swap step: the revision loaded and the one stored.
    revision_from bigint NOT NULL CHECK (revision_from >= 0),
    revision_to   bigint NOT NULL CHECK (revision_to > revision_from),
    actor         text NOT NULL,
    at            timestamptz NOT NULL,
    operation     text NOT NULL,
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The entries the change added to procode's own audit logs, per
    -- document: {"session": [...], "invoice": [...]} (or {"service": [...]}).
    entries       jsonb NOT NULL DEFAULT '{}'::jsonb,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (document_kind, document_id, revision_to)
);
CREATE INDEX audit_log_document ON audit_log (document_kind, document_id, revision_to);

CREATE FUNCTION procode_audit_log_is_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION procode_audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION procode_audit_log_is_append_only();
