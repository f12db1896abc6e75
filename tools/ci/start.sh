#!/usr/bin/env bash
# `npm start`: set up, build, and run the project's main job: a local cluster when the e2e
# harness is built, otherwise the most complete thing that runs (a single kvd member).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/ci/setup.sh
if [ -f e2e/dist/bin/cluster.js ]; then
  dir=$(mktemp -d /tmp/coreos-ts-cluster.XXXXXX)
  exec node e2e/dist/bin/cluster.js up --nodes 3 --dir "$dir" --watch
elif [ -f packages/kv/dist/bin/kvd.js ]; then
  dir=$(mktemp -d /tmp/coreos-ts-kvd.XXXXXX)
  echo "start: a single kvd member on http://127.0.0.1:2379 (data in $dir); try: etcdctl put hello world"
  exec node packages/kv/dist/bin/kvd.js --name default --data-dir "$dir/default.etcd"
else
  echo "start: nothing runnable is built yet" >&2
  exit 1
fi
