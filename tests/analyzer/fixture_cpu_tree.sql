-- fixture_cpu_tree.sql: a tree workload profile with CPU samples of known truth, applied after
-- schema/schema.sql by test_analyzer.py (which derives the expected report and folded output).
--   100 samples at 100 Hz: 30 in _int_malloc <- malloc <- new_node (tree.c:12) <- parse <- main,
--   20 in _int_free <- free <- free_tree (tree.c:20) <- main, 5 in an unsymbolized libc leaf
--   (libc.so.6+0x9a12) <- malloc <- new_node, 5 in a page fault (clear_page_erms ...
--   asm_exc_page_fault) over _int_malloc <- malloc <- new_node, 10 in the profiler's uprobe
--   handling over malloc <- new_node, 30 in compute <- main.
--   Allocations: 1000 at new_node (tree.c:12), 10 at parse (tree.c:33); none at free_tree.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.2.0'),
	('pid', '777'),
	('command', './tree 1000'),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('duration_ns', '2000000000'),
	('end_reason', 'target-exit'),
	('target_exit', 'exit 0'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 1010), ('allocs.malloc', 1010), ('bytes', 32640), ('frees', 1000),
	('lost_events', 0), ('cpu_samples', 100), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/tree', 'aa'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb'),
	(3, '[kernel.kallsyms]', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 4096, 0, 'main', 'tree.c', 50),
	(2, 1, 4200, 0, 'parse', 'tree.c', 30),
	(3, 1, 4300, 0, 'new_node', 'tree.c', 12),
	(4, 1, 4400, 0, 'free_tree', 'tree.c', 20),
	(5, 1, 4500, 0, 'compute', 'tree.c', 40),
	(6, 2, 40000, 0, '_int_malloc', 'malloc.c', 4000),
	(7, 2, 41000, 0, 'malloc', 'malloc.c', 3300),
	(8, 2, 42000, 0, '_int_free', 'malloc.c', 4500),
	(9, 2, 43000, 0, 'free', 'malloc.c', 3390),
	(10, 2, 39442, 0, 'libc.so.6+0x9a12', NULL, NULL),
	(11, 3, -2130706432, 0, 'clear_page_erms', NULL, NULL),
	(12, 3, -2130702336, 0, 'handle_mm_fault', NULL, NULL),
	(13, 3, -2130698240, 0, 'exc_page_fault', NULL, NULL),
	(14, 3, -2130694144, 0, 'asm_exc_page_fault', NULL, NULL),
	(15, 3, -2130690048, 0, 'uprobe_notify_resume', NULL, NULL),
	(16, 3, -2130685952, 0, 'exit_to_user_mode_prepare', NULL, NULL),
	(17, 1, 4600, 0, 'main', 'tree.c', 55),
	(19, 2, 40960, 0, 'malloc', 'malloc.c', 3290),
	(20, 3, -2130681856, 0, 'do_anonymous_page', NULL, NULL),
	(21, 1, 4700, 0, 'main', 'tree.c', 52),
	(23, 1, 4800, 0, 'parse', 'tree.c', 33);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 2, 0),
	(10, 5, 0), (11, 4, 0), (12, 5, 0), (13, 10, 0), (14, 6, 0), (15, 2, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- allocation stacks: pos 0 is the call site
	(1, 0, 3), (1, 1, 2), (1, 2, 1),
	(2, 0, 23), (2, 1, 1),
	-- CPU stacks: pos 0 is where the thread was
	(10, 0, 6), (10, 1, 7), (10, 2, 3), (10, 3, 2), (10, 4, 1),
	(11, 0, 8), (11, 1, 9), (11, 2, 4), (11, 3, 17),
	(12, 0, 10), (12, 1, 7), (12, 2, 3), (12, 3, 2), (12, 4, 1),
	(13, 0, 11), (13, 1, 20), (13, 2, 12), (13, 3, 13), (13, 4, 14),
	(13, 5, 6), (13, 6, 7), (13, 7, 3), (13, 8, 2), (13, 9, 1),
	(14, 0, 15), (14, 1, 16), (14, 2, 19), (14, 3, 3), (14, 4, 2), (14, 5, 1),
	(15, 0, 5), (15, 1, 21);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 1000, 32000, 32, 32),
	(2, 'malloc', 10, 640, 64, 64);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(10, 30), (11, 20), (12, 5), (13, 5), (14, 10), (15, 30);

INSERT INTO threads(tid, name, allocs, bytes) VALUES (777, 'tree', 1010, 32640);
