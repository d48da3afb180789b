-- 0004: feed entries kept in the order of their contacts. The index is built at start-up by reading every
-- contact's signals in canonical order; feed rows in a table ordered by insertion were each fetched from a random
-- page (a 10M-entry feed: two thirds of a 60 s start-up). Without a rowid, the rows live in their primary key's
-- B-tree, contact first, so that read is sequential, and an import writes one B-tree instead of a table and two
-- indexes. The key's columns are the same (the upsert's conflict target); their order changes.
CREATE TABLE feed_entries_by_contact (
    canonical TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    trust_level INTEGER NOT NULL,
    scam_type TEXT,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (canonical, source)
) WITHOUT ROWID;
INSERT INTO feed_entries_by_contact (canonical, source, kind, trust_level, scam_type, first_seen_at, last_seen_at)
    SELECT canonical, source, kind, trust_level, scam_type, first_seen_at, last_seen_at FROM feed_entries
    ORDER BY canonical, source;
DROP TABLE feed_entries;
ALTER TABLE feed_entries_by_contact RENAME TO feed_entries;
