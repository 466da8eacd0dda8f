#!/usr/bin/env bash
# Peer comparison for the load generator: campaign-load (Goose), oha and wrk drive the same
# campaign-sim (release build, on 127.0.0.1) with the smoke scenario's operations — Kore.ai v1
# voice start and stop — at 32 connections/users for DURATION each, in one run. Prints each
# tool's requests per second, p50 and p99, and the ratios; then measures campaign-load's peak RSS
# over a RSS_RUN (default 60 s) full-speed run with /usr/bin/time -v.
#
#   benches/load-vs-peers.sh
#   DURATION=5s RSS_RUN=10s benches/load-vs-peers.sh     # quicker
#   HTTPS=0 benches/load-vs-peers.sh                     # skip the HTTPS round
#
# Then an HTTPS round (unless HTTPS=0): a second campaign-sim serves TLS with a self-signed RSA
# 2048 certificate for 127.0.0.1 made by openssl for this run, and campaign-load's lean client
# (--ca-file), campaign-load through Goose's client (--client goose) and oha drive it with the
# same mix; ratios against oha over TLS.
#
# How each tool makes the mix: campaign-load runs the smoke scenario's flow (start then stop,
# each user on its own campaign); wrk uses benches/kore-mix.lua (every id alternates start and
# stop); oha cannot script a sequence, so it draws each URL from a regex over 1000 ids and both
# triggers (about half its answers are 400: starting an Active campaign or stopping an idle one,
# which costs the simulator the same work). Quote the ratios, measured side by side.

set -euo pipefail
DURATION="${DURATION:-10s}"
RSS_RUN="${RSS_RUN:-60s}"
USERS="${USERS:-32}"
SIM_PORT="${SIM_PORT:-18091}"
HTTPS="${HTTPS:-1}"
TLS_PORT="${TLS_PORT:-$((SIM_PORT + 1))}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/load-vs-peers.XXXXXX")"
SIM_PID=""
TLS_SIM_PID=""
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'load-vs-peers: %s\n' "$*" >&2; exit 1; }
cleanup() {
  local rc=$?
  local pid
  for pid in "$SIM_PID" "$TLS_SIM_PID"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  [ "${KEEP_TMP:-0}" = 1 ] && log "kept $TMP" || rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -------------------------------------------------------------------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/bin/time ] || missing+=(time)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "$HTTPS" != 0 ]; then command -v openssl >/dev/null 2>&1 || missing+=(openssl); fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]} from Debian's packages"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ! command -v oha >/dev/null 2>&1; then
  log "installing oha (cargo install oha --locked)"
  cargo install oha --locked
fi
log "building campaign-sim and campaign-load (release)"
(cd "$ROOT" && cargo build --release -j2 -p campaign-sim -p campaign-load)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
SIM="$TARGET/release/campaign-sim"
LOAD="$TARGET/release/campaign-load"
BASE="http://127.0.0.1:$SIM_PORT"

"$SIM" --addr "127.0.0.1:$SIM_PORT" >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "$BASE/__sim/counters" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "$BASE/__sim/counters" || die "campaign-sim did not start"
reset() { curl -fsS -o /dev/null -X POST "$BASE/__sim/reset"; }
served() { curl -fsS "$BASE/__sim/counters" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }

# Rate, p50, p99 (and count) of a campaign-load summary and of oha's JSON output.
cl_stats() {
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
# Aggregate of every request: merge the per-request service-time histograms (send to first
# byte, what oha and wrk time).
buckets, count, lo, hi = {}, 0, None, 0
for r in s["requests"].values():
    count += r["count"]
    for b, n in r["service"]["buckets"].items():
        buckets[int(b)] = buckets.get(int(b), 0) + n
def pct(p):
    rank, seen = max(1, round(count * p)), 0
    for b in sorted(buckets):
        seen += buckets[b]
        if seen >= rank:
            # the middle of Goose's log-linear bucket (64 per power of two above 128 us)
            width = 1 if b < 128 else 1 << (b.bit_length() - 1 - 6)
            return b + width // 2
    return 0
print(f'{count / s["duration_secs"]:.0f} {pct(0.5)/1000:.2f}ms {pct(0.99)/1000:.2f}ms {count}')
PY
}
oha_stats() {
  python3 - "$1" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
s, p = o["summary"], o["latencyPercentiles"]
print(f'{s["requestsPerSec"]:.0f} {p["p50"]*1000:.2f}ms {p["p99"]*1000:.2f}ms')
PY
}

# --- campaign-load -----------------------------------------------------------------------------
reset
log "campaign-load: smoke scenario, $USERS users, $DURATION"
(cd "$ROOT" && "$LOAD" --scenario scenarios/smoke.toml --host "$BASE" --users "$USERS" --hatch-rate 1000 \
  --run-time "$DURATION" --threshold "error-rate<100%" --summary "$TMP/cl.json" --quiet >"$TMP/cl.txt" 2>&1) || { cat "$TMP/cl.txt"; die "campaign-load failed"; }
cl_served="$(served)"
read -r cl_rps cl_p50 cl_p99 cl_count < <(cl_stats "$TMP/cl.json")

# --- oha ---------------------------------------------------------------------------------------
reset
log "oha: $USERS connections, $DURATION"
oha -z "$DURATION" -c "$USERS" --no-tui --output-format json -m POST \
  -H 'auth: bench-jwt' -H 'iid: st-bench' -H 'accountId: acc-bench' -H 'Content-Type: application/json' -d '{}' \
  --rand-regex-url "$BASE/campaign/api/v1/public/st-bench/campaign/load-[0-9]{3}\\?campaignType=voice&trigger=(play|stop)" \
  >"$TMP/oha.json" 2>"$TMP/oha.err" || { cat "$TMP/oha.err"; die "oha failed"; }
oha_served="$(served)"
read -r oha_rps oha_p50 oha_p99 < <(oha_stats "$TMP/oha.json")

# --- wrk ---------------------------------------------------------------------------------------
reset
log "wrk: 1 thread, $USERS connections, $DURATION, kore-mix.lua"
wrk -t1 -c"$USERS" -d"$DURATION" --latency -s "$ROOT/benches/kore-mix.lua" "$BASE" >"$TMP/wrk.txt"
wrk_rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$TMP/wrk.txt")"
wrk_p50="$(awk '$1 == "50%" {print $2}' "$TMP/wrk.txt")"
wrk_p99="$(awk '$1 == "99%" {print $2}' "$TMP/wrk.txt")"

# --- peak RSS of a full-speed campaign-load run ----------------------------------------------------
reset
log "campaign-load peak RSS: $USERS users at full speed for $RSS_RUN"
(cd "$ROOT" && /usr/bin/time -v -o "$TMP/rss.time" "$LOAD" --scenario scenarios/smoke.toml --host "$BASE" --users "$USERS" \
  --hatch-rate 1000 --run-time "$RSS_RUN" --threshold "error-rate<100%" --quiet >"$TMP/rss.txt" 2>&1) || { tail -20 "$TMP/rss.txt"; die "RSS run failed"; }
rss_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/rss.time")"
rss_requests="$(served)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "load generators against one campaign-sim ($(nproc) cores shared by tool and simulator; $USERS users/connections; $DURATION each):"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s (simulator served %s)\n' "campaign-load (Goose; smoke: start, stop)" "$cl_rps" "$cl_p50" "$cl_p99" "$cl_served"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s (simulator served %s)\n' "oha (regex URL over start/stop)" "$oha_rps" "$oha_p50" "$oha_p99" "$oha_served"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s\n' "wrk -t1 (kore-mix.lua)" "$wrk_rps" "$wrk_p50" "$wrk_p99"
printf '  %-44s %s (target >= 0.50)\n' "ratio campaign-load / oha" "$(ratio "$cl_rps" "$oha_rps")"
printf '  %-44s %s\n' "ratio campaign-load / wrk" "$(ratio "$cl_rps" "$wrk_rps")"
printf '  %-44s %s\n' "ratio oha / wrk" "$(ratio "$oha_rps" "$wrk_rps")"
printf '  %-44s %s MiB over %s requests (target < 200 MiB)\n' "campaign-load peak RSS ($RSS_RUN full speed)" \
  "$(awk -v k="${rss_kib:-0}" 'BEGIN { printf "%.1f", k / 1024 }')" "$rss_requests"

# --- HTTPS round --------------------------------------------------------------------------------
[ "$HTTPS" = 0 ] && exit 0
CERT="$TMP/tls-cert.pem"
KEY="$TMP/tls-key.pem"
# Not a CA (CA:FALSE): `req -x509` marks its certificate as one by default, and webpki (rustls:
# campaign-load, oha --cacert) refuses a CA certificate presented by a server as its own
# (CaUsedAsEndEntity), where OpenSSL (curl) lets it pass.
log "HTTPS: self-signed RSA 2048 certificate for 127.0.0.1 (openssl)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$KEY" -out "$CERT" -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE \
  >"$TMP/openssl.log" 2>&1 || { cat "$TMP/openssl.log"; die "openssl failed"; }
TLS_BASE="https://127.0.0.1:$TLS_PORT"
"$SIM" --addr "127.0.0.1:$TLS_PORT" --tls-cert "$CERT" --tls-key "$KEY" >"$TMP/tls-sim.log" 2>&1 &
TLS_SIM_PID=$!
for _ in $(seq 1 100); do curl -fsS --cacert "$CERT" -o /dev/null "$TLS_BASE/__sim/counters" 2>/dev/null && break; sleep 0.1; done
curl -fsS --cacert "$CERT" -o /dev/null "$TLS_BASE/__sim/counters" || { cat "$TMP/tls-sim.log"; die "campaign-sim (TLS) did not start"; }
tls_reset() { curl -fsS --cacert "$CERT" -o /dev/null -X POST "$TLS_BASE/__sim/reset"; }
tls_served() { curl -fsS --cacert "$CERT" "$TLS_BASE/__sim/counters" | python3 -c 'import json,sys; c = json.load(sys.stdin); print(c["total"], c["connections"]["tls_handshake_failures"])'; }

# campaign-load over TLS: $1 = lean|goose, $2 = output stem.
cl_tls() {
  (cd "$ROOT" && "$LOAD" --scenario scenarios/smoke.toml --host "$TLS_BASE" --ca-file "$CERT" --client "$1" \
    --users "$USERS" --hatch-rate 1000 --run-time "$DURATION" --threshold "error-rate<100%" \
    --summary "$TMP/$2.json" --quiet >"$TMP/$2.txt" 2>&1) || { cat "$TMP/$2.txt"; die "campaign-load --client $1 over TLS failed"; }
}

tls_reset
log "HTTPS campaign-load lean client: $USERS users, $DURATION"
cl_tls lean cl-lean-tls
read -r lean_tls_served lean_tls_failed < <(tls_served)
read -r lean_tls_rps lean_tls_p50 lean_tls_p99 _ < <(cl_stats "$TMP/cl-lean-tls.json")

tls_reset
log "HTTPS campaign-load through Goose's client: $USERS users, $DURATION"
cl_tls goose cl-goose-tls
read -r goose_tls_served goose_tls_failed < <(tls_served)
read -r goose_tls_rps goose_tls_p50 goose_tls_p99 _ < <(cl_stats "$TMP/cl-goose-tls.json")

# oha trusts the certificate when this version can be given one (--cacert); otherwise it skips
# verification (--insecure), which costs the handshake nothing measurable.
if oha --help 2>/dev/null | grep -q -- '--cacert'; then OHA_TLS=(--cacert "$CERT"); else OHA_TLS=(--insecure); fi
tls_reset
log "HTTPS oha ${OHA_TLS[0]}: $USERS connections, $DURATION"
oha -z "$DURATION" -c "$USERS" --no-tui --output-format json "${OHA_TLS[@]}" -m POST \
  -H 'auth: bench-jwt' -H 'iid: st-bench' -H 'accountId: acc-bench' -H 'Content-Type: application/json' -d '{}' \
  --rand-regex-url "$TLS_BASE/campaign/api/v1/public/st-bench/campaign/load-[0-9]{3}\\?campaignType=voice&trigger=(play|stop)" \
  >"$TMP/oha-tls.json" 2>"$TMP/oha-tls.err" || { cat "$TMP/oha-tls.err"; die "oha over TLS failed"; }
read -r oha_tls_served oha_tls_failed < <(tls_served)
read -r oha_tls_rps oha_tls_p50 oha_tls_p99 < <(oha_stats "$TMP/oha-tls.json")

echo
echo "over HTTPS (TLS 1.3, RSA 2048 self-signed; same simulator build, mix, users and duration):"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s (served %s, failed handshakes %s)\n' "campaign-load lean client (--ca-file)" "$lean_tls_rps" "$lean_tls_p50" "$lean_tls_p99" "$lean_tls_served" "$lean_tls_failed"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s (served %s, failed handshakes %s)\n' "campaign-load Goose client (--client goose)" "$goose_tls_rps" "$goose_tls_p50" "$goose_tls_p99" "$goose_tls_served" "$goose_tls_failed"
printf '  %-44s %9s req/s   p50 %-9s p99 %-9s (served %s, failed handshakes %s)\n' "oha ${OHA_TLS[0]}" "$oha_tls_rps" "$oha_tls_p50" "$oha_tls_p99" "$oha_tls_served" "$oha_tls_failed"
printf '  %-44s %s (target >= 0.70)\n' "ratio lean TLS / oha TLS" "$(ratio "$lean_tls_rps" "$oha_tls_rps")"
printf '  %-44s %s\n' "ratio goose TLS / oha TLS" "$(ratio "$goose_tls_rps" "$oha_tls_rps")"
