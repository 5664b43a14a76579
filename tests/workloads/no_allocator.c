/* no_allocator.c: a static program without libc and so without any allocator symbol; it sleeps
 * until killed. arenaprof must refuse it with a clear message. */
static long sys(long n, long a, long b)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

__attribute__((force_align_arg_pointer, noreturn)) void _start(void)
{
	struct {
		long sec, nsec;
	} ts = { 1, 0 };

	for (int i = 0; i < 120; i++)
		sys(35 /* nanosleep */, (long)&ts, 0);
	sys(60 /* exit */, 0, 0);
	for (;;)
		;
}
