#!/usr/bin/env bash
# Web, worker and beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Links in emails point where the site runs (unless SITE_URL is set, e.g. behind a proxy).
export SITE_URL=${SITE_URL:-http://$HOST:$PORT}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

rm -f var/celerybeat.pid
$PY -m celery -A config worker --loglevel=INFO --concurrency=2 --hostname="ipfin@%h" &
pids+=($!)
$PY -m celery -A config beat --loglevel=INFO --pidfile=var/celerybeat.pid &
pids+=($!)
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)

# The banner only once the site answers: wait for /health/ (200, or 503 while the worker is still starting).
printf 'Waiting for http://%s:%s/health/ ...\n' "$HOST" "$PORT"
for _ in $(seq 1 120); do
  code=$($PY -c "import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)" "http://$HOST:$PORT/health/")
  [ "$code" = 200 ] && break
  kill -0 "${pids[2]}" 2>/dev/null || { echo "The web server stopped; see the messages above." >&2; exit 1; }
  sleep 1
done
[ "$code" = 200 ] || echo "Warning: /health/ answers $code (a worker or the broker is not ready yet); the site may still be starting." >&2
cat <<MSG

IPFin is running at http://$HOST:$PORT/   (health: http://$HOST:$PORT/health/)
Demo logins are printed above (password ipfin-demo-2026; staff also need a TOTP code:
  .venv/bin/python manage.py demo_totp ).
Another port: make run PORT=8101 (and HOST=0.0.0.0 to listen on every interface).
Press Ctrl-C to stop web, worker and beat.

MSG
wait -n "${pids[@]}"
