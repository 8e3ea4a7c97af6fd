# syntax=docker/dockerfile:1
#
# Referral service image: one image for every role (web, worker, beat, init).
#   docker build -t referral .
#   docker run --env-file .env referral                      # web (default CMD)
#   docker run --env-file .env referral referral init        # migrate + seed offices
#   docker run --env-file .env referral celery -A workers.app worker --loglevel INFO --without-mingle --without-gossip
# See docker-compose.yml for the full stack.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_VERSION=0.13.9

# --------------------------------------------------------------------------- builder
FROM ${PYTHON_IMAGE} AS builder
ARG UV_VERSION

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

# Use the image's own Python (never download one) and build the venv at the
# path it keeps in the runtime stage, so its scripts' shebangs stay valid.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# Then the project itself (installed editable, so PROJECT_ROOT is /app and the
# instance folder, migrations and config/*.toml are found where the code expects).
COPY README.md ./
COPY config/ ./config/
COPY service/ ./service/
COPY workers/ ./workers/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# The .mo catalogues are not committed: compile them here and fail if one is missing.
RUN .venv/bin/pybabel compile -d service/translations \
    && for po in service/translations/*/LC_MESSAGES/messages.po; do \
         test -f "${po%.po}.mo" || { echo "missing ${po%.po}.mo" >&2; exit 1; }; \
       done \
    && .venv/bin/python -m compileall -q config service workers

# --------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime

# fonts-noto-cjk: Chinese glyphs for generated PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 referral \
    && useradd --system --uid 10001 --gid referral --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin referral

ENV PATH="/app/.venv/bin:${PATH}" \
    VIRTUAL_ENV=/app/.venv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REFERRAL_ENV=production

WORKDIR /app

# Code and venv stay owned by root (read-only for the service); only the
# instance folder (celery beat schedule, runtime files) and the evidence files'
# folder are writable. A new named volume mounted there copies this owner.
COPY --from=builder /app /app
RUN install -d -o referral -g referral -m 0750 /app/instance \
    && install -d -o referral -g referral -m 0750 /var/lib/referral/attachments

USER referral

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "service.wsgi:app"]
