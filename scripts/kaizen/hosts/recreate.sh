#!/bin/bash
# Run on the staging host by `kaizen deploy` (ssh ... bash -s), for target ssh-compose with
# strategy recreate; see kaizen/deploy_targets.py for the modes and exit codes. Kaizen's state
# lives in <dir>/.kaizen: the last version that passed its smoke test and the compose file it ran
# with, which a rollback restores.
set -u
mode=$1 dir=$2 project=$3 ref=$4 compose_b64=$5
shift 5
# shellcheck disable=SC2088 # a literal ~/ from the compose-directory input, expanded here
case $dir in "~/"*) dir="$HOME/${dir#\~/}" ;; esac
if ! mkdir -p "$dir/.kaizen" || ! cd "$dir"; then echo "cannot use $dir on $(hostname)" >&2; exit 2; fi
mark=$(date +%s.%N)
phase() {
  local now; now=$(date +%s.%N)
  awk -v a="$mark" -v b="$now" -v n="$1" 'BEGIN { printf "kaizen-phase %s %.2f\n", n, b - a }'
  mark=$now
}
case $mode in
  current) cat .kaizen/last-good 2>/dev/null; exit 0 ;;
  record) cp compose.yml .kaizen/last-good.yml && printf '%s\n' "$ref" > .kaizen/last-good; exit $? ;;
  deploy) printf '%s' "$compose_b64" | base64 -d > .kaizen/next.yml || exit 2 ;;
  rollback) cp .kaizen/last-good.yml .kaizen/next.yml || exit 2 ;;
esac
# Pull first: an image that can't be pulled changes nothing.
KAIZEN_IMAGE=$ref "$@" -p "$project" -f .kaizen/next.yml pull || exit 3
# Some compose and engine pairs report success for a digest the registry doesn't have: ask the
# engine whether the image is really there.
for engine in docker podman; do
  if command -v $engine >/dev/null; then
    $engine image inspect "$ref" >/dev/null 2>&1 && break
    echo "error: $ref is not on the host after the pull: manifest unknown" >&2
    exit 3
  fi
done
phase pull
# Stop and remove the old containers before creating new ones: a crash-looping service is
# otherwise restarted by its restart policy while compose replaces it, and its late clean-up
# can tear down the port forward the new container uses.
[ -f compose.yml ] && KAIZEN_IMAGE=$ref "$@" -p "$project" -f compose.yml rm --force --stop
mv .kaizen/next.yml compose.yml && printf 'KAIZEN_IMAGE=%s\n' "$ref" > .env
KAIZEN_IMAGE=$ref "$@" -p "$project" -f compose.yml up -d --force-recreate --remove-orphans || exit 4
phase start
