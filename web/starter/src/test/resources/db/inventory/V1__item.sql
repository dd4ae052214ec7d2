-- The sample application's own schema.
CREATE TABLE item (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    quantity integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_newest ON item (created_at DESC, id DESC);
CREATE INDEX item_name ON item (name, id);
-- What the routes read: the items, and whether the node serving the read is a replica.
CREATE VIEW item_read AS SELECT id, name, quantity, created_at, pg_is_in_recovery() AS from_replica FROM item;
-- Stock movements, written and read back through Spring's DatabaseClient.
CREATE TABLE movement (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    note text NOT NULL,
    quantity integer NOT NULL
);
CREATE VIEW movement_read AS SELECT id, note, quantity, pg_is_in_recovery() AS from_replica FROM movement;
