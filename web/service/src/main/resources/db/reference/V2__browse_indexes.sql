-- The owner's foreign key and the indexes for every browse filter and sort the API offers
-- (GET /api/pitches, /api/pitches/export, GET /api/users/{id}).
--
-- Applied at start-up right after the seed and before the service takes any traffic, so plain
-- CREATE INDEX: one pass over the table, and the SHARE lock it holds blocks nobody yet. (A later
-- migration adding an index to a table that is already serving would build it CONCURRENTLY, outside
-- a transaction, so as never to block writes; that costs a second pass and waits, start-up's
-- largest step when this migration did so.) One transaction: all of it or none.

-- Sorting and the GIN builds work in memory rather than in temporary files.
SET LOCAL maintenance_work_mem = '256MB';

ALTER TABLE pitch ADD CONSTRAINT pitch_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES app_user (id);

-- The default browse order (newest first), keyset (created_at, id) < ($1, $2).
CREATE INDEX pitch_created_id_idx ON pitch (created_at DESC, id DESC);
-- genre=..., newest first.
CREATE INDEX pitch_genre_created_id_idx ON pitch (genre, created_at DESC, id DESC);
-- status=..., newest first.
CREATE INDEX pitch_status_created_id_idx ON pitch (status, created_at DESC, id DESC);
-- A user's pitches (GET /api/users/{id}) and the foreign key's checks when a user is deleted.
CREATE INDEX pitch_owner_idx ON pitch (owner_id, created_at DESC, id DESC);

-- sort=most-viewed: ORDER BY view_count DESC, id DESC, keyset (view_count, id) < ($1, $2).
-- INCLUDE (title) lets a page of ids and titles come from the index alone.
CREATE INDEX pitch_views_id_idx ON pitch (view_count DESC, id DESC) INCLUDE (title);

-- sort=title: ORDER BY title, id, keyset (title, id) > ($1, $2). COLLATE "C" would be faster but
-- the API sorts by the database's collation, which this index follows.
CREATE INDEX pitch_title_id_idx ON pitch (title, id);

-- status=published (the common public listing), newest first: a partial index that holds only the
-- published rows, so it is smaller than the full one and stays hot.
CREATE INDEX pitch_published_created_id_idx ON pitch (created_at DESC, id DESC) WHERE status = 'published';

-- format=..., newest first.
CREATE INDEX pitch_format_created_id_idx ON pitch (format, created_at DESC, id DESC);

-- stage=..., newest first.
CREATE INDEX pitch_stage_created_id_idx ON pitch (production_stage, created_at DESC, id DESC);

-- q=...: title or logline ILIKE '%text%', answered by trigram GIN indexes (a bitmap OR of the two).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX pitch_title_trgm_idx ON pitch USING gin (title gin_trgm_ops);
CREATE INDEX pitch_logline_trgm_idx ON pitch USING gin (logline gin_trgm_ops);
