#!/usr/bin/env bash
# Web, worker and beat together; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
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

sleep 2
cat <<MSG

IPFin is running at http://$HOST:$PORT/   (health: http://$HOST:$PORT/health/)
Demo logins are printed above (password ipfin-demo-2026; staff also need a TOTP code:
  .venv/bin/python manage.py demo_totp ).
Press Ctrl-C to stop web, worker and beat.

MSG
wait -n "${pids[@]}"
