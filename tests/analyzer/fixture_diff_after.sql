-- fixture_diff_after.sql: the "after" profile of test_diff.py (applied after schema/schema.sql):
-- the same tree workload with its nodes in an arena, rebuilt as /opt/tree-v2/tree (other module
-- paths, other addresses). 4 s at 100 Hz. test_diff.py derives the expected diff by hand.
--   Allocations: new_node (tree.c:12) 20 (arena chunks of 2 KiB), in two modules (15 in the
--   executable, 5 in /opt/tree-v2/libtree.so: one site after matching), parse (tree.c:33) 20,
--   arena_grow (arena.c:80) 4 (new), libfoo_alloc (no debug info, now /usr/lib/libfoo.so.2)
--   200; cache_fill is gone. 244 in all.
--   CPU, 160 samples: 6 _int_malloc <- malloc <- new_node, 6 _int_free <- free <- free_tree,
--   3 page fault over _int_malloc <- malloc <- arena_grow (kernel_mm), 10 profiler overhead,
--   135 compute. Non-overhead 150: allocator 15 (malloc 6, free 6, kernel_mm 3).
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.2.0'),
	('pid', '778'),
	('command', './tree 1000'),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('duration_ns', '4000000000'),
	('end_reason', 'duration'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 244), ('allocs.malloc', 244), ('bytes', 305984), ('frees', 230),
	('lost_events', 0), ('cpu_samples', 160), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/opt/tree-v2/tree', 'aa02'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb'),
	(3, '[kernel.kallsyms]', ''),
	(4, '/usr/lib/libfoo.so.2', 'cc02'),
	(5, '/opt/tree-v2/libtree.so', 'dd02');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(101, 1, 8192, 0, 'main', 'tree.c', 50),
	(102, 1, 8300, 0, 'parse', 'tree.c', 30),
	(103, 1, 8400, 0, 'new_node', 'tree.c', 12),
	(104, 5, 2048, 0, 'new_node', 'tree.c', 12),
	(105, 1, 8500, 0, 'free_tree', 'tree.c', 20),
	(106, 1, 8600, 0, 'compute', 'tree.c', 40),
	(107, 2, 40000, 0, '_int_malloc', 'malloc.c', 4000),
	(108, 2, 41000, 0, 'malloc', 'malloc.c', 3300),
	(109, 2, 42000, 0, '_int_free', 'malloc.c', 4500),
	(110, 2, 43000, 0, 'free', 'malloc.c', 3390),
	(111, 3, -2130690048, 0, 'uprobe_notify_resume', NULL, NULL),
	(112, 3, -2130685952, 0, 'exit_to_user_mode_prepare', NULL, NULL),
	(113, 1, 8700, 0, 'main', 'tree.c', 52),
	(114, 1, 8800, 0, 'parse', 'tree.c', 33),
	(115, 1, 9000, 0, 'arena_grow', 'arena.c', 80),
	(116, 4, 1536, 0, 'libfoo_alloc', NULL, NULL),
	(117, 3, -2130706432, 0, 'clear_page_erms', NULL, NULL),
	(118, 3, -2130702336, 0, 'handle_mm_fault', NULL, NULL),
	(119, 3, -2130698240, 0, 'exc_page_fault', NULL, NULL),
	(120, 3, -2130694144, 0, 'asm_exc_page_fault', NULL, NULL);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 3, 0), (3, 2, 0), (4, 4, 0), (5, 2, 0),
	(10, 5, 0), (11, 4, 0), (12, 10, 0), (14, 6, 0), (15, 2, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- allocation stacks: pos 0 is the call site
	(1, 0, 103), (1, 1, 102), (1, 2, 101),
	(2, 0, 104), (2, 1, 102), (2, 2, 101),
	(3, 0, 114), (3, 1, 101),
	(4, 0, 115), (4, 1, 103), (4, 2, 102), (4, 3, 101),
	(5, 0, 116), (5, 1, 101),
	-- CPU stacks: pos 0 is where the thread was
	(10, 0, 107), (10, 1, 108), (10, 2, 103), (10, 3, 102), (10, 4, 101),
	(11, 0, 109), (11, 1, 110), (11, 2, 105), (11, 3, 113),
	(12, 0, 117), (12, 1, 118), (12, 2, 119), (12, 3, 120), (12, 4, 107), (12, 5, 108),
	(12, 6, 115), (12, 7, 103), (12, 8, 102), (12, 9, 101),
	(14, 0, 111), (14, 1, 112), (14, 2, 108), (14, 3, 103), (14, 4, 102), (14, 5, 101),
	(15, 0, 106), (15, 1, 113);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 15, 30720, 2048, 2048),
	(2, 'malloc', 5, 10240, 2048, 2048),
	(3, 'malloc', 20, 1280, 64, 64),
	(4, 'malloc', 4, 262144, 65536, 65536),
	(5, 'malloc', 200, 1600, 8, 8);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(10, 6), (11, 6), (12, 3), (14, 10), (15, 135);

INSERT INTO threads(tid, name, allocs, bytes, cpu_samples) VALUES (778, 'tree', 244, 305984, 160);
