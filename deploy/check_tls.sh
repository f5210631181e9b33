#!/usr/bin/env bash
# Check deploy/nginx-milia-tls.conf for real: run it (with a throw-away self-signed
# certificate, loopback ports and the upstreams of a running `make cluster`) and send one
# message over HTTPS. Needs `make cluster` running; stops its own nginx at the end.
#   bash deploy/check_tls.sh
set -euo pipefail
cd "$(dirname "$0")/.."
port=${CLUSTER_PORT:-22100}
work=.cluster/tls
mkdir -p "$work/temp"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=chat.example-clinic.org" \
  -addext "subjectAltName=DNS:chat.example-clinic.org" \
  -keyout "$work/privkey.pem" -out "$work/fullchain.pem" 2>/dev/null
# The site file as shipped, moved to loopback test ports and this cluster's servers.
sed -e "s#/etc/milia/tls#$PWD/$work#g" \
    -e "s#listen 80;#listen 127.0.0.1:$((port + 40));#" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$((port + 43)) ssl http2;#" \
    -e "s#127.0.0.1:5000 #127.0.0.1:$((port + 10)) #" -e "s#127.0.0.1:5001 #127.0.0.1:$((port + 11)) #" \
    deploy/nginx-milia-tls.conf > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
daemon on;
pid $PWD/$work/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $PWD/$work/temp/body;
    proxy_temp_path $PWD/$work/temp/proxy;
    fastcgi_temp_path $PWD/$work/temp/fastcgi;
    uwsgi_temp_path $PWD/$work/temp/uwsgi;
    scgi_temp_path $PWD/$work/temp/scgi;
    include $PWD/$work/site.conf;
}
CONF
nginx -e "$PWD/$work/error.log" -t -q -c "$PWD/$work/nginx.conf"
nginx -e "$PWD/$work/error.log" -c "$PWD/$work/nginx.conf"
trap 'kill -QUIT "$(cat "$work/nginx.pid")"' EXIT
sleep 0.5
echo "plain HTTP is redirected:"
curl -s -o /dev/null -w "  %{http_code} -> %{redirect_url}\n" "http://127.0.0.1:$((port + 40))/webhooks/rest/webhook"
echo "HTTPS answers a message:"
curl -s --cacert "$work/fullchain.pem" --resolve "chat.example-clinic.org:$((port + 43)):127.0.0.1" \
  -H 'Content-Type: application/json' -d '{"sender": "tls-check", "message": "hello"}' \
  "https://chat.example-clinic.org:$((port + 43))/webhooks/rest/webhook" | cut -c1-120
echo
