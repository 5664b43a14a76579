-- fixture_cpu_estimate.sql: a windowed profile whose counts and CPU samples make the second
-- count estimator's arithmetic checkable by hand (test_cpu_estimate.py, model/cpu_estimate.h).
--   16 windows of 1 ms, undisturbed (exposure = armed), 0.6 s apart over 10 s, each seeing 10
--   calls of make_item (item.c:12): its windows' estimate is 10 per ms for 10 s = 100,000, with
--   no spread (a reliable estimate of span 1x, so it calibrates the CPU estimate in place).
--   CPU samples at 100 Hz: 50 in malloc <- make_item, 10 in malloc <- make_rare (item.c:30,
--   which no window saw), 20 in free <- drop_item (item.c:40; no allocation call), 20 in main.
--   The tight loop: calib_call_ns 10 and calib_malloc_free_ns 40: a pair freed at once costs
--   (2 x 10)^2 / 40 = 10 ns, a call at best 5 ns, one sample at 100 Hz (10 ms) 2,000,000 calls.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.2.0'),
	('pid', '778'),
	('command', './items'),
	('mode', 'windowed'),
	('unwind', 'dwarf'),
	('cpu_freq', '100'),
	('duration_ns', '10000000000'),
	('overhead_budget', '0.02'),
	('calib_call_ns', '10.00'),
	('calib_malloc_free_ns', '40.00'),
	('end_reason', 'target-exit'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 160), ('allocs.malloc', 160), ('bytes', 5120), ('frees', 0),
	('lost_events', 0), ('cpu_samples', 100), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/items', 'aa'),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 4096, 0, 'main', 'item.c', 50),
	(2, 1, 4200, 0, 'make_item', 'item.c', 12),
	(3, 1, 4300, 0, 'make_rare', 'item.c', 30),
	(4, 1, 4400, 0, 'drop_item', 'item.c', 40),
	(5, 2, 40000, 0, '_int_malloc', 'malloc.c', 4000),
	(6, 2, 41000, 0, 'malloc', 'malloc.c', 3300),
	(7, 2, 42000, 0, '_int_free', 'malloc.c', 4500),
	(8, 2, 43000, 0, 'free', 'malloc.c', 3390),
	(9, 1, 4500, 0, 'main', 'item.c', 55);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 2, 0), (10, 4, 0), (11, 4, 0), (12, 4, 0), (13, 1, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- the allocation stack: pos 0 is the call site
	(1, 0, 2), (1, 1, 1),
	-- CPU stacks: pos 0 is where the thread was
	(10, 0, 5), (10, 1, 6), (10, 2, 2), (10, 3, 1),
	(11, 0, 5), (11, 1, 6), (11, 2, 3), (11, 3, 1),
	(12, 0, 7), (12, 1, 8), (12, 2, 4), (12, 3, 1),
	(13, 0, 9);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 160, 5120, 32, 32);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(10, 50), (11, 10), (12, 20), (13, 20);

INSERT INTO windows(id, start_ns, armed_ns, tail_ns, allocs, frees, tail_frees, bytes,
		    target_cpu_ns, lost_ns, saturation, exposure_ns, exposure_lo_ns,
		    exposure_hi_ns) VALUES
	(1, 300000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(2, 900000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(3, 1500000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(4, 2100000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(5, 2700000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(6, 3300000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(7, 3900000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(8, 4500000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(9, 5100000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(10, 5700000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(11, 6300000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(12, 6900000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(13, 7500000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(14, 8100000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(15, 8700000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000),
	(16, 9300000000, 1000000, 0, 10, 0, 0, 320, 1000000, 0, 0.0, 1000000, 1000000, 1000000);

INSERT INTO window_stats(window_id, stack_id, allocs, bytes) VALUES
	(1, 1, 10, 320),
	(2, 1, 10, 320),
	(3, 1, 10, 320),
	(4, 1, 10, 320),
	(5, 1, 10, 320),
	(6, 1, 10, 320),
	(7, 1, 10, 320),
	(8, 1, 10, 320),
	(9, 1, 10, 320),
	(10, 1, 10, 320),
	(11, 1, 10, 320),
	(12, 1, 10, 320),
	(13, 1, 10, 320),
	(14, 1, 10, 320),
	(15, 1, 10, 320),
	(16, 1, 10, 320);
