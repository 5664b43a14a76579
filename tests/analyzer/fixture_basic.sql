-- fixture_basic.sql: a small profile with known numbers, applied after schema/schema.sql by
-- test_analyzer.py. The expected report and folded output are derived in test_analyzer.py.
--   sites: parse_header (inlined into handle_request; 3 stacks, 2 frames at two addresses of
--   one line, malloc + calloc), a C++ template function (realloc), libfoo_alloc (no debug info,
--   also posix_memalign of 0 bytes), alpha_fn and a function with a nasty name (quotes,
--   backslash, ';', newline, tab, control char, non-ASCII, invalid UTF-8) tied on allocs and
--   bytes, and a stack without any frame. 7 lost events.
-- meta.schema_version is added by test_analyzer.py (the version of schema/schema.sql). No CPU
-- samples (cpu_stats is empty): the CPU shares are 0.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.1.0'),
	('pid', '4242'),
	-- ./server --name "q\uote" <TAB>ü<ESC>[31m
	('command', CAST(X'2E2F736572766572202D2D6E616D652022715C756F74652209C3BC1B5B33316D' AS TEXT)),
	('mode', 'exact'),
	('unwind', 'dwarf'),
	('stack_snapshot_bytes', '16384'),
	('allocator_modules', '/usr/lib/x86_64-linux-gnu/libc.so.6'),
	('probes', 'malloc@libc.so.6;calloc@libc.so.6;realloc@libc.so.6'),
	('start_time_ns', '1700000000000000000'),
	('end_time_ns', '1700000012500000000'),
	('duration_ns', '12500000000'),
	('end_reason', 'signal'),
	('closed', '1'),
	('hostname', 'testhost'),
	('kernel', '6.1.0');

INSERT INTO counters(name, value) VALUES
	('allocs', 444),
	('allocs.malloc', 300),
	('allocs.calloc', 20),
	('allocs.realloc', 122),
	('allocs.posix_memalign', 2),
	('bytes', 59400),
	('frees', 400),
	('lost_events', 7),
	('nested_calls', 0),
	('records', 437),
	('unwind_truncated', 1);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/server', '0123456789abcdef'),
	(2, '/usr/lib/libfoo.so', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 4096, 0, 'main', 'src/main.c', 10),
	(2, 1, 8192, 0, 'handle_request', 'src/server.c', 40),
	-- one address, parse_header inlined into handle_request
	(3, 1, 12288, 0, 'parse_header', 'src/http.c', 77),
	(4, 1, 12288, 1, 'handle_request', 'src/server.c', 45),
	(5, 1, 16384, 0, 'std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)',
	 '/usr/include/c++/12/bits/vector.tcc', 449),
	(6, 2, 1280, 0, 'libfoo_alloc', NULL, NULL),
	-- we"rid\ b;s<LF><TAB><SOH>é<FF> ü<C3>
	(7, 1, 20480, 0, CAST(X'7765227269645C20623B730A0901C3A9FF20C3BCC3' AS TEXT), 'src/nasty "dir"/ü.c', 3),
	(8, 1, 24576, 0, 'worker_thread', 'src/worker.c', 5),
	(9, NULL, 139637976727552, 0, '0x7f00dead0000', NULL, NULL),
	(10, 1, 28672, 0, 'alpha_fn', 'src/a.c', 1),
	-- another address on the same line of parse_header
	(11, 1, 12544, 0, 'parse_header', 'src/http.c', 77),
	(12, 1, 12544, 1, 'handle_request', 'src/server.c', 46);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 3, 0), (3, 3, 0), (4, 2, 0), (5, 3, 0), (6, 2, 0), (7, 3, 0), (8, 0, 1);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	(1, 0, 3), (1, 1, 4), (1, 2, 1),
	(2, 0, 3), (2, 1, 4), (2, 2, 8),
	(3, 0, 5), (3, 1, 2), (3, 2, 1),
	(4, 0, 6), (4, 1, 1),
	(5, 0, 7), (5, 1, 9), (5, 2, 1),
	(6, 0, 10), (6, 1, 1),
	(7, 0, 11), (7, 1, 12), (7, 2, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 100, 6400, 16, 128),
	(1, 'calloc', 20, 2000, 100, 100),
	(2, 'malloc', 50, 1600, 32, 32),
	(3, 'realloc', 122, 48000, 8, 4096),
	(4, 'malloc', 120, 960, 8, 8),
	(4, 'posix_memalign', 2, 0, 0, 0),
	(5, 'malloc', 5, 50, 10, 10),
	(6, 'malloc', 5, 50, 10, 10),
	(7, 'malloc', 10, 160, 16, 16),
	(8, 'malloc', 3, 30, 10, 10);

INSERT INTO threads(tid, name, allocs, bytes) VALUES
	(4242, 'server', 387, 57650),
	(4243, 'worker', 50, 1600);
