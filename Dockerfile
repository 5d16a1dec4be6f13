# Pavilion's application image: one process serving the API, the WebSocket and the web UI.
#
#   docker build -t pavilion .
#   docker run -p 8000:8000 pavilion          # embedded SQLite under /data, in-process bus
#
# docker-compose.yml runs it the production way (PostgreSQL, Redis, two replicas, a proxy).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home pavilion \
    && mkdir -p /app /data/media \
    && chown pavilion:pavilion /data /data/media

# The dependencies change less often than the code: install them in their own layer first, from a
# stub package, so that editing server/ does not download every dependency again.
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
RUN mkdir server && touch server/__init__.py \
    && pip install -c requirements.lock . \
    && pip uninstall -y pavilion \
    && rm -rf server build *.egg-info

COPY server ./server
RUN pip install --no-deps . \
    && cd / && rm -rf /src

WORKDIR /app
# The UI is not part of the Python package, and a non-editable install cannot find frontend/ next
# to it: copy it here and say where it is (PAVILION_FRONTEND_DIR). Showroom packs are data: mount
# them when importing (`docker compose run --rm -v ./showrooms:/app/showrooms:ro app ...`).
COPY frontend ./frontend
COPY showrooms/schema ./showrooms/schema

ENV PAVILION_HOST=0.0.0.0 \
    PAVILION_PORT=8000 \
    PAVILION_FRONTEND_DIR=/app/frontend \
    PAVILION_MEDIA_DIR=/data/media \
    PAVILION_DATABASE_URL=sqlite+aiosqlite:////data/pavilion.db

# /data holds the SQLite file of a standalone run and the media; compose mounts volumes there.
USER pavilion
EXPOSE 8000

# slim has no curl; the proxy handler is emptied so that an HTTP(S)_PROXY never intercepts loopback.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:%s/healthz' % os.environ.get('PAVILION_PORT', '8000'), timeout=3)"]

# `exec` makes the server PID 1's replacement, so it receives SIGTERM from `docker stop` directly.
CMD ["sh", "-c", "pavilion db upgrade && exec pavilion serve"]
