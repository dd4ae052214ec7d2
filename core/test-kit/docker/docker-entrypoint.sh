#!/bin/bash
# Entrypoint of the Flowgres PostgreSQL test image (built by build-image.sh beside it).
#
# It does what the official postgres image's entrypoint does for Testcontainers and the Flowgres
# test kit, and nothing more:
#   - POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: the user), POSTGRES_INITDB_ARGS;
#   - on first start (no PG_VERSION in PGDATA) initdb as the postgres account, then a temporary
#     server on the Unix socket only creates the database and runs /docker-entrypoint-initdb.d/*.sh
#     and *.sql, so "database system is ready to accept connections" is logged twice on a first
#     start and once on a restart, as with the official image;
#   - listen on all addresses, scram-sha-256 for host connections and for replication connections
#     (the official image allows the first only);
#   - `postgres -c name=value ...` (or just `-c ...`) passed through to the server, which runs as
#     PID 1 so that docker stop, kill and pause reach it; any other command is run as given.
# Unlike the official image it cannot carry STOPSIGNAL SIGINT (docker import does not take it):
# docker stop asks for a smart shutdown, docker kill --signal=SIGINT for a fast one.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi
if [ "$1" != 'postgres' ]; then
  exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = '0' ]; then
  # As root: prepare the directories, then run this script again as the postgres account.
  mkdir -p "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chown postgres:postgres /var/run/postgresql
  chmod 3777 /var/run/postgresql
  find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
    echo 'Error: the database is uninitialized and POSTGRES_PASSWORD is not set.' >&2
    echo '       Set it to a non-empty value, or POSTGRES_HOST_AUTH_METHOD=trust to allow any connection.' >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  initdb_args=(--username="$POSTGRES_USER" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD")
  pwfile=''
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb_args+=(--pwfile="$pwfile")
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments, as in the official image
  initdb "${initdb_args[@]}" ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA"
  if [ -n "$pwfile" ]; then
    rm -f "$pwfile"
  fi
  printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
  {
    echo
    echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
    echo "host replication all all $POSTGRES_HOST_AUTH_METHOD"
  } >> "$PGDATA/pg_hba.conf"

  # A temporary server, with the server's own arguments, on the Unix socket only: nothing can
  # connect from outside before the end.
  temporary=("${@:2}" -c listen_addresses= -p "${PGPORT:-5432}")
  pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${temporary[@]}")" -w start
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != 'postgres' ]; then
    echo 'CREATE DATABASE :"db";' | "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB"
  fi
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh) echo "running $script"; . "$script" ;;
      *.sql) echo "running $script"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$script" ;;
      *) if [ -e "$script" ]; then echo "ignoring $script"; fi ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo 'PostgreSQL init process complete; ready for start up.'
fi

exec "$@"
