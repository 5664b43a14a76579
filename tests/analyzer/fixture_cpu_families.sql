-- fixture_cpu_families.sql: CPU samples through every allocator family and the classification's
-- edge cases, applied after schema/schema.sql by test_analyzer.py (expected values derived
-- there). No cpu_samples counter (the total is SUM(cpu_stats.samples) = 71), no cpu_freq, no
-- allocation. Stack by stack (samples, expected class, expected call site):
--   101  8 malloc    operator new(unsigned long) -> malloc -> _int_malloc; site Tree::insert(int)
--   102  4 free      operator delete(void*) -> free -> _int_free; site Tree::~Tree()
--   103  6 malloc    je_malloc -> je_tcache_alloc_small_hard; site use_jemalloc
--   104  2 free      truncated: je_arena_dalloc_large -> je_large_dalloc only; site [unknown]
--   105  7 malloc    mi_malloc -> _mi_malloc_generic -> _mi_page_malloc; site use_mimalloc:20
--   106  3 free      mi_free -> _mi_free_generic; site use_mimalloc:21
--   107  4 realloc   __libc_realloc -> _int_realloc; site grow
--   108  2 malloc    __libc_malloc -> _int_malloc.constprop.0 (GCC clone); site cloned
--   109  5 other     page fault in user code (fill), no allocator frame
--   110  3 malloc    timer interrupt (kernel part, not memory management) over malloc; site tick
--   111  4 overhead  bpf_prog_..._on_malloc <- uprobe_dispatcher ... over malloc
--   112  3 kernel_mm __x64_sys_munmap over munmap <- munmap_chunk <- free; site release
--   113  9 other     work <- main
--   114  1 other     a stack without frames
--   115  2 malloc    tc_malloc -> tcmalloc::ThreadCache::FetchFromCentralCache(...); site use_tcmalloc
--   116  5 overhead  the single step of a displaced instruction: asm_exc_debug ... over [uprobes]
--   117  1 overhead  user mode in the [uprobes] page (no module)
--   118  2 overhead  __x64_sys_uretprobe (the uretprobe trampoline's system call) over work
INSERT INTO meta(key, value) VALUES
	('pid', '888'), ('command', './app'), ('mode', 'exact'), ('unwind', 'dwarf'),
	('closed', '1');

INSERT INTO counters(name, value) VALUES ('allocs', 0), ('bytes', 0), ('frees', 0),
	('lost_events', 0);

INSERT INTO modules(id, path, build_id) VALUES
	(1, '/usr/bin/app', ''),
	(2, '/usr/lib/x86_64-linux-gnu/libc.so.6', ''),
	(3, '[kernel.kallsyms]', ''),
	(4, '/usr/lib/x86_64-linux-gnu/libstdc++.so.6', ''),
	(5, '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', ''),
	(6, '/usr/lib/libmimalloc.so.2', ''),
	(7, '/usr/lib/libtcmalloc.so.4', '');

INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) VALUES
	(1, 1, 1000, 0, 'main', 'app.c', 100),
	(2, 1, 1100, 0, 'Tree::insert(int)', 'tree.cc', 20),
	(3, 1, 1200, 0, 'Tree::~Tree()', 'tree.cc', 30),
	(4, 1, 1300, 0, 'use_jemalloc', 'app.c', 10),
	(5, 1, 1400, 0, 'use_mimalloc', 'app.c', 20),
	(6, 1, 1500, 0, 'use_mimalloc', 'app.c', 21),
	(7, 1, 1600, 0, 'grow', 'app.c', 30),
	(8, 1, 1700, 0, 'cloned', 'app.c', 40),
	(9, 1, 1800, 0, 'fill', 'app.c', 50),
	(10, 1, 1900, 0, 'tick', 'app.c', 60),
	(11, 1, 2000, 0, 'release', 'app.c', 70),
	(12, 1, 2100, 0, 'work', 'app.c', 80),
	(13, 1, 2200, 0, 'use_tcmalloc', 'app.c', 90),
	(20, 2, 100, 0, '_int_malloc', NULL, NULL),
	(21, 2, 200, 0, 'malloc', NULL, NULL),
	(22, 2, 300, 0, '_int_free', NULL, NULL),
	(23, 2, 400, 0, 'free', NULL, NULL),
	(24, 2, 500, 0, '_int_realloc', NULL, NULL),
	(25, 2, 600, 0, '__libc_realloc', NULL, NULL),
	(26, 2, 700, 0, '_int_malloc.constprop.0', NULL, NULL),
	(27, 2, 800, 0, '__libc_malloc', NULL, NULL),
	(28, 2, 900, 0, 'munmap', NULL, NULL),
	(29, 2, 1000, 0, 'munmap_chunk', NULL, NULL),
	(30, 2, 1100, 0, 'free', NULL, NULL),
	(40, 4, 100, 0, 'operator new(unsigned long)', NULL, NULL),
	(41, 4, 200, 0, 'operator delete(void*)', NULL, NULL),
	(50, 5, 100, 0, 'je_tcache_alloc_small_hard', NULL, NULL),
	(51, 5, 200, 0, 'je_malloc', NULL, NULL),
	(52, 5, 300, 0, 'je_large_dalloc', NULL, NULL),
	(53, 5, 400, 0, 'je_arena_dalloc_large', NULL, NULL),
	(60, 6, 100, 0, '_mi_page_malloc', NULL, NULL),
	(61, 6, 200, 0, '_mi_malloc_generic', NULL, NULL),
	(62, 6, 300, 0, 'mi_malloc', NULL, NULL),
	(63, 6, 400, 0, '_mi_free_generic', NULL, NULL),
	(64, 6, 500, 0, 'mi_free', NULL, NULL),
	(70, 7, 100, 0, 'tcmalloc::ThreadCache::FetchFromCentralCache(unsigned int, int, void* (*)(unsigned long))', NULL, NULL),
	(71, 7, 200, 0, 'tc_malloc', NULL, NULL),
	(80, 3, -2130706432, 0, 'clear_page_erms', NULL, NULL),
	(81, 3, -2130702336, 0, 'handle_mm_fault', NULL, NULL),
	(82, 3, -2130698240, 0, 'exc_page_fault', NULL, NULL),
	(83, 3, -2130694144, 0, 'asm_exc_page_fault', NULL, NULL),
	(84, 3, -2130690048, 0, '__sysvec_apic_timer_interrupt', NULL, NULL),
	(85, 3, -2130685952, 0, 'asm_sysvec_apic_timer_interrupt', NULL, NULL),
	(86, 3, -2130681856, 0, 'bpf_prog_6deef7357e7b4530_on_malloc', NULL, NULL),
	(87, 3, -2130677760, 0, 'uprobe_dispatcher', NULL, NULL),
	(88, 3, -2130673664, 0, 'handler_chain', NULL, NULL),
	(89, 3, -2130669568, 0, 'handle_swbp', NULL, NULL),
	(90, 3, -2130665472, 0, 'uprobe_notify_resume', NULL, NULL),
	(91, 3, -2130661376, 0, '__x64_sys_munmap', NULL, NULL),
	(92, 3, -2130657280, 0, 'do_syscall_64', NULL, NULL),
	(93, 3, -2130653184, 0, 'entry_SYSCALL_64_after_hwframe', NULL, NULL),
	(94, 3, -2130649088, 0, 'irqentry_exit_to_user_mode', NULL, NULL),
	(95, 3, -2130644992, 0, 'exc_debug_user', NULL, NULL),
	(96, 3, -2130640896, 0, 'asm_exc_debug', NULL, NULL),
	(97, NULL, 140737488338944, 0, '[uprobes]', NULL, NULL),
	(98, 3, -2130636800, 0, '__x64_sys_uretprobe', NULL, NULL);

INSERT INTO stacks(id, depth, truncated) VALUES
	(101, 5, 0), (102, 5, 0), (103, 4, 0), (104, 2, 1), (105, 5, 0), (106, 4, 0), (107, 4, 0),
	(108, 4, 0), (109, 6, 0), (110, 6, 0), (111, 8, 0), (112, 8, 0), (113, 2, 0), (114, 0, 1),
	(115, 4, 0), (116, 6, 0), (117, 3, 0), (118, 5, 0);

INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES
	(101, 0, 20), (101, 1, 21), (101, 2, 40), (101, 3, 2), (101, 4, 1),
	(102, 0, 22), (102, 1, 23), (102, 2, 41), (102, 3, 3), (102, 4, 1),
	(103, 0, 50), (103, 1, 51), (103, 2, 4), (103, 3, 1),
	(104, 0, 52), (104, 1, 53),
	(105, 0, 60), (105, 1, 61), (105, 2, 62), (105, 3, 5), (105, 4, 1),
	(106, 0, 63), (106, 1, 64), (106, 2, 6), (106, 3, 1),
	(107, 0, 24), (107, 1, 25), (107, 2, 7), (107, 3, 1),
	(108, 0, 26), (108, 1, 27), (108, 2, 8), (108, 3, 1),
	(109, 0, 80), (109, 1, 81), (109, 2, 82), (109, 3, 83), (109, 4, 9), (109, 5, 1),
	(110, 0, 84), (110, 1, 85), (110, 2, 20), (110, 3, 21), (110, 4, 10), (110, 5, 1),
	(111, 0, 86), (111, 1, 87), (111, 2, 88), (111, 3, 89), (111, 4, 90), (111, 5, 21),
	(111, 6, 12), (111, 7, 1),
	(112, 0, 91), (112, 1, 92), (112, 2, 93), (112, 3, 28), (112, 4, 29), (112, 5, 30),
	(112, 6, 11), (112, 7, 1),
	(113, 0, 12), (113, 1, 1),
	(115, 0, 70), (115, 1, 71), (115, 2, 13), (115, 3, 1),
	(116, 0, 94), (116, 1, 95), (116, 2, 96), (116, 3, 97), (116, 4, 12), (116, 5, 1),
	(117, 0, 97), (117, 1, 12), (117, 2, 1),
	(118, 0, 98), (118, 1, 92), (118, 2, 93), (118, 3, 12), (118, 4, 1);

INSERT INTO cpu_stats(stack_id, samples) VALUES
	(101, 8), (102, 4), (103, 6), (104, 2), (105, 7), (106, 3), (107, 4), (108, 2), (109, 5),
	(110, 3), (111, 4), (112, 3), (113, 9), (114, 1), (115, 2), (116, 5), (117, 1), (118, 2);
