#!/usr/bin/env bash
# The main job, offline: sets iuprobe up, starts a local nginx that admits 200 requests/s and
# throttles the rest with HTTP 429 (a stand-in for a model with known capacity), and runs
# `iuprobe run` in steps across that limit. Results land in ./iuprobe-results/demo-run/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
iuprobe=build/release/src/app/iuprobe

work=$(mktemp -d /tmp/iuprobe-demo-XXXXXX)
chmod 755 "$work"
mkdir -p "$work/www"
echo '{"CustomLabels":[{"Name":"demo","Confidence":99.1}]}' > "$work/www/infer"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $work/error.log warn;
pid $work/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  limit_req_zone \$binary_remote_addr zone=model:1m rate=200r/s;
  server {
    listen 127.0.0.1:$port;
    location / {
      limit_req zone=model burst=20 nodelay;
      limit_req_status 429;
      root $work/www;
      try_files /infer =404;
    }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
trap 'kill -QUIT $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

echo
echo "nginx on 127.0.0.1:$port admits 200 requests/s (burst 20) and answers the rest 429."
echo "iuprobe sends 100 to 300 requests/s in steps; watch 'throttled/s' appear above 200."
echo
"$iuprobe" run --url "http://127.0.0.1:$port/infer" --steps 100,150,200,250,300 --step-duration 4s \
  --warmup 2s --out iuprobe-results/demo-run "$@"
