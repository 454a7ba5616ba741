-- procode documents in PostgreSQL: one JSONB document per row, the
-- document's revision beside it (the compare-and-swap column), and the
-- columns hosts query derived from the document itself.

-- An ISO date ('2025-03-03') as a date, immutably (a text::date cast
-- depends on DateStyle, so it cannot feed a generated column).
CREATE FUNCTION procode_iso_date(t text) RETURNS date
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, substr(t, 9, 2)::int);

-- Services: what the practice offers, with the codes every booking starts from.
CREATE TABLE services (
    id         text PRIMARY KEY,
    revision   bigint NOT NULL CHECK (revision >= 1),
    doc        jsonb NOT NULL,
    name       text GENERATED ALWAYS AS (doc ->> 'name') STORED,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((doc ->> 'id') = id),
    CHECK ((doc ->> 'revision')::bigint = revision)
);

-- Encounters: a session with its invoice (procode's Encounter JSON,
-- {"session": {...}, "invoice": {...} or null}), keyed by the session id.
-- `revision` is procode's Encounter.revision (session's + invoice's).
CREATE TABLE encounters (
    id              text PRIMARY KEY,
    revision        bigint NOT NULL CHECK (revision >= 1),
    doc             jsonb NOT NULL,
    client_id       text NOT NULL GENERATED ALWAYS AS (doc -> 'session' ->> 'client_id') STORED,
    service_id      text NOT NULL GENERATED ALWAYS AS (doc -> 'session' ->> 'service_id') STORED,
    date_of_service date NOT NULL GENERATED ALWAYS AS (procode_iso_date(doc -> 'session' ->> 'date')) STORED,
    session_state   text NOT NULL GENERATED ALWAYS AS (doc -> 'session' ->> 'state') STORED,
    invoice_id      text GENERATED ALWAYS AS (doc -> 'invoice' ->> 'id') STORED,
    invoice_state   text GENERATED ALWAYS AS (doc -> 'invoice' ->> 'state') STORED,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((doc -> 'session' ->> 'id') = id),
    -- The column is the document's revision (procode: session's + invoice's).
    CHECK ((doc -> 'session' ->> 'revision')::bigint
           + coalesce((doc -> 'invoice' ->> 'revision')::bigint, 0) = revision)
);

-- What hosts look encounters up by: a client's history, a day's schedule,
-- the invoices in a state (open ones above all), an invoice by its id.
CREATE INDEX encounters_client ON encounters (client_id, date_of_service);
CREATE INDEX encounters_date ON encounters (date_of_service);
CREATE INDEX encounters_open_invoices ON encounters (invoice_state, date_of_service)
    WHERE invoice_state IN ('draft', 'sent');
CREATE UNIQUE INDEX encounters_invoice ON encounters (invoice_id) WHERE invoice_id IS NOT NULL;
