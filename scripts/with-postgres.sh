#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL server:
#
#     scripts/with-postgres.sh COMMAND [ARGUMENTS...]
#
# Installs Debian's `postgresql` when it is missing, creates a cluster in a temporary
# directory with initdb, starts it with pg_ctl on a free loopback port (password
# authentication over TCP), exports its address as HONE_TEST_POSTGRESQL_URL (without the
# password; the password is in the file HONE_TEST_POSTGRESQL_PASSFILE names, the
# PGPASSFILE format), runs the command, and stops and deletes the cluster on exit.
# The server refuses to run as root, so as root it runs as the `postgres` system user.
set -euo pipefail

if ! dpkg -s postgresql >/dev/null 2>&1; then
    echo "with-postgres: installing postgresql"
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "with-postgres: no initdb under /usr/lib/postgresql/*/bin" >&2
    exit 1
fi

as_server=()
if [ "$(id -u)" = 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    as_server=(runuser -u postgres --)
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/hone-postgres.XXXXXX")
chmod 755 "$dir"
[ ${#as_server[@]} -gt 0 ] && chown postgres "$dir"
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" > "$dir/pwfile"
[ ${#as_server[@]} -gt 0 ] && chown postgres "$dir/pwfile"
chmod 600 "$dir/pwfile"

stop() {
    "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT

"${as_server[@]}" "$bin/initdb" -D "$dir/data" -U hone --pwfile="$dir/pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
rm -f "$dir/pwfile"

# A free port: try random ones until the server starts on one (others may run clusters too).
started=""
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 20000))
    if "${as_server[@]}" "$bin/pg_ctl" -D "$dir/data" -w -t 30 -l "$dir/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        started=yes
        break
    fi
done
if [ -z "$started" ]; then
    echo "with-postgres: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
fi

passfile="$dir/pgpass"
printf '127.0.0.1:%s:*:hone:%s\n' "$port" "$password" > "$passfile"
chmod 600 "$passfile"
export HONE_TEST_POSTGRESQL_URL="postgresql://hone@127.0.0.1:$port/postgres"
export HONE_TEST_POSTGRESQL_PASSFILE="$passfile"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $HONE_TEST_POSTGRESQL_URL"
"$@"
