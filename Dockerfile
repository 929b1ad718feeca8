# syntax=docker/dockerfile:1
#
# The orchestrator image: the release binary, built from this checkout with the toolchain the
# project is tested with, on distroless (glibc, CA certificates, no shell, no package manager),
# run as an unprivileged user.
#
#   docker build -t orchestrator .
#   docker run --rm -p 50051:50051 -p 9464:9464 -v orchestrator-data:/var/lib/orchestrator \
#     orchestrator serve --insecure
#
# The image listens on 0.0.0.0, so authentication is off only when `--insecure` (or
# server.insecure = true) says so; otherwise give it settings with auth.mode = "required"
# (`serve --config FILE`, or ORCHESTRATOR_* variables). tests/deploy.rs checks this file.

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
# Only what the build reads: the manifest (its [[bench]] targets must exist), build.rs and the
# protos it compiles, and the sources of both workspace members (the service in src/, the
# domain core in crates/core).
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY benches benches
COPY crates crates
COPY src src
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    cargo build --release --locked --bin orchestrator
# The data directory, owned by the user the server runs as: a new volume mounted there starts
# as a copy of it, ownership included.
RUN mkdir -p /staging/var/lib/orchestrator \
    && chown 65532:65532 /staging/var/lib/orchestrator \
    && chmod 0700 /staging/var/lib/orchestrator

# Debian 12, as the build stage: the same glibc.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/orchestrator /usr/local/bin/orchestrator
COPY --from=build --chown=65532:65532 /staging/var/lib/orchestrator /var/lib/orchestrator
ENV ORCHESTRATOR_SERVER__LISTEN=0.0.0.0:50051 \
    ORCHESTRATOR_SERVER__ADMIN_LISTEN=0.0.0.0:9464 \
    ORCHESTRATOR_STORAGE__DATA_DIR=/var/lib/orchestrator \
    ORCHESTRATOR_LOG__FORMAT=json
VOLUME ["/var/lib/orchestrator"]
WORKDIR /var/lib/orchestrator
# Numeric, so that Kubernetes' runAsNonRoot can verify it: distroless's `nonroot`.
USER 65532:65532
# gRPC; the admin listener (/metrics, /healthz, /readyz), plain HTTP.
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/orchestrator"]
CMD ["serve"]
