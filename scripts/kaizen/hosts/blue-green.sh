#!/bin/bash
# Run on the staging host by `kaizen deploy` (ssh ... bash -s), for target ssh-compose with
# strategy blue-green; see kaizen/deploy_targets.py for the modes and exit codes.
set -u
mode=$1 dir=$2 project=$3 ref=$4 compose_b64=$5 public=$6 blue_port=$7 green_port=$8 health=$9
proxy_image=${10} timeout=${11} drain=${12}
shift 12
compose=("$@")
# shellcheck disable=SC2088 # a literal ~/ from the compose-directory input, expanded here
case $dir in "~/"*) dir="$HOME/${dir#\~/}" ;; esac
if ! mkdir -p "$dir/.kaizen/proxy" || ! cd "$dir"; then echo "cannot use $dir on $(hostname)" >&2; exit 2; fi
state=.kaizen
# Each part of a deploy, timed for its summary: "kaizen-phase <part> <seconds>" on stdout.
mark=$(date +%s.%N)
phase() {
  local now; now=$(date +%s.%N)
  awk -v a="$mark" -v b="$now" -v n="$1" 'BEGIN { printf "kaizen-phase %s %.2f\n", n, b - a }'
  mark=$now
}
# One deploy, rollback or old-slot stop at a time on this folder: the stop of a drained slot runs
# in the background after a deploy and holds this lock until it is done. Without flock(1), the
# deploy waits out the drain in the foreground instead.
lock_host() {
  command -v flock >/dev/null || return 0
  exec 9>"$state/lock" || return 0
  flock -w "${timeout%.*}" 9 || { echo "error: another deploy holds $dir/$state/lock" >&2; exit 2; }
}
port_of() { if [ "$1" = blue ]; then echo "$blue_port"; else echo "$green_port"; fi; }
# A compose command for one slot, with the image and port that slot was started with.
slot() {
  local name=$1; shift
  KAIZEN_IMAGE=$(cat "$state/$name.ref" 2>/dev/null || echo none) KAIZEN_SLOT_PORT=$(port_of "$name") \
    "${compose[@]}" -p "$project-$name" -f "compose.$name.yml" "$@"
}
proxy() { KAIZEN_PROXY_IMAGE=$proxy_image "${compose[@]}" -p "$project-proxy" -f "$state/proxy.yml" "$@"; }
# One HTTP GET on the host's loopback, with bash alone: prints the status line and headers.
get() {
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3
    timeout 5 sed -n '1,/^\r\{0,1\}$/p' <&3 ) 2>/dev/null
}
healthy() {
  local deadline=$((SECONDS + ${timeout%.*}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    case $(get "$1" "$health" | head -n 1) in "HTTP/"*" 200"*) return 0 ;; esac
    sleep 0.5
  done
  return 1
}
write_proxy() {
  cat > "$state/proxy.yml" <<'YAML'
# Written by Kaizen: the reverse proxy in front of the blue and green slots.
services:
  proxy:
    image: ${KAIZEN_PROXY_IMAGE}
    network_mode: host
    restart: unless-stopped
    volumes:
      - ./proxy:/etc/kaizen-proxy:ro
    command: ["nginx", "-c", "/etc/kaizen-proxy/nginx.conf", "-g", "daemon off;"]
YAML
  cat > "$state/proxy/nginx.conf.next" <<CONF
# Written by Kaizen: port $public goes to the $1 slot (127.0.0.1:$(port_of "$1")).
worker_processes 1;
pid /tmp/kaizen-proxy.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  # No keep-alive towards clients: a reload then never closes a connection a client is about
  # to reuse, so switching slots drops no request.
  keepalive_timeout 0;
  server {
    listen $public;
    location / {
      proxy_pass http://127.0.0.1:$(port_of "$1");
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      add_header X-Kaizen-Slot $1 always;
    }
  }
}
CONF
  mv -f "$state/proxy/nginx.conf.next" "$state/proxy/nginx.conf"
}
# Point the proxy at slot $1: a graceful nginx reload (old workers finish their requests), then
# wait until the public port answers from that slot.
# $2 "handover": the proxy was started while the port was still held (see migrate), so it is
# only awaited; started again if it gave up.
switch() {
  local began
  began=$(date +%s.%N)
  if [ "${2:-}" = handover ]; then
    local until=$((SECONDS + 5))
    until get "$public" "$health" | grep -qi "^X-Kaizen-Slot: $1" || [ "$SECONDS" -ge "$until" ]; do sleep 0.05; done
    get "$public" "$health" | grep -qi "^X-Kaizen-Slot: $1" || proxy up -d --force-recreate >&2 || return 1
  else
    write_proxy "$1"
    if [ -n "$(proxy ps -q proxy 2>/dev/null)" ] && proxy kill -s SIGHUP proxy >/dev/null 2>&1; then :; else
      proxy up -d --force-recreate >&2 || return 1
    fi
  fi
  local deadline=$((SECONDS + 30))
  until get "$public" "$health" | grep -qi "^X-Kaizen-Slot: $1"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "the proxy did not switch to the $1 slot" >&2; return 1; }
    sleep 0.1
  done
  local took
  took=$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  echo "switched port $public to the $1 slot in $took s"
  date +%s > "$state/switched-at"
}
case $mode in deploy|rollback|record) lock_host ;; esac
phase lock
active=$(cat "$state/active" 2>/dev/null || true)
previous=$(cat "$state/previous" 2>/dev/null || true)
case $mode in
  current) cat "$state/last-good" 2>/dev/null; exit 0 ;;
  record)
    cp "compose.$active.yml" "$state/last-good.yml" && printf '%s\n' "$ref" > "$state/last-good" || exit 2
    # Let the old slot finish what it was serving, then stop it; it stays for an instant rollback.
    if [ -n "$previous" ]; then
      wait=$(( $(cat "$state/switched-at" 2>/dev/null || echo 0) + drain - $(date +%s) ))
      [ "$wait" -gt 0 ] || wait=0
      if command -v flock >/dev/null; then
        # In the background, holding the lock (fd 9) the next deploy takes first: the job goes on.
        ( trap '' HUP; sleep "$wait"; slot "$previous" stop ) </dev/null >"$state/drain.log" 2>&1 &
        echo "the $previous slot stops after draining ${wait}s more, in the background"
      else
        sleep "$wait"; slot "$previous" stop >&2
      fi
    fi
    exit 0 ;;
  deploy)
    idle=blue; [ "$active" = blue ] && idle=green
    printf '%s' "$compose_b64" | base64 -d > "compose.next.yml" || exit 2
    KAIZEN_IMAGE=$ref KAIZEN_SLOT_PORT=$(port_of "$idle") "${compose[@]}" -p "$project-$idle" -f "compose.next.yml" pull || exit 3
    for engine in docker podman; do
      if command -v $engine >/dev/null; then
        $engine image inspect "$ref" >/dev/null 2>&1 && break
        echo "error: $ref is not on the host after the pull: manifest unknown" >&2
        exit 3
      fi
    done
    phase pull
    # Remove the idle slot's old containers first: the late clean-up of a replaced container
    # (one that crash-looped, say) can tear down the port forward its successor uses.
    [ -f "compose.$idle.yml" ] && slot "$idle" rm --force --stop >&2
    mv "compose.next.yml" "compose.$idle.yml" && printf '%s\n' "$ref" > "$state/$idle.ref"
    slot "$idle" up -d --force-recreate --remove-orphans || { slot "$idle" stop; exit 5; }
    phase start
    if ! healthy "$(port_of "$idle")"; then
      echo "error: the $idle slot ($ref) did not answer $health with 200 within ${timeout}s" >&2
      slot "$idle" logs --tail 30 >&2; slot "$idle" stop >&2; exit 6
    fi
    phase health
    how=reload
    if [ -z "$active" ] && [ -f compose.yml ]; then
      # The first blue-green deploy on a host that ran one container: it gives up the public
      # port to the proxy; its compose file and last good version stay. The proxy starts first,
      # while the old container still holds the port: nginx retries its bind every half second
      # (five times), so it takes the port within that of the old container letting it go,
      # instead of after the old container's removal and the proxy's own start.
      echo "migrating: stopping the single-container service of $project so the proxy can take port $public" >&2
      write_proxy "$idle"
      proxy up -d --force-recreate >&2 || exit 7
      KAIZEN_IMAGE=$(cat "$state/last-good" 2>/dev/null || echo none) "${compose[@]}" -p "$project" -f compose.yml down >&2 || exit 7
      mv compose.yml "$state/migrated-compose.yml"
      how=handover
    fi
    switch "$idle" "$how" || exit 8
    phase switch
    printf '%s\n' "$active" > "$state/previous"; printf '%s\n' "$idle" > "$state/active"
    exit 0 ;;
  rollback)
    if [ -n "$previous" ] && [ -f "compose.$previous.yml" ]; then
      slot "$previous" start >&2 || slot "$previous" up -d >&2 || exit 4
      healthy "$(port_of "$previous")" || { echo "error: the $previous slot is not healthy" >&2; exit 4; }
      switch "$previous" || exit 4
      printf '%s\n' "$previous" > "$state/active"; : > "$state/previous"
      slot "$active" stop >&2
      exit 0
    fi
    if [ -z "$previous" ] && [ -f "$state/migrated-compose.yml" ]; then
      proxy down >&2; mv "$state/migrated-compose.yml" compose.yml
      KAIZEN_IMAGE=$ref "${compose[@]}" -p "$project" -f compose.yml up -d >&2 || exit 4
      : > "$state/active"; exit 0
    fi
    echo "error: no earlier slot to switch back to" >&2; exit 4 ;;
esac
