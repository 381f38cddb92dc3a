#!/usr/bin/env bash
# Starts the local PostgreSQL and MariaDB of this machine kind if they are not answering.
set -uo pipefail
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "PostgreSQL or MariaDB did not come up on 127.0.0.1" >&2
exit 1
