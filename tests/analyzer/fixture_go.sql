-- fixture_go.sql: a Go profile (meta runtime = go) with known numbers, applied after
-- schema/schema.sql by test_analyzer.py (expected values derived there). cpu_freq 100, 100 CPU
-- samples, no overhead. Allocation stacks (kind mallocgc; sites after the agent trimmed the
-- runtime's entry points):
--   1  100 x 48 B   main.newNode:40 <- build:31 <- handle:20 <- main:10 <- runtime.main <- goexit
--   2  200 x 48 B   main.newNode:40 <- build:31 <- build:30 <- handle:20 <- main:10 ... (recursion)
--   3   50 x 64 B   main.newBuf:50 <- handle:21 <- main:10 ...
--   4   10 x 1 KiB  main.cache:70 <- main:11 ...
--   5    2 x 392 B  runtime.malg <- runtime.newproc1 (the runtime's own: never a candidate)
-- CPU stacks (samples, expected class, call site):
--   201 30 malloc   memclrNoHeapPointers <- mallocgc <- newobject <- newNode:40 ...; newNode:40
--   202 10 malloc   mallocgc <- makeslice <- newBuf:50 ...; newBuf:50
--   203 20 gc       scanobject <- gcDrain <- gcBgMarkWorker <- goexit
--   204  5 gc       gcAssistAlloc1 <- gcAssistAlloc.func1 <- systemstack <- gcAssistAlloc <-
--                   mallocgc <- newobject <- newNode:40 ... (an assist under mallocgc is GC)
--   205  5 gc       sweepone <- bgsweep <- goexit
--   206 23 other    compute:60 <- main:10 ...
--   207  5 kern_mm  page fault over mallocgc <- newobject <- newNode:40 ...; newNode:40
--   208  2 gc       gcWriteBarrier <- compute:60 (a write barrier in user code)
INSERT INTO meta(key, value) VALUES
	('pid', '777'), ('command', './app'), ('mode', 'exact'), ('unwind', 'fp'),
	('closed', '1'), ('cpu_freq', '100'), ('runtime', 'go'), ('go_version', 'go1.22.1'),
	('duration_ns', '2000000000'), ('end_reason', 'target-exit');

INSERT INTO counters(name, value) VALUES ('allocs', 362), ('allocs.mallocgc', 362),
	('bytes', 28624), ('frees', 0), ('lost_events', 0), ('cpu_samples', 100), ('cpu_lost', 0);

INSERT INTO modules(id, path, build_id) VALUES (1, '/srv/app', ''), (2, '[kernel.kallsyms]', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 100, 0, 'runtime.goexit', '/go/src/runtime/asm_amd64.s', 1594),
	(2, 1, 200, 0, 'runtime.main', '/go/src/runtime/proc.go', 250),
	(3, 1, 300, 0, 'main.main', '/srv/app.go', 10),
	(4, 1, 400, 0, 'main.handle', '/srv/app.go', 20),
	(5, 1, 500, 0, 'main.build', '/srv/app.go', 30),
	(6, 1, 510, 0, 'main.build', '/srv/app.go', 31),
	(7, 1, 600, 0, 'main.newNode', '/srv/app.go', 40),
	(8, 1, 700, 0, 'main.newBuf', '/srv/app.go', 50),
	(9, 1, 410, 0, 'main.handle', '/srv/app.go', 21),
	(10, 1, 1000, 0, 'runtime.mallocgc', '/go/src/runtime/malloc.go', 900),
	(11, 1, 1100, 0, 'runtime.newobject', '/go/src/runtime/malloc.go', 1192),
	(12, 1, 1200, 0, 'runtime.memclrNoHeapPointers', '/go/src/runtime/memclr_amd64.s', 50),
	(13, 1, 1300, 0, 'runtime.scanobject', '/go/src/runtime/mgcmark.go', 1300),
	(14, 1, 1400, 0, 'runtime.gcDrain', '/go/src/runtime/mgcmark.go', 1100),
	(15, 1, 1500, 0, 'runtime.gcBgMarkWorker', '/go/src/runtime/mgc.go', 1300),
	(16, 1, 1600, 0, 'runtime.gcAssistAlloc1', '/go/src/runtime/mgcmark.go', 500),
	(17, 1, 1700, 0, 'runtime.gcAssistAlloc.func1', '/go/src/runtime/mgcmark.go', 450),
	(18, 1, 1800, 0, 'runtime.systemstack', '/go/src/runtime/asm_amd64.s', 492),
	(19, 1, 1900, 0, 'runtime.gcAssistAlloc', '/go/src/runtime/mgcmark.go', 440),
	(20, 1, 2000, 0, 'runtime.makeslice', '/go/src/runtime/slice.go', 103),
	(21, 1, 2100, 0, 'main.compute', '/srv/app.go', 60),
	(22, 1, 2200, 0, 'runtime.bgsweep', '/go/src/runtime/mgcsweep.go', 300),
	(23, 1, 2300, 0, 'runtime.sweepone', '/go/src/runtime/mgcsweep.go', 350),
	(24, 1, 2400, 0, 'runtime.gcWriteBarrier', '/go/src/runtime/asm_amd64.s', 1700),
	(25, 2, -2130706432, 0, 'asm_exc_page_fault', NULL, NULL),
	(26, 2, -2130702336, 0, 'exc_page_fault', NULL, NULL),
	(27, 1, 2700, 0, 'main.cache', '/srv/app.go', 70),
	(28, 1, 310, 0, 'main.main', '/srv/app.go', 11),
	(29, 1, 2900, 0, 'runtime.malg', '/go/src/runtime/proc.go', 4076),
	(30, 1, 3000, 0, 'runtime.newproc1', '/go/src/runtime/proc.go', 4100);

INSERT INTO stacks(id, depth, truncated) VALUES
	(1, 6, 0), (2, 7, 0), (3, 5, 0), (4, 4, 0), (5, 2, 0),
	(201, 9, 0), (202, 7, 0), (203, 4, 0), (204, 12, 0), (205, 3, 0), (206, 4, 0), (207, 10, 0),
	(208, 5, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	(1, 0, 7), (1, 1, 6), (1, 2, 4), (1, 3, 3), (1, 4, 2), (1, 5, 1),
	(2, 0, 7), (2, 1, 6), (2, 2, 5), (2, 3, 4), (2, 4, 3), (2, 5, 2), (2, 6, 1),
	(3, 0, 8), (3, 1, 9), (3, 2, 3), (3, 3, 2), (3, 4, 1),
	(4, 0, 27), (4, 1, 28), (4, 2, 2), (4, 3, 1),
	(5, 0, 29), (5, 1, 30),
	(201, 0, 12), (201, 1, 10), (201, 2, 11), (201, 3, 7), (201, 4, 6), (201, 5, 4), (201, 6, 3),
	(201, 7, 2), (201, 8, 1),
	(202, 0, 10), (202, 1, 20), (202, 2, 8), (202, 3, 9), (202, 4, 3), (202, 5, 2), (202, 6, 1),
	(203, 0, 13), (203, 1, 14), (203, 2, 15), (203, 3, 1),
	(204, 0, 16), (204, 1, 17), (204, 2, 18), (204, 3, 19), (204, 4, 10), (204, 5, 11),
	(204, 6, 7), (204, 7, 6), (204, 8, 4), (204, 9, 3), (204, 10, 2), (204, 11, 1),
	(205, 0, 23), (205, 1, 22), (205, 2, 1),
	(206, 0, 21), (206, 1, 3), (206, 2, 2), (206, 3, 1),
	(207, 0, 25), (207, 1, 26), (207, 2, 10), (207, 3, 11), (207, 4, 7), (207, 5, 6),
	(207, 6, 4), (207, 7, 3), (207, 8, 2), (207, 9, 1),
	(208, 0, 24), (208, 1, 21), (208, 2, 3), (208, 3, 2), (208, 4, 1);

INSERT INTO alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) VALUES
	(1, 'mallocgc', 100, 4800, 48, 48),
	(2, 'mallocgc', 200, 9600, 48, 48),
	(3, 'mallocgc', 50, 3200, 64, 64),
	(4, 'mallocgc', 10, 10240, 1024, 1024),
	(5, 'mallocgc', 2, 784, 392, 392);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(201, 30), (202, 10), (203, 20), (204, 5), (205, 5), (206, 23), (207, 5), (208, 2);
