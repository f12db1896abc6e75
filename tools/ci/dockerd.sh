#!/usr/bin/env bash
# start|stop a dockerd for the tests, with the flags this kind of machine needs (no bridge, no
# iptables, vfs storage). `start` prints nothing and leaves an already running daemon alone.
set -euo pipefail
pidfile=/tmp/coreos-ts-dockerd.pid
case "${1:-}" in
  start)
    if docker version >/dev/null 2>&1; then exit 0; fi
    command -v dockerd >/dev/null || { echo "dockerd: not installed (apt-get install docker.io)" >&2; exit 0; }
    [ "$(id -u)" = 0 ] || { echo "dockerd: needs root; docker tests will fail saying so" >&2; exit 0; }
    dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
      >/tmp/coreos-ts-dockerd.log 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      docker version >/dev/null 2>&1 && exit 0
      sleep 0.2
    done
    echo "dockerd: did not answer within 20 s; see /tmp/coreos-ts-dockerd.log" >&2
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
    fi
    ;;
  *) echo "usage: dockerd.sh start|stop" >&2; exit 2 ;;
esac
