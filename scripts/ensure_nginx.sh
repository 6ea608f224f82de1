#!/usr/bin/env bash
# Makes sure nginx exists for the deployment drill (tests/deploy/test_drill.py), which
# runs it in front of the studio as the compose file does. The drill starts its own
# nginx on free ports with its own config; the package's service is not used (and is
# stopped if installing it started one). Like ensure_chromium.sh: when nginx can't be
# installed this says why and exits 0, and the drill then fails loudly, never skipped.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
    exit 0
fi

say() { echo "ensure_nginx: $*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no nginx and I can't install it (needs root and apt-get)."
    say "Install it (e.g. 'sudo apt-get install -y nginx-light'); the drill fails until then."
    exit 0
fi

say "installing nginx-light with apt-get (one time)"
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show nginx-light >/dev/null 2>&1; then
    apt-get update -q >&2 || say "apt-get update failed"
fi
apt-get install -y -q --no-install-recommends nginx-light >&2 || say "apt-get install failed"
# Debian starts the service on :80 after installing it; the drill needs none of that.
/usr/sbin/nginx -s stop >/dev/null 2>&1 || true
