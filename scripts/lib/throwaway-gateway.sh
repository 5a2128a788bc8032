# Sourced by scripts/fuzz-api and Benchmarks/http/run: starts `wa-gateway serve` from the binary given on the memory
# store with the simulator, request limits off and a free loopback port, waits until it answers, and sets `work`
# (its temporary data directory), `port`, `server` (the process id) and `key` (the API key its first start
# printed). An EXIT trap stops it and removes the directory.
#
#   start_throwaway_gateway "$binary" "fuzz-api"

start_throwaway_gateway() {
    local binary=$1 caller=$2
    work=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    "$binary" serve --store memory --transport simulator --data-dir "$work" --port "$port" --request-limits off \
        --log-format text --log-level error >"$work/serve.log" 2>&1 &
    server=$!
    trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
    key=
    for _ in $(seq 1 300); do
        key=$(grep -o 'wa_live_[A-Za-z0-9_-]*' "$work/serve.log" | head -n 1 || true)
        [ -n "$key" ] && curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
        kill -0 "$server" 2>/dev/null || break
        sleep 0.2
    done
    cat "$work/serve.log"
    echo "$caller: the gateway did not start or printed no API key" >&2
    exit 1
}
