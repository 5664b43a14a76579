-- fixture_pprof.sql: a profile for `arenaprof pprof` (test_pprof.py), applied after
-- schema/schema.sql. Allocations at three sites, one of them inlined (parse_item inlined into
-- handle at one address), three allocator functions; 100 CPU samples at 100 Hz with kernel
-- frames, allocator work of each class and the profiler's overhead:
--   40 compute <- handle <- main (not allocator work)
--   25 _int_malloc <- malloc <- new_node <- handle <- main (malloc, site new_node)
--    5 handle_mm_fault <- asm_exc_page_fault (kernel) over _int_malloc <- malloc <- parse_item
--      (inlined) <- handle <- main (kernel memory management, site parse_item)
--   20 free <- handle <- main (free, site handle)
--   10 uprobe_notify_resume (kernel) over malloc <- new_node <- handle <- main (overhead)
-- so 50 allocator samples, 10 overhead. meta.schema_version is added by the test.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.1.0'),
	('pid', '31337'),
	('command', './app --serve'),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('start_time_ns', '1700000000000000000'),
	('end_time_ns', '1700000002000000000'),
	('duration_ns', '2000000000'),
	('end_reason', 'duration'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 1370), ('allocs.malloc', 1300), ('allocs.calloc', 50), ('allocs.realloc', 20),
	('bytes', 83080), ('frees', 1200), ('lost_events', 0), ('cpu_samples', 100), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/app', 'aabbccdd00112233'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'c0ffee0123'),
	(3, '[kernel.kallsyms]', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 4096, 0, 'main', 'app.c', 10),
	(2, 1, 8192, 0, 'handle', 'app.c', 20),
	-- one address: parse_item inlined into handle
	(3, 1, 12288, 0, 'parse_item', 'parse.h', 30),
	(4, 1, 12288, 1, 'handle', 'app.c', 25),
	(5, 1, 16384, 0, 'new_node', 'tree.c', 12),
	(6, 1, 20480, 0, 'cache_fill', 'cache.c', 70),
	(7, 2, 630784, 0, 'malloc', NULL, NULL),
	(8, 2, 631040, 0, '_int_malloc', NULL, NULL),
	(9, 2, 634880, 0, 'free', NULL, NULL),
	(10, 3, -2130702336, 0, 'asm_exc_page_fault', NULL, NULL),
	(11, 3, -2130698240, 0, 'handle_mm_fault', NULL, NULL),
	(12, 3, -2130694144, 0, 'uprobe_notify_resume', NULL, NULL),
	(13, 1, 24576, 0, 'compute', 'app.c', 50);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 3, 0), (3, 2, 0),
	(11, 3, 0), (12, 5, 0), (13, 7, 0), (14, 3, 0), (15, 5, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	(1, 0, 5), (1, 1, 2), (1, 2, 1),
	(2, 0, 3), (2, 1, 4), (2, 2, 1),
	(3, 0, 6), (3, 1, 1),
	(11, 0, 13), (11, 1, 2), (11, 2, 1),
	(12, 0, 8), (12, 1, 7), (12, 2, 5), (12, 3, 2), (12, 4, 1),
	(13, 0, 11), (13, 1, 10), (13, 2, 8), (13, 3, 7), (13, 4, 3), (13, 5, 4), (13, 6, 1),
	(14, 0, 9), (14, 1, 2), (14, 2, 1),
	(15, 0, 12), (15, 1, 7), (15, 2, 5), (15, 3, 2), (15, 4, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 1000, 48000, 48, 48),
	(2, 'malloc', 300, 9600, 32, 32),
	(2, 'calloc', 50, 5000, 100, 100),
	(3, 'realloc', 20, 20480, 1024, 1024);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(11, 40), (12, 25), (13, 5), (14, 20), (15, 10);

INSERT INTO threads(tid, name, allocs, bytes, cpu_samples) VALUES
	(31337, 'app', 1370, 83080, 100);
