# The image of compose.yaml's web, worker, beat and migrate services: production's lock only, hash-checked.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
# WeasyPrint's libraries, and a CJK font so that Korean text in PDFs is not printed as boxes.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
# collectstatic needs settings that import; the real secret and hosts come from the environment at run time.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=build.invalid ALLOW_FOLDER_BROKER=true CELERY_BROKER_FOLDER=/tmp/broker \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 10001 ipfin && mkdir -p /data/documents /app/var && chown -R ipfin /data /app/var
USER ipfin
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--workers", "3", "--threads", "4", "--bind", "0.0.0.0:8000", "--timeout", "60"]
