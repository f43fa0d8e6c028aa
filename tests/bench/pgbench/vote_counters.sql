-- The vote transaction before issue 7 §2 (for comparison): the same statements castVote ran
-- then, in order, with counters on the ballot row and the option row that every vote updates.
-- Run by `jiayuan-bench --pg` (see BENCHMARKS.md) with -D account=… community=… ballot=…
-- household=… option=…; each transaction is a new voter.
SELECT id, phone, name, password_hash, is_admin, session_epoch, created_at FROM accounts WHERE id = ':account' LIMIT 1;
BEGIN;
INSERT INTO rate_limits (key, window_start, count) VALUES (gen_random_uuid()::text, now(), 1) ON CONFLICT (key) DO UPDATE SET count = CASE WHEN rate_limits.window_start <= now() - interval '60 seconds' THEN 1 ELSE rate_limits.count + 1 END, window_start = CASE WHEN rate_limits.window_start <= now() - interval '60 seconds' THEN now() ELSE rate_limits.window_start END RETURNING count;
SELECT * FROM ballots WHERE id = ':ballot' LIMIT 1;
SELECT * FROM residents WHERE account_id = ':account' AND community_id = ':community' AND active AND linked_at IS NOT NULL LIMIT 1;
SELECT * FROM role_grants WHERE account_id = ':account' AND community_id = ':community';
SELECT * FROM communities WHERE id = ':community' LIMIT 1;
SELECT * FROM residents WHERE account_id = ':account' AND community_id = ':community' AND active AND linked_at IS NOT NULL LIMIT 1;
SELECT * FROM ballot_voters WHERE ballot_id = ':ballot' AND voter_id = ':household' LIMIT 1;
SELECT * FROM ballot_options WHERE ballot_id = ':ballot' ORDER BY position;
UPDATE ballots SET turnout_count = turnout_count + 1, turnout_area = turnout_area + 10000 WHERE id = ':ballot' AND status = 'OPEN' AND closes_at > now();
INSERT INTO ballot_participation (id, ballot_id, voter_id, channel, cast_by) VALUES (gen_random_uuid()::text, ':ballot', gen_random_uuid()::text, 'ONLINE', ':account') RETURNING id;
INSERT INTO ballot_box (id, ballot_id, receipt_hash, option_ids, area, pending, counted_option_ids) VALUES (gen_random_uuid()::text, ':ballot', md5(random()::text), ':option', 10000, false, ':option') RETURNING id;
UPDATE ballot_options SET votes = votes + 1, area = area + 10000 WHERE id IN (':option');
COMMIT;
