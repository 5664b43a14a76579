-- fixture_wrappers.sql: allocation wrappers with planted truth, applied after schema/schema.sql by
-- test_wrappers.py (which holds the expected sites). A program (pid 888, 2 s, 100 Hz CPU) that
-- allocates through:
--   my_alloc (mem.c:5), its own xmalloc: called by load_config, read_line, parse_args,
--     handle_request and my_strdup with sizes of their choosing: detected, folded;
--   my_strdup (mem.c:20) -> my_alloc: called by load_config, parse_args and add_entry: detected in
--     the second round (a chain), folded;
--   xmalloc (util.c:10): a well-known wrapper, called from main only: folded by name;
--   operator new(unsigned long) (libstdc++) under Widget::Widget(): allocator code, folded;
--   std::vector<int>::_M_realloc_insert under Widget::fill(int): the C++ standard library,
--     folded by name (the template function `std::string pick<int>(int)` is the program's own);
--   tool+0x1a00, a stripped wrapper in /usr/bin/tool called from three stripped functions with
--     different sizes: detected, folded;
-- and three functions that must NOT fold:
--   new_node (parse.c:70), called by four parse_* functions, always 32 bytes: a constructor;
--   build_table (table.c:200), three callers and varied sizes, but 30 of its 35 CPU samples are
--     its own work outside malloc: it does more than allocate;
--   helper (misc.c:5): varied sizes but only two callers (folded only with --wrapper '^helper$');
--   parse_block (block.c:9): three callers and varied sizes, but it also calls new_node, which
--     allocates: a function that calls other allocating code does more than allocate.
-- 25 sampled objects allocated through my_alloc by handle_request (srv.c:40) and freed there.
INSERT INTO meta(key, value) VALUES
	('arenaprof_version', '0.3.0'), ('pid', '888'), ('command', './app'), ('mode', 'exact'),
	('unwind', 'dwarf'), ('cpu_freq', '100'), ('track_every', '64'),
	('duration_ns', '2000000000'), ('end_reason', 'exit'), ('closed', '1');

INSERT INTO counters(name, value) VALUES
	('allocs', 4420), ('bytes', 200000), ('frees', 1600), ('lost_events', 0),
	('cpu_samples', 70), ('cpu_lost', 0), ('objects_tracked', 25);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/app', 'aa'), (2, '/usr/lib/x86_64-linux-gnu/libc.so.6', 'bb'),
	(3, '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', 'cc'), (4, '/usr/bin/tool', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 1000, 0, 'main', 'app.c', 100),
	(2, 1, 1100, 0, 'xmalloc', 'util.c', 10),
	(3, 1, 1200, 0, 'my_alloc', 'mem.c', 5),
	(4, 1, 1300, 0, 'my_strdup', 'mem.c', 20),
	(5, 1, 1400, 0, 'load_config', 'cfg.c', 30),
	(6, 1, 1500, 0, 'read_line', 'io.c', 40),
	(7, 1, 1600, 0, 'parse_args', 'args.c', 50),
	(8, 1, 1700, 0, 'add_entry', 'table.c', 60),
	(9, 1, 1800, 0, 'new_node', 'parse.c', 70),
	(10, 1, 1900, 0, 'parse_expr', 'parse.c', 100),
	(11, 1, 2000, 0, 'parse_term', 'parse.c', 110),
	(12, 1, 2100, 0, 'parse_list', 'parse.c', 120),
	(13, 1, 2200, 0, 'parse_atom', 'parse.c', 130),
	(14, 1, 2300, 0, 'build_table', 'table.c', 200),
	(15, 1, 2400, 0, 'helper', 'misc.c', 5),
	(16, 3, 9000, 0, 'operator new(unsigned long)', NULL, NULL),
	(17, 1, 2500, 0, 'Widget::Widget()', 'widget.cpp', 12),
	(18, 4, 6656, 0, 'tool+0x1a00', NULL, NULL),
	(19, 4, 11024, 0, 'tool+0x2b10', NULL, NULL),
	(20, 4, 11296, 0, 'tool+0x2c20', NULL, NULL),
	(21, 4, 11568, 0, 'tool+0x2d30', NULL, NULL),
	(22, 2, 40000, 0, 'malloc', 'malloc.c', 3300),
	(23, 2, 41000, 0, '_int_malloc', 'malloc.c', 4000),
	(24, 1, 2600, 0, 'handle_request', 'srv.c', 40),
	(25, 1, 2700, 0, 'free_req', 'srv.c', 80),
	(26, 1, 2310, 0, 'build_table', 'table.c', 210),
	(27, 1, 2800, 0, 'parse_block', 'block.c', 9),
	(28, 1, 2810, 0, 'parse_block', 'block.c', 12),
	(29, 1, 2900, 0, 'std::vector<int, std::allocator<int> >::_M_realloc_insert(int const&)',
	 '/usr/include/c++/12/bits/vector.tcc', 445),
	(30, 1, 3000, 0, 'Widget::fill(int)', 'widget.cpp', 30),
	(31, 1, 3100, 0, 'std::string pick<int>(int)', 'pick.cpp', 7);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 3, 0), (2, 3, 0), (3, 3, 0), (4, 4, 0), (5, 4, 0), (6, 4, 0), (7, 2, 0), (8, 3, 0),
	(9, 3, 0), (10, 3, 0), (11, 3, 0), (12, 3, 0), (13, 3, 0), (14, 3, 0), (15, 3, 0),
	(16, 3, 0), (17, 3, 0), (18, 3, 0), (19, 3, 0), (20, 3, 0), (21, 3, 0), (30, 3, 0),
	(40, 6, 0), (41, 5, 0), (42, 5, 0), (43, 3, 0),
	(50, 3, 0), (51, 3, 0), (52, 3, 0), (53, 4, 0), (54, 4, 0), (55, 3, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	-- allocation stacks (pos 0 is the caller of the allocator)
	(1, 0, 3), (1, 1, 5), (1, 2, 1),
	(2, 0, 3), (2, 1, 6), (2, 2, 1),
	(3, 0, 3), (3, 1, 7), (3, 2, 1),
	(4, 0, 3), (4, 1, 4), (4, 2, 5), (4, 3, 1),
	(5, 0, 3), (5, 1, 4), (5, 2, 7), (5, 3, 1),
	(6, 0, 3), (6, 1, 4), (6, 2, 8), (6, 3, 1),
	(7, 0, 2), (7, 1, 1),
	(8, 0, 9), (8, 1, 10), (8, 2, 1),
	(9, 0, 9), (9, 1, 11), (9, 2, 1),
	(10, 0, 9), (10, 1, 12), (10, 2, 1),
	(11, 0, 9), (11, 1, 13), (11, 2, 1),
	(12, 0, 14), (12, 1, 5), (12, 2, 1),
	(13, 0, 14), (13, 1, 6), (13, 2, 1),
	(14, 0, 14), (14, 1, 7), (14, 2, 1),
	(15, 0, 15), (15, 1, 5), (15, 2, 1),
	(16, 0, 15), (16, 1, 6), (16, 2, 1),
	(17, 0, 16), (17, 1, 17), (17, 2, 1),
	(18, 0, 18), (18, 1, 19), (18, 2, 1),
	(19, 0, 18), (19, 1, 20), (19, 2, 1),
	(20, 0, 18), (20, 1, 21), (20, 2, 1),
	(21, 0, 3), (21, 1, 24), (21, 2, 1),
	(50, 0, 27), (50, 1, 5), (50, 2, 1),
	(51, 0, 27), (51, 1, 6), (51, 2, 1),
	(52, 0, 27), (52, 1, 7), (52, 2, 1),
	(53, 0, 9), (53, 1, 28), (53, 2, 5), (53, 3, 1),
	(54, 0, 16), (54, 1, 29), (54, 2, 30), (54, 3, 1),
	(55, 0, 16), (55, 1, 31), (55, 2, 1),
	-- the free stack of handle_request's objects
	(30, 0, 25), (30, 1, 24), (30, 2, 1),
	-- CPU stacks: malloc under my_alloc <- my_strdup <- load_config (25 samples), my_alloc's
	-- own code (3), malloc under build_table (5), build_table's own code (30)
	(40, 0, 23), (40, 1, 22), (40, 2, 3), (40, 3, 4), (40, 4, 5), (40, 5, 1),
	(41, 0, 3), (41, 1, 4), (41, 2, 5), (41, 3, 1), (41, 4, 1),
	(42, 0, 23), (42, 1, 22), (42, 2, 14), (42, 3, 5), (42, 4, 1),
	(43, 0, 26), (43, 1, 5), (43, 2, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'malloc', 100, 3000, 10, 50),
	(2, 'malloc', 200, 20000, 80, 120),
	(3, 'malloc', 300, 2400, 8, 8),
	(4, 'malloc', 40, 400, 5, 20),
	(5, 'malloc', 50, 300, 3, 9),
	(6, 'malloc', 60, 900, 7, 30),
	(7, 'malloc', 70, 4480, 64, 64),
	(8, 'malloc', 80, 2560, 32, 32),
	(9, 'malloc', 80, 2560, 32, 32),
	(10, 'malloc', 80, 2560, 32, 32),
	(11, 'malloc', 80, 2560, 32, 32),
	(12, 'malloc', 90, 13500, 100, 200),
	(13, 'malloc', 90, 27000, 300, 300),
	(14, 'malloc', 90, 36000, 400, 400),
	(15, 'malloc', 25, 375, 10, 20),
	(16, 'malloc', 25, 875, 30, 40),
	(17, 'malloc', 500, 24000, 48, 48),
	(18, 'malloc', 11, 264, 16, 32),
	(19, 'malloc', 22, 2112, 64, 128),
	(20, 'malloc', 33, 264, 8, 8),
	(21, 'malloc', 1600, 38400, 24, 24),
	(50, 'malloc', 7, 105, 10, 20),
	(51, 'malloc', 8, 360, 30, 60),
	(52, 'malloc', 9, 630, 70, 70),
	(53, 'malloc', 10, 320, 32, 32),
	(54, 'malloc', 40, 1280, 4, 64),
	(55, 'malloc', 5, 60, 8, 16);

INSERT INTO cpu_stats(stack_id, samples) VALUES (40, 25), (41, 3), (42, 5), (43, 30);

INSERT INTO threads(tid, name, allocs, bytes, cpu_samples) VALUES (100, 'app', 4420, 200000, 70);

-- handle_request: invocation k allocates one object through my_alloc and frees it
WITH RECURSIVE k(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM k WHERE k < 25)
INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, free_stack_id, free_tid,
		    free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, free_cfas,
		    alloc_inv, free_inv)
SELECT 21, 'malloc', 24, 100, k * 10000000, 30, 100, k * 10000000 + 4000, 'free', 1, 1,
	zeroblob(24), zeroblob(24), NULL, NULL
FROM k;
