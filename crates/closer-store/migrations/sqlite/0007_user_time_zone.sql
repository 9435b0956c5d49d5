-- The IANA time zone a user lives in ('Asia/Shanghai'): meetings are typed and shown, and days
-- begin, on its clocks. NULL is UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT;
