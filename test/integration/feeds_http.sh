#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Feeds over real HTTP(S) on a namespace's loopback (test/integration/feed_server.py):
# one feed walked through every failure mode. After each failure the enforced blocklist
# is byte-for-byte what it was, the exit code says failure and `feeds status` the reason.
# Then 304, gzip (Content-Encoding and raw .gz), a 429's Retry-After honoured, TLS
# verification, https->http redirects refused, an API key never follows a redirect to
# another origin (a recording server checks), and a packet from a feed prefix dropped.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/feeds_lib.sh"

make_pair
xg attach "$VETH_DST" --mode generic >/dev/null

# The list: Spamhaus DROP as FireHOL re-publishes it (986 prefixes, with an Entries
# header), plus the source address of this test's blocked host.
mkdir -p "$WORK/http" "$WORK/tls"
{ cat "$SAMPLES/firehol/spamhaus_drop.netset"; } > "$WORK/http/list.txt"
sed -i 's/^# Entries .*/# Entries         : 987 subnets/' "$WORK/http/list.txt"
echo "198.18.0.0/15" >> "$WORK/http/list.txt"
cp "$WORK/http/list.txt" "$WORK/tls/list.txt"
echo ok > "$WORK/http/mode"
echo ok > "$WORK/tls/mode"

openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -days 1 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
HTTP_PORT=18080
TLS_PORT=18443
start_feed_server "$WORK/http" $HTTP_PORT
start_feed_server "$WORK/tls" $TLS_PORT --tls "$WORK/cert.pem" "$WORK/key.pem" --http-port $HTTP_PORT

cat > "$WORK/config.json" <<JSON
{"state_dir": "$WORK/state",
 "protect": {"block_private": true},
 "feeds": [
  {"name": "web", "format": "plain", "url": "http://127.0.0.1:$HTTP_PORT/feed",
   "max_bytes": 1048576, "timeout": "3s", "connect_timeout": "2s"},
  {"name": "tls", "format": "plain", "url": "https://127.0.0.1:$TLS_PORT/feed",
   "ca_file": "$WORK/cert.pem", "timeout": "3s"}
 ]}
JSON
CFG=(--config "$WORK/config.json")
xg check "${CFG[@]}" >/dev/null

snapshot() { xg block list --json | sha256sum | cut -d' ' -f1; }
reason() { xg feeds status "${CFG[@]}" --json | python3 -c "import json,sys; print([f for f in json.load(sys.stdin) if f['name']=='$1'][0]['last_error_reason'])"; }
count() { xg block list --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"; }

log "first apply"
xg feeds apply "${CFG[@]}" > "$WORK/out" || { cat "$WORK/out"; fail "first apply failed"; }
grep -q "^web .*updated" "$WORK/out" || fail "web not updated: $(cat "$WORK/out")"
n=$(count)
[[ $n -ge 900 ]] || fail "only $n entries applied"
GOOD=$(snapshot)

expect_failure() {  # mode reason
  echo "$1" > "$WORK/http/mode"
  if xg feeds refresh web "${CFG[@]}" > "$WORK/out" 2> "$WORK/err"; then
    fail "mode $1: refresh succeeded: $(cat "$WORK/out")"
  fi
  [[ $(snapshot) == "$GOOD" ]] || fail "mode $1: the enforced set changed"
  local r
  r=$(reason web)
  [[ $r == "$2" ]] || fail "mode $1: reason '$r', expected '$2' ($(cat "$WORK/out" "$WORK/err"))"
  log "mode $1: refused ($r), enforced set unchanged"
}
expect_failure status-500 http
expect_failure status-401 http
expect_failure html-200 parse
expect_failure json-error parse
expect_failure empty parse
expect_failure slow timeout
expect_failure truncated truncated
expect_failure oversize oversize
expect_failure redirect-loop config
# A shrink: a real but much smaller list.
grep -v '^#' "$SAMPLES/firehol/spamhaus_edrop.netset" > "$WORK/http/other.txt"
expect_failure other shrink
# 429 last: its Retry-After (an hour) must stop even an explicit refresh.
expect_failure status-429 rate_limited
echo ok > "$WORK/http/mode"
before=$(wc -l < "$WORK/http/requests.log")
xg feeds refresh web "${CFG[@]}" > "$WORK/out" || true
grep -q "backing-off" "$WORK/out" || fail "refresh after 429 did not back off: $(cat "$WORK/out")"
[[ $(wc -l < "$WORK/http/requests.log") == "$before" ]] || fail "the server was asked during Retry-After"
log "429: Retry-After honoured (no request sent)"

log "--force past Retry-After; 304 with the cached ETag"
xg feeds refresh web "${CFG[@]}" --force > "$WORK/out" || fail "forced refresh failed: $(cat "$WORK/out")"
grep -q "^web .*unchanged" "$WORK/out" || fail "expected unchanged: $(cat "$WORK/out")"
tail -1 "$WORK/http/requests.log" | grep -q 'inm="' || fail "no If-None-Match sent"
[[ $(snapshot) == "$GOOD" ]] || fail "304 changed the set"
[[ $(reason web) == "" ]] || true

for mode in ok-gzip raw-gzip; do
  echo "$mode" > "$WORK/http/mode"
  xg feeds refresh web "${CFG[@]}" > "$WORK/out" || fail "$mode failed: $(cat "$WORK/out")"
  [[ $(snapshot) == "$GOOD" ]] || fail "$mode: a gzip body gave a different set"
  log "$mode: same set"
done

log "TLS: verified with the configured CA; https->http redirect refused"
xg feeds refresh tls "${CFG[@]}" > "$WORK/out" || fail "tls feed failed: $(cat "$WORK/out")"
grep -Eq "^tls +(updated|unchanged)" "$WORK/out" || fail "tls feed not fetched: $(cat "$WORK/out")"
echo to-http > "$WORK/tls/mode"
xg feeds refresh tls "${CFG[@]}" > "$WORK/out" 2>&1 && fail "https->http redirect was followed"
grep -qi "protocol" "$WORK/out" || fail "unexpected redirect error: $(cat "$WORK/out")"
echo ok > "$WORK/tls/mode"
sed -i 's|"ca_file": "[^"]*", ||' "$WORK/config.json"
xg feeds refresh tls "${CFG[@]}" > "$WORK/out" 2>&1 && fail "a self-signed certificate was accepted without ca_file"
grep -qi "certificate" "$WORK/out" || fail "unexpected TLS error: $(cat "$WORK/out")"
log "TLS checks pass"

log "API key: a redirect to another origin is refused and the other server never sees the key"
# Two recorders on other ports of this host (another origin: scheme, host and port), one
# plain and one TLS with the same certificate, so a leak could only be the client's doing.
mkdir -p "$WORK/steal" "$WORK/steal-tls" "$WORK/state-key"
echo ok > "$WORK/steal/mode"; echo ok > "$WORK/steal-tls/mode"
cp "$WORK/http/list.txt" "$WORK/steal/list.txt"; cp "$WORK/http/list.txt" "$WORK/steal-tls/list.txt"
start_feed_server "$WORK/steal" 18081
start_feed_server "$WORK/steal-tls" 18444 --tls "$WORK/cert.pem" "$WORK/key.pem"
echo "k3y-that-must-not-leak" > "$WORK/apikey"
chmod 600 "$WORK/apikey"
cat > "$WORK/key.json" <<JSON
{"state_dir": "$WORK/state-key",
 "feeds": [
  {"name": "abuse", "format": "abuseipdb", "url": "http://127.0.0.1:$HTTP_PORT/feed",
   "api_key_file": "$WORK/apikey", "timeout": "3s"},
  {"name": "abuse-tls", "format": "abuseipdb", "url": "https://127.0.0.1:$TLS_PORT/feed",
   "api_key_file": "$WORK/apikey", "ca_file": "$WORK/cert.pem", "timeout": "3s"}]}
JSON
echo to-location > "$WORK/http/mode"; echo "http://127.0.0.1:18081/steal" > "$WORK/http/location"
echo to-location > "$WORK/tls/mode"; echo "https://127.0.0.1:18444/steal" > "$WORK/tls/location"
for feed in abuse abuse-tls; do
  xg feeds refresh "$feed" --config "$WORK/key.json" > "$WORK/out" 2>&1 && fail "$feed: the cross-origin redirect was followed"
  grep -q "redirect to another origin refused" "$WORK/out" || fail "$feed: unexpected outcome: $(cat "$WORK/out")"
done
grep -q "key=yes" "$WORK/http/requests.log" || fail "the configured server did not get the key (the test proves nothing)"
for rec in steal steal-tls; do
  if [[ -f "$WORK/$rec/requests.log" ]] && grep -q "key=yes" "$WORK/$rec/requests.log"; then
    fail "the API key reached the other origin ($rec): $(cat "$WORK/$rec/requests.log")"
  fi
done
echo ok > "$WORK/http/mode"; echo ok > "$WORK/tls/mode"
log "API key: cross-host and https->https-other-host redirects refused; the recorders saw no key"

log "traffic: a source inside a feed prefix is dropped"
in_src ip addr add 198.18.0.7/24 dev "$VETH_SRC"
in_dst ip route add 198.18.0.0/24 dev "$VETH_DST"
in_src ping -c3 -i0.2 -W1 -I 198.18.0.7 10.200.0.10 >/dev/null 2>&1 && fail "ping from a feed-listed source got through"
in_src ping -c1 -W2 -I 10.200.0.2 10.200.0.10 >/dev/null || fail "an unlisted source was blocked"
log "PASS"
