# pixxel-mock: the stateful mock of the Pixxel API, as a container.
#
#   docker build -t pixxel-mock .
#   docker run --rm -p 8080:8080 pixxel-mock
#
# Every setting is a PIXXEL_MOCK_* variable, and the default command passes no flag, so the
# environment always applies; the health check follows PIXXEL_MOCK_PORT, e.g.
#   docker run --rm -p 9090:9090 -e PIXXEL_MOCK_PORT=9090 pixxel-mock
# The `contract` target adds the contract-testing kit (see docker-compose.yml):
#   docker build --target contract -t pixxel-contract .

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
FROM python:3.11.14-slim-bookworm AS runtime

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

ENV PIXXEL_MOCK_HOST=0.0.0.0 \
    PIXXEL_MOCK_PORT=8080

EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "mockserver.healthcheck"]

ENTRYPOINT ["pixxel-mock"]
CMD ["serve"]

# ---- contract: the runtime plus the contract-testing kit, to run pixxel-contract in a job
FROM runtime AS contract

USER 0
COPY --from=build /dist/ /tmp/dist/
# The extra's dependencies carry the version ranges declared in pyproject.toml.
# hadolint ignore=DL3013
RUN whl="$(ls /tmp/dist/*.whl)" \
    && pip install "${whl}[contract]" \
    && rm -rf /tmp/dist
USER 10001:10001

ENTRYPOINT ["pixxel-contract"]
CMD ["--help"]

# ---- the default image: the mock
FROM runtime
