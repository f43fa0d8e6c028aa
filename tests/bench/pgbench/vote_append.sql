-- Today's vote transaction (issue 7 §2): the statements castVote runs, in order. The ballot row
-- is only read FOR SHARE (closing and folding take it exclusively); the participation and a
-- pending box row are inserted; no counter is updated (a fold adds pending rows later).
-- Run by `jiayuan-bench --pg` (see BENCHMARKS.md) with -D account=… ballot=… household=…
-- option=… session=…; each transaction is a new voter.
SELECT id, phone, name, password_hash, is_admin, session_epoch, created_at, EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = ':session' AND revoked_at IS NULL) AS session_alive FROM accounts WHERE id = ':account' LIMIT 1;
BEGIN;
INSERT INTO rate_limits (key, window_start, count) VALUES (gen_random_uuid()::text, now(), 1) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN rate_limits.window_start <= now() - interval '60 seconds' THEN 1 ELSE rate_limits.count + 1 END, window_start = CASE WHEN rate_limits.window_start <= now() - interval '60 seconds' THEN now() ELSE rate_limits.window_start END RETURNING count;
SELECT * FROM ballots WHERE id = ':ballot' LIMIT 1 FOR SHARE;
SELECT * FROM residents WHERE account_id = ':account' AND active AND linked_at IS NOT NULL;
SELECT * FROM ballot_voters WHERE ballot_id = ':ballot' AND voter_id = ':household' LIMIT 1;
SELECT * FROM ballot_options WHERE ballot_id = ':ballot' ORDER BY position;
INSERT INTO ballot_participation (id, ballot_id, voter_id, channel, cast_by) VALUES (gen_random_uuid()::text, ':ballot', gen_random_uuid()::text, 'ONLINE', ':account') RETURNING id;
INSERT INTO ballot_box (id, ballot_id, receipt_hash, option_ids, area, pending, counted_option_ids) VALUES (gen_random_uuid()::text, ':ballot', md5(random()::text), ':option', 10000, true, NULL) RETURNING id;
COMMIT;
SELECT pg_notify('jiayuan_pgbench', ':ballot');
