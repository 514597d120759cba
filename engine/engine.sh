#!/usr/bin/env bash
# A real search engine node on loopback for development and CI: OpenSearch 2.19.1 (Lucene, with
# the Elasticsearch REST API) resolved from Maven Central, plus the handshake bridge that lets the
# official 8.x `elasticsearch` client talk to it. Jars stay in the Maven cache (~/.m2), state in
# .engine/ (ignored by git).
#
#   engine/engine.sh start    # resolve jars (first time ~40 s), start node + bridge, wait for health
#   engine/engine.sh stop
#   engine/engine.sh status
#
# Then: PORTALWATCH_ES_URL=http://127.0.0.1:${ENGINE_PORT:-9282} portalwatch ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
state="${ENGINE_STATE_DIR:-$here/../.engine}"
port="${ENGINE_PORT:-9282}"
node_port=$((port + 1))
python="${PYTHON:-python3}"
mkdir -p "$state"

running() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

start() {
  if running node && running bridge; then echo "engine already running on http://127.0.0.1:$port"; return; fi
  stop >/dev/null 2>&1 || true
  if [ ! -s "$state/classpath.txt" ] || [ "$here/pom.xml" -nt "$state/classpath.txt" ]; then
    echo "resolving the engine's jars with Maven…"
    mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$state/classpath.txt"
  fi
  rm -rf "$state/node"
  nohup java -Xms2g -Xmx2g -cp "$(cat "$state/classpath.txt")" "$here/EngineMain.java" "$state/node" "$node_port" \
    > "$state/node.log" 2>&1 &
  echo $! > "$state/node.pid"
  nohup "$python" "$here/bridge.py" --listen "$port" --upstream "$node_port" > "$state/bridge.log" 2>&1 &
  echo $! > "$state/bridge.pid"
  for _ in $(seq 1 180); do
    if "$python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" \
        "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      echo "engine ready on http://127.0.0.1:$port (OpenSearch node on $node_port)"
      return
    fi
    if ! running node; then echo "engine failed to start; last log lines:" >&2; tail -20 "$state/node.log" >&2; exit 1; fi
    sleep 1
  done
  echo "engine not healthy after 180 s; see $state/node.log" >&2
  exit 1
}

stop() {
  for name in bridge node; do
    if running "$name"; then kill "$(cat "$state/$name.pid")"; fi
    rm -f "$state/$name.pid"
  done
  echo "engine stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running node && running bridge; then echo "running on http://127.0.0.1:$port"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
