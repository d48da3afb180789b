-- 0004: on SQLite, feed entries move to a table ordered by contact (see migrations/sqlite). PostgreSQL keeps rows
-- in a heap whatever the key's order, and its index by canonical form serves the start-up read: nothing changes.
SELECT 1;
