-- fixture_candidates.sql: arena candidates with planted truth, applied after schema/schema.sql by
-- test_candidates.py (which holds the expected numbers). A server (pid 777, 2 s, one allocation
-- in 64 followed, 100 Hz CPU sampling, handle_request verified with record --verify):
--   new_node (parser.c:88), 40 objects, and dup_str (util.c:12), 20 objects: born and freed in
--     the same invocation of handle_request (10 invocations: 4 new_node of 32 B and 2 dup_str of
--     16*i B in invocation i), freed by free_tree (the new_node ones through its recursion):
--     one verified candidate listing both sites, recommended;
--   cache_put (cache.c:10), 30 objects: 27 still live at the end (long-lived, 90%);
--   make_msg (queue.c:5), 25 objects: scope inferred as handle_request, but freed in the next
--     invocation (alloc_inv != free_inv): escapes scope;
--   produce (queue.c:30), 20 objects: allocated by thread 101, freed by thread 102;
--   render (report.c:15), 30 objects in render_page (not probed): an unverified candidate; three
--     invocations at one stack address (scope CFA 0x7ffc1000), 10 objects of 100*w B in the w-th;
--   tiny_alloc (misc.c:3), 5 objects: too few to judge.
-- CPU (200 samples, 10 of them the profiler's): malloc under new_node 40, dup_str 10, cache_put
-- 10, make_msg 10, produce 10, render 20; free under free_tree 30, drain 5, consume 5,
-- free_page 10; compute 40.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.3.0'),
	('pid', '777'),
	('command', './server'),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('track_every', '64'),
	('duration_ns', '2000000000'),
	('end_reason', 'signal'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 10880), ('bytes', 1000000), ('frees', 9000), ('lost_events', 0),
	('cpu_samples', 200), ('cpu_lost', 0), ('objects_tracked', 170);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/server', 'aa'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb'),
	(3, '[kernel.kallsyms]', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 1000, 0, 'main', 'server.c', 100),
	(2, 1, 1100, 0, 'handle_request', 'server.c', 40),
	(3, 1, 1200, 0, 'parse', 'server.c', 60),
	(4, 1, 1300, 0, 'new_node', 'parser.c', 88),
	(5, 1, 1400, 0, 'dup_str', 'util.c', 12),
	(6, 1, 1500, 0, 'free_tree', 'tree.c', 20),
	(7, 1, 1600, 0, 'free_tree', 'tree.c', 22),
	(8, 1, 1700, 0, 'cache_put', 'cache.c', 10),
	(10, 1, 1900, 0, 'make_msg', 'queue.c', 5),
	(11, 1, 2000, 0, 'produce', 'queue.c', 30),
	(12, 1, 2100, 0, 'consume', 'queue.c', 50),
	(13, 1, 2200, 0, 'producer_main', 'queue.c', 70),
	(14, 1, 2300, 0, 'render', 'report.c', 15),
	(15, 1, 2400, 0, 'render_page', 'report.c', 40),
	(16, 1, 2500, 0, 'free_page', 'report.c', 60),
	(17, 1, 2600, 0, 'tiny_alloc', 'misc.c', 3),
	(18, 2, 40000, 0, 'malloc', 'malloc.c', 3300),
	(19, 2, 41000, 0, '_int_malloc', 'malloc.c', 4000),
	(20, 2, 42000, 0, 'free', 'malloc.c', 3390),
	(21, 2, 43000, 0, '_int_free', 'malloc.c', 4500),
	(22, 1, 1150, 0, 'handle_request', 'server.c', 45),
	(23, 1, 2700, 0, 'drain', 'queue.c', 40),
	(24, 1, 2800, 0, 'consumer_main', 'queue.c', 80),
	(25, 1, 2450, 0, 'render_page', 'report.c', 45),
	(26, 1, 2900, 0, 'tidy', 'misc.c', 9),
	(27, 1, 3000, 0, 'compute', 'server.c', 20),
	(28, 3, -2130690048, 0, 'uprobe_notify_resume', NULL, NULL),
	(29, 1, 1110, 0, 'handle_request', 'server.c', 41),
	-- each call instruction of handle_request is a frame row of its own: a direct call has one
	-- callee (one calling two functions is an indirect call: scope_pair.c)
	(33, 1, 1120, 0, 'handle_request', 'server.c', 42),
	(34, 1, 1130, 0, 'handle_request', 'server.c', 43),
	(35, 1, 1140, 0, 'handle_request', 'server.c', 44);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 4, 0), (2, 3, 0), (3, 3, 0), (4, 3, 0), (5, 2, 0), (6, 3, 0), (7, 3, 0),
	(20, 4, 0), (21, 3, 0), (22, 3, 0), (23, 2, 0), (24, 3, 0), (25, 3, 0),
	(40, 6, 0), (41, 4, 0), (42, 6, 0), (43, 4, 0), (44, 4, 0), (45, 4, 0), (46, 3, 0),
	(47, 3, 0), (48, 4, 0), (49, 4, 0), (50, 2, 0), (51, 6, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- allocation stacks (pos 0 is the call site)
	(1, 0, 4), (1, 1, 3), (1, 2, 2), (1, 3, 1),
	(2, 0, 5), (2, 1, 29), (2, 2, 1),
	(3, 0, 8), (3, 1, 33), (3, 2, 1),
	(4, 0, 10), (4, 1, 34), (4, 2, 1),
	(5, 0, 11), (5, 1, 13),
	(6, 0, 14), (6, 1, 15), (6, 2, 1),
	(7, 0, 17), (7, 1, 35), (7, 2, 1),
	-- free stacks (pos 0 is the caller of free)
	(20, 0, 6), (20, 1, 7), (20, 2, 22), (20, 3, 1),
	(21, 0, 6), (21, 1, 22), (21, 2, 1),
	(22, 0, 23), (22, 1, 22), (22, 2, 1),
	(23, 0, 12), (23, 1, 24),
	(24, 0, 16), (24, 1, 25), (24, 2, 1),
	(25, 0, 26), (25, 1, 22), (25, 2, 1),
	-- CPU stacks
	(40, 0, 19), (40, 1, 18), (40, 2, 4), (40, 3, 3), (40, 4, 2), (40, 5, 1),
	(41, 0, 18), (41, 1, 5), (41, 2, 29), (41, 3, 1),
	(42, 0, 21), (42, 1, 20), (42, 2, 6), (42, 3, 7), (42, 4, 22), (42, 5, 1),
	(43, 0, 18), (43, 1, 8), (43, 2, 33), (43, 3, 1),
	(44, 0, 18), (44, 1, 10), (44, 2, 34), (44, 3, 1),
	(45, 0, 20), (45, 1, 23), (45, 2, 22), (45, 3, 1),
	(46, 0, 18), (46, 1, 11), (46, 2, 13),
	(47, 0, 20), (47, 1, 12), (47, 2, 24),
	(48, 0, 18), (48, 1, 14), (48, 2, 15), (48, 3, 1),
	(49, 0, 20), (49, 1, 16), (49, 2, 25), (49, 3, 1),
	(50, 0, 27), (50, 1, 1),
	(51, 0, 28), (51, 1, 18), (51, 2, 4), (51, 3, 3), (51, 4, 2), (51, 5, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 2560, 81920, 32, 32),
	(2, 'malloc', 1280, 112640, 16, 160),
	(3, 'malloc', 1920, 92160, 48, 48),
	(4, 'malloc', 1600, 102400, 64, 64),
	(5, 'malloc', 1280, 327680, 256, 256),
	(6, 'malloc', 1920, 384000, 100, 300),
	(7, 'malloc', 320, 2560, 8, 8);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(40, 40), (41, 10), (42, 30), (43, 10), (44, 10), (45, 5), (46, 10), (47, 5), (48, 20),
	(49, 10), (50, 40), (51, 10);

INSERT INTO threads(tid, name, allocs, bytes, cpu_samples) VALUES
	(100, 'server', 8320, 400000, 150), (101, 'producer', 1280, 327680, 10),
	(102, 'consumer', 0, 0, 5), (103, 'render', 1920, 384000, 30);

INSERT INTO scope_probes(function, module, invocations, total_ns) VALUES
	('handle_request', '/usr/bin/server', 10, 1000000);

-- new_node: invocation i (1..10), j-th node (0..3), lifetime 10000 * (j + 1) ns
WITH RECURSIVE inv(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM inv WHERE i < 10),
	n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < 3)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 1, 'malloc', 32, 100, i * 100000000 + j * 1000, 20, 100,
	i * 100000000 + j * 1000 + 10000 * (j + 1), 'free', 2, 2, zeroblob(32), zeroblob(32), i, i
FROM inv, n;

-- dup_str: invocation i, two strings of 16 * i bytes, lifetime 5000 ns
WITH RECURSIVE inv(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM inv WHERE i < 10),
	n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < 1)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 2, 'malloc', 16 * i, 100, i * 100000000 + 5000 + j * 1000, 21, 100,
	i * 100000000 + 10000 + j * 1000, 'free', 1, 1, zeroblob(24), zeroblob(24), i, i
FROM inv, n;

-- cache_put: 27 still live at the end, 3 freed by free_tree in their invocation
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 27)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, alloc_cfas, alloc_inv)
SELECT 3, 'malloc', 48, 100, k * 10000000 + 7000, zeroblob(24), (k - 1) % 10 + 1 FROM k;
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 3)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 3, 'malloc', 48, 100, k * 100000000 + 7000, 20, 100, k * 100000000 + 8000, 'free', 1, 2,
	zeroblob(24), zeroblob(32), k, k
FROM k;

-- make_msg: the scope inferred (same stack address) but freed in the next invocation
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 25)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 4, 'malloc', 64, 100, k * 10000000 + 8000, 22, 100, k * 10000000 + 108000, 'free', 1, 1,
	zeroblob(24), zeroblob(24), k, k + 1
FROM k;

-- produce: allocated by thread 101, freed by thread 102
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 20)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, alloc_cfas, free_cfas)
SELECT 5, 'malloc', 256, 101, k * 50000000, 23, 102, k * 50000000 + 2000 * k, 'free',
	zeroblob(16), zeroblob(16)
FROM k;

-- render: invocation w (1..3) of render_page at CFA 0x7ffc1000, 10 objects of 100 * w bytes
WITH RECURSIVE inv(w) AS (SELECT 1 UNION ALL SELECT w + 1 FROM inv WHERE w < 3),
	n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < 9)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas)
SELECT 6, 'malloc', 100 * w, 103, 1000000000 + w * 100000000 + j * 100, 24, 103,
	1000000000 + w * 100000000 + 10000 + j, 'free', 1, 1,
	X'00000000000000000010FC7F000000000000000000000000',
	X'00000000000000000010FC7F000000000000000000000000'
FROM inv, n;

-- tiny_alloc: 5 objects, born and freed in one invocation
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 5)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 7, 'malloc', 8, 100, k * 100000000 + 9000, 25, 100, k * 100000000 + 9500, 'free', 1, 1,
	zeroblob(24), zeroblob(24), k, k
FROM k;
