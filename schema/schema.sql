-- arenaprof profile database, schema version 4 (see schema/README.md for every table).
-- The database is self-contained: symbols and source locations are stored, so a profile is
-- analyzed after the target is gone, on another machine.
PRAGMA user_version = 4;

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE modules (
	id       INTEGER PRIMARY KEY,
	path     TEXT NOT NULL,
	build_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE frames (
	id           INTEGER PRIMARY KEY,
	module_id    INTEGER REFERENCES modules(id),
	offset       INTEGER NOT NULL,
	inline_depth INTEGER NOT NULL DEFAULT 0,
	function     TEXT NOT NULL,
	file         TEXT,
	line         INTEGER,
	UNIQUE (module_id, offset, inline_depth)
);

CREATE TABLE stacks (
	id          INTEGER PRIMARY KEY,
	depth       INTEGER NOT NULL,
	truncated   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stack_frames (
	stack_id INTEGER NOT NULL REFERENCES stacks(id),
	pos      INTEGER NOT NULL,
	frame_id INTEGER NOT NULL REFERENCES frames(id),
	PRIMARY KEY (stack_id, pos)
) WITHOUT ROWID;

CREATE TABLE alloc_stats (
	stack_id INTEGER NOT NULL REFERENCES stacks(id),
	kind     TEXT NOT NULL,
	allocs   INTEGER NOT NULL,
	bytes    INTEGER NOT NULL,
	size_min INTEGER NOT NULL,
	size_max INTEGER NOT NULL,
	PRIMARY KEY (stack_id, kind)
) WITHOUT ROWID;

CREATE TABLE cpu_stats (
	stack_id INTEGER NOT NULL REFERENCES stacks(id),
	samples  INTEGER NOT NULL,
	PRIMARY KEY (stack_id)
) WITHOUT ROWID;

CREATE TABLE objects (
	id             INTEGER PRIMARY KEY,
	alloc_stack_id INTEGER NOT NULL REFERENCES stacks(id),
	kind           TEXT NOT NULL,
	size           INTEGER NOT NULL,
	alloc_tid      INTEGER NOT NULL,
	alloc_ns       INTEGER NOT NULL,
	free_stack_id  INTEGER REFERENCES stacks(id),
	free_tid       INTEGER,
	free_ns        INTEGER,
	freed_by       TEXT,
	scope_pos      INTEGER,
	free_scope_pos INTEGER,
	alloc_cfas     BLOB NOT NULL,
	free_cfas      BLOB,
	alloc_inv      INTEGER,
	free_inv       INTEGER
);

CREATE TABLE scope_probes (
	function    TEXT NOT NULL,
	module      TEXT NOT NULL,
	-- '' a call scope; else a loop iteration's call. Before the other columns: SQLite 3.40's
	-- quick_check misreads a WITHOUT ROWID table whose key columns are not its first ones
	loop_call   TEXT NOT NULL DEFAULT '',
	invocations INTEGER NOT NULL,
	total_ns    INTEGER NOT NULL,
	PRIMARY KEY (function, module, loop_call)
) WITHOUT ROWID;

CREATE TABLE threads (
	tid    INTEGER PRIMARY KEY,
	name   TEXT NOT NULL DEFAULT '',
	allocs INTEGER NOT NULL,
	bytes  INTEGER NOT NULL,
	cpu_samples INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE counters (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

-- Overhead-budget mode: one row per window in which the allocator probes were attached.
CREATE TABLE windows (
	id             INTEGER PRIMARY KEY,
	start_ns       INTEGER NOT NULL, -- since the start of the recording
	armed_ns       INTEGER NOT NULL,
	tail_ns        INTEGER NOT NULL,
	allocs         INTEGER NOT NULL,
	frees          INTEGER NOT NULL,
	tail_frees     INTEGER NOT NULL,
	bytes          INTEGER NOT NULL,
	target_cpu_ns  INTEGER NOT NULL,
	lost_ns        INTEGER NOT NULL,
	saturation     REAL NOT NULL,
	exposure_ns    INTEGER NOT NULL,
	exposure_lo_ns INTEGER NOT NULL,
	exposure_hi_ns INTEGER NOT NULL
);

-- Allocations per window and stack (the window-to-window spread gives the error bars).
CREATE TABLE window_stats (
	window_id INTEGER NOT NULL REFERENCES windows(id),
	stack_id  INTEGER NOT NULL REFERENCES stacks(id),
	allocs    INTEGER NOT NULL,
	bytes     INTEGER NOT NULL,
	PRIMARY KEY (window_id, stack_id)
) WITHOUT ROWID;
