# tabot in a container: the wheel (templates and migrations inside) on a slim Python, run as a
# user without privileges. `docker build -t tabot .` then `docker run --env-file .env -p 3000:3000 tabot`;
# compose.yaml runs it with PostgreSQL, a delivery worker and the scheduler.

# --- build the wheel --------------------------------------------------------------------------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY templates ./templates
COPY db ./db
RUN pip wheel --no-deps --wheel-dir /dist .

# --- run it -----------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/tabot.db
COPY --from=build /dist /dist
RUN pip install /dist/tabot-*.whl && rm -rf /dist \
    && useradd --system --uid 10001 --home-dir /data --create-home --shell /usr/sbin/nologin tabot
USER 10001
WORKDIR /data
EXPOSE 3000
# 200 while the database answers, 503 when not (`tabot serve` only: compose turns it off for
# the worker and the scheduler)
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]
ENTRYPOINT ["tabot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]
