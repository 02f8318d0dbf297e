#!/bin/sh
# Entry point of every container built from the Dockerfile.
# The web role prepares the database, then each role runs its own command; exec
# hands it this PID, so `docker compose stop` signals the program itself.
set -eu

APP_DIR="$(cd "$(dirname "$0")/.." && pwd)"
MANAGE="$APP_DIR/sandbox_project/manage.py"

if [ "${APP_ROLE:-web}" = "web" ]; then
    # All three are safe to repeat, so a restarted container changes nothing.
    # Only web runs them: the other roles wait for it (depends_on), so two
    # processes never migrate the shared database at once.
    python "$MANAGE" migrate --no-input -v0
    python "$MANAGE" createcachetable
    python "$MANAGE" seed_demo
fi

exec "$@"
