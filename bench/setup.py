"""The bench's environment: production settings on PostgreSQL, one database per data scale, Django set up.

``BENCH_DATABASE_URL`` names the 1x database (default ``ipfin_bench``); another ``BENCH_SCALE`` uses the same name
with ``_s<scale>`` appended (``ipfin_bench_s10``, ``ipfin_bench_s0_1``), so that scales never share data."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ipfin_bench")


def database_url(scale=SCALE):
    if scale == 1:
        return BASE_URL
    return f"{BASE_URL}_s{f'{scale:g}'.replace('.', '_')}"


DB = database_url()
ENV = {
    "DATABASE_URL": DB,
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "bench-" + "x" * 60,
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "false",
    "CELERY_BROKER_URL": "memory://",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "60",
    # The throttles run (their cache round trip is part of what is measured) but never refuse a bench user.
    "API_THROTTLE_USER": "1000000/min",
}


def psql(sql, database="postgres"):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def ensure_database():
    name = DB.rsplit("/", 1)[1]
    if psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'") != "1":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def configure():
    if not DB.startswith("postgres"):
        sys.exit("make bench runs on PostgreSQL only: set BENCH_DATABASE_URL=postgres://...")
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    ensure_database()
    import django

    django.setup()
