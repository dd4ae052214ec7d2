-- Indexes for every browse filter and sort the API offers (GET /api/pitches, /api/pitches/export).
-- Built CONCURRENTLY, so adding them to a live table never blocks writes; that cannot run inside a
-- transaction, hence V2__browse_indexes.sql.conf (executeInTransaction=false).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- sort=most-viewed: ORDER BY view_count DESC, id DESC, keyset (view_count, id) < ($1, $2).
-- INCLUDE (title) lets a page of ids and titles come from the index alone.
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_views_id_idx ON pitch (view_count DESC, id DESC) INCLUDE (title);

-- sort=title: ORDER BY title, id, keyset (title, id) > ($1, $2). COLLATE "C" would be faster but
-- the API sorts by the database's collation, which this index follows.
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_title_id_idx ON pitch (title, id);

-- status=published (the common public listing), newest first: a partial index that holds only the
-- published rows, so it is smaller than the full one and stays hot.
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_published_created_id_idx ON pitch (created_at DESC, id DESC)
    WHERE status = 'published';

-- format=..., newest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_format_created_id_idx ON pitch (format, created_at DESC, id DESC);

-- stage=..., newest first.
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_stage_created_id_idx
    ON pitch (production_stage, created_at DESC, id DESC);

-- q=...: title or logline ILIKE '%text%', answered by trigram GIN indexes (a bitmap OR of the two).
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_title_trgm_idx ON pitch USING gin (title gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS pitch_logline_trgm_idx ON pitch USING gin (logline gin_trgm_ops);
