# Anju in production: Node builds the web app, a slim Python image runs it.
# Kept in step with scripts/run by reading: same pyproject pins, same
# gunicorn.conf.py, same `anju ensure-indexes` before web workers start.

# --- the web app
FROM node:20-bookworm-slim AS pwa
WORKDIR /src/pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY pwa/ ./
RUN npm run build

# --- the Python environment
FROM python:3.11-slim-bookworm AS python
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml ./
COPY backend/ backend/
COPY qr/ qr/
RUN python -m venv /venv && /venv/bin/pip install .

# --- what runs
FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 ANJU_ENV=production \
    ANJU_BIND=0.0.0.0:8000 ANJU_VAR_DIR=/var/lib/anju
RUN useradd --system --uid 10001 --home /app anju \
    && mkdir -p /var/lib/anju && chown anju /var/lib/anju
WORKDIR /app
COPY --from=python /venv /venv
COPY gunicorn.conf.py ./
COPY --from=pwa /src/pwa/dist pwa/dist
USER anju
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
# The web process; the worker runs the same image with `python -m anju.worker`.
CMD ["gunicorn", "-c", "gunicorn.conf.py", "anju.wsgi:app"]
