#!/usr/bin/env bash
# Everything a fresh Debian 12 / Node 20 machine needs before the project builds and its tests run:
# the Debian packages the tests use (when root), the workspace's npm dependencies, and the build.
set -euo pipefail
cd "$(dirname "$0")/../.."

debian_packages=(etcd-server etcd-client cgpt gdisk docker.io busybox-static openssl iproute2 nftables procps)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (tests that need them will fail saying so): ${missing[*]}" >&2
  fi
fi

pnpm() { npx -y pnpm@12.4.2 "$@"; }
if [ "${CI:-}" = true ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --reporter=append-only
fi
npx tsc -b
