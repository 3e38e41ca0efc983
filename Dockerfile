# pixxel-mock: the stateful mock of the Pixxel API, as a container.
#
#   docker build -t pixxel-mock .
#   docker run --rm -p 8080:8080 pixxel-mock
#
# Arguments after the image name replace the default command, e.g.
#   docker run --rm -p 9090:9090 pixxel-mock serve --host 0.0.0.0 --port 9090

# ---- build: turn the source tree into a wheel (spec/ and fixtures/ are bundled into it)
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockserver/ mockserver/
COPY contract_tests/ contract_tests/
COPY spec/ spec/
COPY fixtures/ fixtures/
RUN pip wheel --no-deps --wheel-dir /dist .

# ---- runtime: the installed wheel and nothing else from the source tree
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 pixxel \
    && useradd --system --no-log-init --uid 10001 --gid pixxel \
        --home-dir /data --create-home --shell /usr/sbin/nologin pixxel

COPY --from=build /dist/ /tmp/dist/
RUN pip install /tmp/dist/*.whl \
    && rm -rf /tmp/dist

USER 10001:10001
WORKDIR /data

EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/ping', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["pixxel-mock"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
