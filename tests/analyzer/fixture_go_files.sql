-- fixture_go_files.sql: a Go CLI that formats many files (meta runtime = go), for the greedy
-- cover of the Go candidates (test_analyzer.py go_files). Every allocation stack:
--   runtime.goexit <- runtime.main <- main.main:10 <- main.walk:20 <- main.processFile:30|31 <- ...
--   processFile:30 -> main.parseFile:40 -> main.parseDecl:50 -> site main.newIdent:60 (600 x 32 B)
--     and seven sites main.parseDecl:61..67 directly (10 x 16 B each)
--   processFile:31 -> main.format:70 -> main.printNode:80 -> site main.write:90 (300 x 64 B)
--   main.main:11 -> main.loadConfig:100 -> site main.readFile:110 (10 x 4 KiB)
-- The innermost enclosing frame of each site would give three pieces of one per-file lifetime
-- (parseDecl, printNode) and loadConfig; the greedy cover gives processFile (the innermost frame
-- covering 90% of the best, main.walk) with nine sites, then loadConfig. No CPU samples.
INSERT INTO meta(key, value) VALUES
	('pid', '778'), ('command', './fmt'), ('mode', 'exact'), ('unwind', 'fp'), ('closed', '1'),
	('runtime', 'go'), ('go_version', 'go1.22.1'), ('duration_ns', '1000000000'),
	('end_reason', 'target-exit');

INSERT INTO counters(name, value) VALUES ('allocs', 980), ('bytes', 80480), ('frees', 0), ('lost_events', 0);

INSERT INTO modules(id, path, build_id) VALUES (1, '/usr/bin/fmt', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 100, 0, 'runtime.goexit', '/go/src/runtime/asm_amd64.s', 1594),
	(2, 1, 200, 0, 'runtime.main', '/go/src/runtime/proc.go', 250),
	(3, 1, 300, 0, 'main.main', '/src/fmt.go', 10),
	(4, 1, 400, 0, 'main.walk', '/src/fmt.go', 20),
	(5, 1, 500, 0, 'main.processFile', '/src/fmt.go', 30),
	(6, 1, 600, 0, 'main.processFile', '/src/fmt.go', 31),
	(7, 1, 700, 0, 'main.parseFile', '/src/parse.go', 40),
	(8, 1, 800, 0, 'main.parseDecl', '/src/parse.go', 50),
	(9, 1, 900, 0, 'main.newIdent', '/src/parse.go', 60),
	(10, 1, 1000, 0, 'main.format', '/src/print.go', 70),
	(11, 1, 1100, 0, 'main.printNode', '/src/print.go', 80),
	(12, 1, 1200, 0, 'main.write', '/src/print.go', 90),
	(13, 1, 1300, 0, 'main.main', '/src/fmt.go', 11),
	(14, 1, 1400, 0, 'main.loadConfig', '/src/cfg.go', 100),
	(15, 1, 1500, 0, 'main.readFile', '/src/cfg.go', 110),
	(16, 1, 1600, 0, 'main.parseDecl', '/src/parse.go', 61),
	(17, 1, 1700, 0, 'main.parseDecl', '/src/parse.go', 62),
	(18, 1, 1800, 0, 'main.parseDecl', '/src/parse.go', 63),
	(19, 1, 1900, 0, 'main.parseDecl', '/src/parse.go', 64),
	(20, 1, 2000, 0, 'main.parseDecl', '/src/parse.go', 65),
	(21, 1, 2100, 0, 'main.parseDecl', '/src/parse.go', 66),
	(22, 1, 2200, 0, 'main.parseDecl', '/src/parse.go', 67);

INSERT INTO stacks(id, depth, truncated) VALUES (1, 8, 0), (2, 8, 0), (3, 5, 0), (4, 7, 0), (5, 7, 0), (6, 7, 0), (7, 7, 0), (8, 7, 0), (9, 7, 0), (10, 7, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	(1, 0, 9), (1, 1, 8), (1, 2, 7), (1, 3, 5), (1, 4, 4), (1, 5, 3), (1, 6, 2), (1, 7, 1),
	(2, 0, 12), (2, 1, 11), (2, 2, 10), (2, 3, 6), (2, 4, 4), (2, 5, 3), (2, 6, 2), (2, 7, 1),
	(3, 0, 15), (3, 1, 14), (3, 2, 13), (3, 3, 2), (3, 4, 1),
	(4, 0, 16), (4, 1, 7), (4, 2, 5), (4, 3, 4), (4, 4, 3), (4, 5, 2), (4, 6, 1),
	(5, 0, 17), (5, 1, 7), (5, 2, 5), (5, 3, 4), (5, 4, 3), (5, 5, 2), (5, 6, 1),
	(6, 0, 18), (6, 1, 7), (6, 2, 5), (6, 3, 4), (6, 4, 3), (6, 5, 2), (6, 6, 1),
	(7, 0, 19), (7, 1, 7), (7, 2, 5), (7, 3, 4), (7, 4, 3), (7, 5, 2), (7, 6, 1),
	(8, 0, 20), (8, 1, 7), (8, 2, 5), (8, 3, 4), (8, 4, 3), (8, 5, 2), (8, 6, 1),
	(9, 0, 21), (9, 1, 7), (9, 2, 5), (9, 3, 4), (9, 4, 3), (9, 5, 2), (9, 6, 1),
	(10, 0, 22), (10, 1, 7), (10, 2, 5), (10, 3, 4), (10, 4, 3), (10, 5, 2), (10, 6, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'mallocgc', 600, 19200, 32, 32),
	(2, 'mallocgc', 300, 19200, 64, 64),
	(3, 'mallocgc', 10, 40960, 4096, 4096),
	(4, 'mallocgc', 10, 160, 16, 16),
	(5, 'mallocgc', 10, 160, 16, 16),
	(6, 'mallocgc', 10, 160, 16, 16),
	(7, 'mallocgc', 10, 160, 16, 16),
	(8, 'mallocgc', 10, 160, 16, 16),
	(9, 'mallocgc', 10, 160, 16, 16),
	(10, 'mallocgc', 10, 160, 16, 16);
