#!/usr/bin/env bash
# Builds the PostgreSQL image the Flowgres test kit runs in containers when no registry can be
# reached: Debian packages only, no Dockerfile, no base image.
#
#   debootstrap --variant=minbase bookworm, from the Debian mirror of this machine's apt sources
#   -> postgresql-common (create_main_cluster = false), then postgresql-15 without recommends
#   -> apt caches, docs, man pages, locales and LLVM (JIT) dropped, docker-entrypoint.sh (beside this script) added
#   -> tar --numeric-owner -c . | docker import --change ... - <tag>
#
# The tag is flowgres/postgres:15-<hash of this script and the entrypoint>, so the image is built
# once per machine and again whenever either file changes. The tag is the only thing printed on
# standard output; progress goes to standard error, the tools' output to a log file.
#
# Usage: build-image.sh              build unless present, print the tag
#        build-image.sh --print-tag  print the tag only
# Needs: root, docker (an engine that answers), debootstrap. About 80 s and 190 MB.
# Environment: FLOWGRES_DEBIAN_MIRROR overrides the mirror found in the apt sources.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly PG_MAJOR=15
readonly SUITE=bookworm
readonly REPOSITORY=flowgres/postgres
hash="$(cat "$here/build-image.sh" "$here/docker-entrypoint.sh" | sha256sum | cut -c1-12)"
readonly TAG="$REPOSITORY:$PG_MAJOR-$hash"

say() { echo "build-image: [$((SECONDS))s] $*" >&2; }
fail() { say "$*"; exit 1; }

if [ "${1:-}" = '--print-tag' ]; then
  echo "$TAG"
  exit 0
fi

command -v docker >/dev/null || fail "no docker client on the PATH"
docker version >/dev/null 2>&1 || fail "no Docker engine answers"
if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG"
  exit 0
fi
[ "$(id -u)" = 0 ] || fail "debootstrap and chroot need root"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"

# The first URI serving the given suite, from deb822 .sources files and one-line .list files.
apt_uri() {
  local suite="$1"
  {
    for file in /etc/apt/sources.list.d/*.sources; do
      [ -f "$file" ] || continue
      awk -v suite="$suite" 'BEGIN { RS = "" } {
        uri = ""; deb = 0; served = 0; enabled = 1
        n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          line = lines[i]
          if (line ~ /^#/) continue
          if (line ~ /^Types:/ && line ~ /[ \t]deb([ \t]|$)/) deb = 1
          if (line ~ /^Enabled:[ \t]*no/) enabled = 0
          if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); split(line, u, /[ \t]+/); uri = u[1] }
          if (line ~ /^Suites:/) {
            sub(/^Suites:[ \t]*/, "", line); m = split(line, s, /[ \t]+/)
            for (j = 1; j <= m; j++) if (s[j] == suite) served = 1
          }
        }
        if (deb && served && enabled && uri != "") print uri
      }' "$file"
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$file" ] || continue
      awk -v suite="$suite" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) print $i
      }' "$file"
    done
  } | head -n 1
}

mirror="${FLOWGRES_DEBIAN_MIRROR:-$(apt_uri "$SUITE")}"
[ -n "$mirror" ] || fail "no Debian mirror for $SUITE in the apt sources; set FLOWGRES_DEBIAN_MIRROR"
security="$(apt_uri "$SUITE-security")"

# One build at a time on a machine; the second waits and then finds the image.
exec 9>/var/tmp/flowgres-postgres-image.lock
flock -w 600 9 || fail "another build holds /var/tmp/flowgres-postgres-image.lock"
if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG"
  exit 0
fi

log=/var/tmp/flowgres-postgres-image.log
root="$(mktemp -d /var/tmp/flowgres-postgres-rootfs.XXXXXX)"
cleanup() {
  local status=$?
  rm -rf --one-file-system "$root"
  if [ "$status" != 0 ]; then
    say "failed; the last lines of $log:"
    tail -n 30 "$log" >&2 || true
  fi
}
trap cleanup EXIT
: > "$log"
started=$SECONDS

say "debootstrap $SUITE (minbase) from $mirror"
debootstrap --variant=minbase "$SUITE" "$root" "$mirror" >> "$log" 2>&1

say "installing postgresql-$PG_MAJOR"
{
  echo "deb $mirror $SUITE main"
  echo "deb $mirror $SUITE-updates main"
  if [ -n "$security" ]; then
    echo "deb $security $SUITE-security main"
  fi
} > "$root/etc/apt/sources.list"
# Nothing starts services in the image being built; no docs, man pages or translations land in it.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cat > "$root/etc/dpkg/dpkg.cfg.d/flowgres-slim" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
EOF
in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
}
{
  in_root apt-get update
  in_root apt-get install -y --no-install-recommends postgresql-common
  # The package would create and start a 'main' cluster; the entrypoint creates the cluster instead.
  in_root sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
    /etc/postgresql-common/createcluster.conf
  grep -q '^create_main_cluster = false' "$root/etc/postgresql-common/createcluster.conf"
  in_root apt-get install -y --no-install-recommends "postgresql-$PG_MAJOR"
  in_root apt-get clean
} >> "$log" 2>&1
[ -x "$root/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ] || fail "postgresql-$PG_MAJOR did not install"

# LLVM (and Z3, which it needs) is two thirds of the image and only serves JIT compilation, which
# tests never reach (jit_above_cost); without its provider library the server runs without JIT.
in_root dpkg --purge --force-depends libllvm14 libz3-4 >> "$log" 2>&1
rm -rf "$root/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit.so" "$root/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit_types.bc" \
  "$root/usr/lib/postgresql/$PG_MAJOR/lib/bitcode"
rm -f "$root/usr/sbin/policy-rc.d"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* "$root"/usr/share/i18n/* \
  "$root"/var/log/*
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
install -m 755 "$here/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
mkdir -p "$root/docker-entrypoint-initdb.d"

say "importing $TAG"
tar --numeric-owner -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL io.flowgres.image.inputs=$hash" \
  --change 'EXPOSE 5432' \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["postgres"]' \
  --message "PostgreSQL $PG_MAJOR from Debian $SUITE packages, built by core/test-kit/docker/build-image.sh" \
  - "$TAG" >> "$log"

# Images built from earlier versions of these files are of no further use.
for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$REPOSITORY"); do
  if [ "$old" != "$TAG" ]; then
    docker image rm "$old" >> "$log" 2>&1 || true
  fi
done

size="$(docker image inspect --format '{{.Size}}' "$TAG")"
say "built $TAG in $((SECONDS - started)) s, $((size / 1000000)) MB"
echo "$TAG"
