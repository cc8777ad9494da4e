#!/usr/bin/env bash
# Two app nodes behind nginx on loopback, sharing only PostgreSQL and Redis (make two-nodes).
#
# Creates a fresh PostgreSQL database and uses an empty Redis database number, migrates once,
# starts two gunicorn nodes (A and B) on two free ports, each with its own static directory and
# one shared media directory, and nginx round-robin in front; then logs in on node A, shows the
# session works on node B, writes on one node and reads on the other, goes through nginx, stops
# node A and shows nginx carries on with B. Stops everything and cleans up at the end (also on
# failure). Needs: the venv (make install), psql, redis-cli, nginx (apt-get install nginx).
#
#   TWO_NODES_PG      postgres://postgres@127.0.0.1:5432   the server (the script makes a database)
#   TWO_NODES_REDIS   redis://127.0.0.1:6379                the Redis server
#   TWO_NODES_REDIS_DB 12                                   a database number that must be empty
#   TWO_NODES_KEEP=1  leave the directory, database and Redis keys for a look afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
PG=${TWO_NODES_PG:-postgres://postgres@127.0.0.1:5432}
REDIS=${TWO_NODES_REDIS:-redis://127.0.0.1:6379}
REDIS_DB=${TWO_NODES_REDIS_DB:-12}

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is required: $2"; }
need psql "apt-get install postgresql-client"
need redis-cli "apt-get install redis-tools"
need curl "apt-get install curl"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || fail "nginx is required: apt-get install nginx"
[[ -x $ROOT/.venv/bin/gunicorn ]] || fail "gunicorn is missing from the venv: make install"

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT_A=$(free_port); PORT_B=$(free_port); PORT_LB=$(free_port)
WORK=$(mktemp -d /tmp/hengkou-two-nodes.XXXXXX)
chmod 755 "$WORK"
DB="hengkou_two_nodes_$$"
REDIS_CLI=(redis-cli -u "$REDIS/$REDIS_DB")
[[ $("${REDIS_CLI[@]}" DBSIZE) == 0 ]] || fail "Redis database $REDIS_DB is not empty: set TWO_NODES_REDIS_DB to an empty one"
PIDS=()

cleanup() {
    local status=$?
    say "Stopping everything"
    [[ -f $WORK/nginx/nginx.pid ]] && "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -s stop 2>/dev/null || true
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ ${TWO_NODES_KEEP:-} == 1 ]]; then
        echo "Kept $WORK, database $DB and Redis database $REDIS_DB."
    else
        "${REDIS_CLI[@]}" FLUSHDB >/dev/null || true
        psql "$PG/postgres" -Xqc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true
        rm -rf "$WORK"
        echo "Dropped the database $DB, emptied Redis database $REDIS_DB, removed $WORK."
    fi
    [[ $status == 0 ]] && echo "Two nodes: every check passed." || echo "Two nodes: FAILED (status $status)."
    exit "$status"
}
trap cleanup EXIT

export DATABASE_URL="$PG/$DB"
export REDIS_URL="$REDIS/$REDIS_DB"
export DJANGO_DEBUG=0 DJANGO_SECURE=0
export DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export HENGKOU_TRUSTED_PROXIES=127.0.0.1  # the nginx in front sets X-Forwarded-For
export DJANGO_MEDIA_ROOT=$WORK/media
export DJANGO_LOG_LEVEL=ERROR

say "Fresh database $DB, Redis database $REDIS_DB, work directory $WORK"
psql "$PG/postgres" -Xqc "CREATE DATABASE \"$DB\""
mkdir -p "$WORK/media" "$WORK/nginx"
# Migrate once, from one machine, before the nodes start (docs/deploy.md: upgrades).
"$PY" manage.py migrate --noinput --verbosity 0
echo "migrated"
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
DJANGO_SUPERUSER_PASSWORD=$PASSWORD "$PY" manage.py createsuperuser --noinput \
    --username ops --email ops@example.org >/dev/null
echo "created the user ops"

start_node() {
    local name=$1 port=$2
    # Each node collects its own copy of the static files (as each machine would).
    DJANGO_STATIC_ROOT=$WORK/static-$name "$PY" manage.py collectstatic --noinput --verbosity 0
    chmod -R a+rX "$WORK/static-$name"
    DJANGO_STATIC_ROOT=$WORK/static-$name GUNICORN_BIND=127.0.0.1:$port WEB_CONCURRENCY=2 \
        GUNICORN_PROC_NAME=hengkou-$name GUNICORN_ACCESS_LOG=$WORK/$name-access.log \
        GUNICORN_ERROR_LOG=$WORK/$name-error.log \
        "$ROOT/.venv/bin/gunicorn" -c hengkou/deploy/gunicorn.conf.py &
    PIDS+=($!)
    eval "PID_$name=$!"
    for _ in $(seq 100); do
        curl -fsS "http://127.0.0.1:$port/healthz/" >/dev/null 2>&1 && { echo "node $name: gunicorn on 127.0.0.1:$port (2 workers)"; return; }
        sleep 0.2
    done
    cat "$WORK/$name-error.log" >&2
    fail "node $name did not start"
}
say "Starting node A and node B"
start_node A "$PORT_A"
start_node B "$PORT_B"

say "Starting nginx on 127.0.0.1:$PORT_LB (round-robin over both nodes)"
sed -e "s#@PREFIX@#$WORK/nginx#g" -e "s#@NODE_A@#127.0.0.1:$PORT_A#" -e "s#@NODE_B@#127.0.0.1:$PORT_B#" \
    -e "s#@LISTEN@#127.0.0.1:$PORT_LB#" -e "s#@SERVER_NAME@#127.0.0.1#" \
    -e "s#@STATIC_ROOT@#$WORK/static-A#" -e "s#@MEDIA_ROOT@#$WORK/media#" \
    hengkou/deploy/nginx.conf.template > "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" -t -q
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
echo "nginx started"

A=http://127.0.0.1:$PORT_A B=http://127.0.0.1:$PORT_B LB=http://127.0.0.1:$PORT_LB
JAR=$WORK/cookies.txt
csrf() { awk '$6 == "csrftoken" { print $7 }' "$JAR"; }
status() { curl -s -o /dev/null -w '%{http_code}' -b "$JAR" -c "$JAR" "$@"; }
check() { [[ $2 == "$3" ]] && echo "  ok: $1 ($2)" || fail "$1: expected $3, got $2"; }

say "Log in on node A"
curl -fsS -c "$JAR" "$A/accounts/login/" -o "$WORK/login.html"
token=$(grep -o 'name="csrfmiddlewaretoken" value="[^"]*"' "$WORK/login.html" | head -1 | sed 's/.*value="//; s/"$//' || true)
code=$(status -X POST "$A/accounts/login/" -e "$A/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode username=ops \
    --data-urlencode "password=$PASSWORD")
check "POST /accounts/login/ on A redirects after login" "$code" 302
session=$(awk '$6 == "sessionid" { print $7 }' "$JAR")
[[ -n $session ]] || fail "no session cookie"
echo "  session cookie ${session:0:8}…; in Redis: $("${REDIS_CLI[@]}" --scan --pattern '*sessions.cache*' | wc -l) key(s)"

say "The session works on node B"
check "GET / on B with A's session" "$(status "$B/")" 200
check "GET /api/v1/ping/ on B" "$(curl -s -b "$JAR" "$B/api/v1/ping/")" '{"ok":true}'
check "GET /api/v1/ping/ on B without the cookie" "$(curl -s -o /dev/null -w '%{http_code}' "$B/api/v1/ping/")" 403

say "A write on node A is read on node B"
code=$(status -X POST "$A/api/v1/departments/" -H "X-CSRFToken: $(csrf)" -H "Content-Type: application/json" \
    -d '{"code": "TWO", "name": "两节点演示部门", "kind": "sponsor"}')
check "POST /api/v1/departments/ on A" "$code" 201
body=$(curl -s -b "$JAR" "$B/api/v1/departments/?page_size=1000")
grep -q '"code":"TWO"' <<<"$body" && echo "  ok: GET /api/v1/departments/ on B lists TWO" || fail "B does not see A's write: $body"

say "A write on node B is read on node A"
code=$(status -X POST "$B/api/v1/departments/" -H "X-CSRFToken: $(csrf)" -H "Content-Type: application/json" \
    -d '{"code": "TWO-B", "name": "两节点演示部门乙", "kind": "sponsor"}')
check "POST /api/v1/departments/ on B" "$code" 201
grep -q '"code":"TWO-B"' <<<"$(curl -s -b "$JAR" "$A/api/v1/departments/?page_size=1000")" \
    && echo "  ok: GET /api/v1/departments/ on A lists TWO-B" || fail "A does not see B's write"

say "Through nginx: round-robin, static files, health check"
upstreams=()
for _ in 1 2 3 4; do
    upstreams+=("$(curl -s -o /dev/null -D - -b "$JAR" "$LB/api/v1/ping/" | tr -d '\r' | awk 'tolower($1) == "x-upstream:" { print $2 }')")
done
echo "  /api/v1/ping/ answered by: ${upstreams[*]}"
[[ $(printf '%s\n' "${upstreams[@]}" | sort -u | wc -l) == 2 ]] && echo "  ok: both nodes served" || fail "not round-robin"
check "GET / through nginx (logged in)" "$(status "$LB/")" 200
check "GET /healthz/ through nginx" "$(curl -s "$LB/healthz/")" ok
css=$(curl -s "$LB/accounts/login/" | grep -o '/static/[^"]*\.css' | head -1 || true)
[[ -n $css ]] || fail "no stylesheet on the login page"
check "GET $css from nginx" "$(curl -s -o /dev/null -w '%{http_code}' "$LB$css")" 200
check "  …with a year's caching" "$(curl -s -o /dev/null -D - "$LB$css" | tr -d '\r' | awk 'tolower($1) == "cache-control:" { print $2 $3 $4 }')" "public,max-age=31536000,immutable"

say "Shared media: a file written by one node is served for all"
mkdir -p "$WORK/media/check" && echo "shared" > "$WORK/media/check/one.txt" && chmod -R a+rX "$WORK/media"
check "GET /media/check/one.txt through nginx" "$(curl -s "$LB/media/check/one.txt")" shared

say "Node A stops: nginx carries on with node B"
kill "$PID_A"; wait "$PID_A" 2>/dev/null || true
codes=()
for _ in 1 2 3 4; do codes+=("$(status "$LB/api/v1/ping/")"); done
echo "  /api/v1/ping/ through nginx: ${codes[*]}"
[[ ${codes[*]} == "200 200 200 200" ]] && echo "  ok: no request lost" || fail "requests failed with a node down"
check "the session still works (on B)" "$(status "$LB/")" 200
