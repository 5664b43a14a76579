# shellcheck shell=bash
# Recipe for redis-server (bench/real.sh): a server on a private port, loaded by two
# redis-benchmark clients (GET and SET, 16 commands pipelined, 100,000 random keys), attached
# by PID for 6 s while the load runs.
REDIS_PORT=6391
REDIS_PIDS=()
redis_stop() {
	[ "${#REDIS_PIDS[@]}" -eq 0 ] || kill "${REDIS_PIDS[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	REDIS_PIDS=()
}
real_prepare() { :; }
real_record() {
	trap redis_stop EXIT
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --logfile "$WORK/redis.log" --dir "$WORK" &
	local server=$!
	REDIS_PIDS+=("$server")
	local tries=0
	until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || { echo "redis-server did not answer on port $REDIS_PORT" >&2; return 1; }
		sleep 0.1
	done
	redis-benchmark -p "$REDIS_PORT" -q -t set -n 200000 -r 100000 -P 16 >/dev/null
	redis-benchmark -p "$REDIS_PORT" -q -t get -n 100000000 -r 100000 -P 16 -c 20 >/dev/null &
	REDIS_PIDS+=("$!")
	redis-benchmark -p "$REDIS_PORT" -q -t set -n 100000000 -r 100000 -P 16 -c 10 >/dev/null &
	REDIS_PIDS+=("$!")
	sleep 1
	"$ARENAPROF" record -q -f -o "$OUT" -p "$server" -d 6
	redis_stop
}
