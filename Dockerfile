# Production image: one image, several roles (web, worker, scheduler) chosen by the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_DEBUG=0 \
    ANONYMIZED_TELEMETRY=False \
    STATIC_ROOT=/app/staticfiles

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 compa

WORKDIR /app
COPY requirements.txt .
COPY requirements-nodeps.txt .
RUN pip install -r requirements.txt && pip install --no-deps -r requirements-nodeps.txt

COPY --chown=compa:compa . .
# Django reads compiled .mo catalogues; they are build output, compiled in Python (no gettext here).
RUN python -m config.translations --force
# collectstatic needs settings but no services: random throwaway keys, never kept, are enough at build time.
RUN DJANGO_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))') \
    FIELD_ENCRYPTION_KEY=$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
    DRAMATIQ_BROKER_URL=stub:// \
    python manage.py collectstatic --noinput -v0

USER compa
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD curl -fsS http://127.0.0.1:8000/healthz || exit 1
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--lifespan", "off", "--no-proxy-headers", "--ws-per-message-deflate", "false"]
