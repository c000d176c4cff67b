#!/usr/bin/env bash
# A Ballista cluster on loopback for parquetframe's distributed engine: one
# scheduler and N executors (default 2), built from the crates.io releases
# the client uses (workspace member parquetframe-cluster).
#
#   scripts/cluster.sh start [N]     start, print PARQUETFRAME_CLUSTER=df://127.0.0.1:PORT
#   scripts/cluster.sh stop          stop every process started here
#   scripts/cluster.sh status        what runs
#   scripts/cluster.sh kill-executor I   stop executor I (1-based) at once (SIGKILL)
#   scripts/cluster.sh run CMD...    start, run CMD with PARQUETFRAME_CLUSTER set, stop
#
# Environment: PF_CLUSTER_DIR (state, logs and executor work dirs; default
# $TMPDIR/parquetframe-cluster), PF_CLUSTER_PORT (scheduler port, default
# 30150, below Linux's ephemeral range (32768-60999) so that no client
# socket of an earlier step can hold it; executors take the next ports), PF_CLUSTER_POLICY (pull-staged or
# push-staged), PF_CLUSTER_PROFILE (debug or release), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR="${PF_CLUSTER_DIR:-${TMPDIR:-/tmp}/parquetframe-cluster}"
PORT="${PF_CLUSTER_PORT:-30150}"
# Executors pull tasks: after an executor is lost, the tasks it held are
# taken by the others.
POLICY="${PF_CLUSTER_POLICY:-pull-staged}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${HOME:-/tmp}/.cache/parquetframe-target}"
# PF_CLUSTER_PROFILE=release builds and runs optimized binaries (benchmarks).
PROFILE="${PF_CLUSTER_PROFILE:-debug}"
BIN="$CARGO_TARGET_DIR/$PROFILE"

log() { printf 'cluster: %s\n' "$*" >&2; }

build() {
  # The same features as the README's test command, so the libraries
  # compiled for the tests are reused.
  log "building pframe-scheduler and pframe-executor ($PROFILE)"
  if [ "$PROFILE" = release ]; then
    cargo build --release --workspace --all-features --bins --quiet
  else
    cargo build --workspace --all-features --bins --quiet
  fi
}

open_port() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 what=$2 pidfile=$3
  for _ in $(seq 1 300); do
    if open_port "$port"; then return 0; fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
      log "$what exited; its log:"; tail -20 "${pidfile%.pid}.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "$what did not open port $port within 30 s"; return 1
}

start() {
  local n="${1:-2}"
  if [ -f "$DIR/scheduler.pid" ] && kill -0 "$(cat "$DIR/scheduler.pid")" 2>/dev/null; then
    log "already running (scripts/cluster.sh stop first)"; return 1
  fi
  build
  rm -rf "$DIR"; mkdir -p "$DIR"
  if open_port "$PORT"; then log "port $PORT is taken: set PF_CLUSTER_PORT"; return 1; fi
  # Short heartbeats and timeouts: a lost executor is noticed in seconds.
  RUST_LOG="${RUST_LOG:-info}" "$BIN/pframe-scheduler" --bind-host 127.0.0.1 --external-host 127.0.0.1 \
    --bind-port "$PORT" --executor-timeout-seconds 6 --expire-dead-executor-interval-seconds 2 \
    --scheduler-policy "$POLICY" \
    >"$DIR/scheduler.log" 2>&1 &
  echo $! >"$DIR/scheduler.pid"
  wait_port "$PORT" scheduler "$DIR/scheduler.pid"
  for i in $(seq 1 "$n"); do
    local flight=$((PORT + 2 * i - 1)) grpc=$((PORT + 2 * i))
    mkdir -p "$DIR/executor-$i"
    RUST_LOG="${RUST_LOG:-info}" "$BIN/pframe-executor" --scheduler-host 127.0.0.1 --scheduler-port "$PORT" \
      --bind-host 127.0.0.1 --external-host 127.0.0.1 --bind-port "$flight" --bind-grpc-port "$grpc" \
      --work-dir "$DIR/executor-$i" --vcores 1 --executor-heartbeat-interval-seconds 2 \
      --task-scheduling-policy "$POLICY" \
      >"$DIR/executor-$i.log" 2>&1 &
    echo $! >"$DIR/executor-$i.pid"
    wait_port "$flight" "executor $i" "$DIR/executor-$i.pid"
  done
  # Registered once the scheduler logs each executor.
  for _ in $(seq 1 100); do
    [ "$(grep -c 'register executor request' "$DIR/scheduler.log" || true)" -ge "$n" ] && break
    sleep 0.1
  done
  echo "df://127.0.0.1:$PORT" >"$DIR/address"
  log "scheduler on 127.0.0.1:$PORT, $n executor(s); logs in $DIR"
  echo "PARQUETFRAME_CLUSTER=df://127.0.0.1:$PORT"
}

stop() {
  local pid
  for f in "$DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  log "stopped"
}

status() {
  for f in "$DIR"/*.pid; do
    [ -e "$f" ] || { log "not running"; return 0; }
    local name; name="$(basename "$f" .pid)"
    if kill -0 "$(cat "$f")" 2>/dev/null; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: gone"; fi
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  kill-executor)
    f="$DIR/executor-${2:?executor number}.pid"
    kill -9 "$(cat "$f")"; rm -f "$f"; log "killed executor $2" ;;
  run)
    shift
    start 2 >/dev/null
    trap stop EXIT
    PARQUETFRAME_CLUSTER="$(cat "$DIR/address")" PF_CLUSTER_DIR="$DIR" "$@"
    ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
