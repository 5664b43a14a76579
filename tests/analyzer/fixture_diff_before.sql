-- fixture_diff_before.sql: the "before" profile of test_diff.py (applied after schema/schema.sql):
-- a tree workload before it moved its nodes to an arena. 2 s at 100 Hz, built as
-- /opt/tree-v1/tree (the after profile has other module paths and addresses: sites match by
-- function, file and line only). test_diff.py derives the expected diff by hand.
--   Allocations: new_node (tree.c:12) 1000, parse (tree.c:33) 10, cache_fill (tree.c:70) 50
--   (gone after), libfoo_alloc (no debug info, /usr/lib/libfoo.so.1) 100; 1160 in all.
--   CPU, 100 samples: 30 _int_malloc <- malloc <- new_node, 20 _int_free <- free <- free_tree
--   (tree.c:20), 10 profiler overhead (uprobe) over malloc <- new_node, 10 malloc <- cache_fill,
--   30 compute. Non-overhead 90: allocator 60 (malloc 40, free 20).
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.2.0'),
	('pid', '777'),
	('command', './tree 1000'),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('duration_ns', '2000000000'),
	('end_reason', 'duration'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 1160), ('allocs.malloc', 1160), ('bytes', 36640), ('frees', 1100),
	('lost_events', 0), ('cpu_samples', 100), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/opt/tree-v1/tree', 'aa01'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb'),
	(3, '[kernel.kallsyms]', ''),
	(4, '/usr/lib/libfoo.so.1', 'cc01');

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
	(15, 3, -2130690048, 0, 'uprobe_notify_resume', NULL, NULL),
	(16, 3, -2130685952, 0, 'exit_to_user_mode_prepare', NULL, NULL),
	(21, 1, 4700, 0, 'main', 'tree.c', 52),
	(23, 1, 4800, 0, 'parse', 'tree.c', 33),
	(24, 1, 4900, 0, 'cache_fill', 'tree.c', 70),
	(25, 4, 1280, 0, 'libfoo_alloc', NULL, NULL);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 2, 0), (3, 2, 0), (4, 2, 0),
	(10, 5, 0), (11, 4, 0), (14, 6, 0), (15, 2, 0), (16, 3, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- allocation stacks: pos 0 is the call site
	(1, 0, 3), (1, 1, 2), (1, 2, 1),
	(2, 0, 23), (2, 1, 1),
	(3, 0, 24), (3, 1, 1),
	(4, 0, 25), (4, 1, 1),
	-- CPU stacks: pos 0 is where the thread was
	(10, 0, 6), (10, 1, 7), (10, 2, 3), (10, 3, 2), (10, 4, 1),
	(11, 0, 8), (11, 1, 9), (11, 2, 4), (11, 3, 21),
	(14, 0, 15), (14, 1, 16), (14, 2, 7), (14, 3, 3), (14, 4, 2), (14, 5, 1),
	(15, 0, 5), (15, 1, 21),
	(16, 0, 7), (16, 1, 24), (16, 2, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 1000, 32000, 32, 32),
	(2, 'malloc', 10, 640, 64, 64),
	(3, 'malloc', 50, 3200, 64, 64),
	(4, 'malloc', 100, 800, 8, 8);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(10, 30), (11, 20), (14, 10), (15, 30), (16, 10);

INSERT INTO threads(tid, name, allocs, bytes, cpu_samples) VALUES (777, 'tree', 1160, 36640, 100);
