#!/usr/bin/env bash
# Makes sure a Chromium for the Playwright browser tests exists, and prints its path.
# `playwright install` cannot download here, so the tests drive the Debian package.
# When it can't be installed the script says why and exits 0: the browser tests must
# then fail loudly on their own, never be skipped.
set -euo pipefail

chromium="${CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
    echo "$chromium"
    exit 0
fi

say() { echo "ensure_chromium: $*" >&2; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no Chromium at $chromium and I can't install it (needs root and apt-get)."
    say "Install it (e.g. 'sudo apt-get install -y chromium') or set CHROMIUM_EXECUTABLE;"
    say "the browser tests will fail until then."
    exit 0
fi

say "installing chromium with apt-get (one time)"
export DEBIAN_FRONTEND=noninteractive
# An empty package list (a fresh image) has to be fetched first.
if ! apt-cache show chromium >/dev/null 2>&1; then
    apt-get update -q >&2 || say "apt-get update failed"
fi
if ! apt-get install -y -q --no-install-recommends chromium >&2; then
    apt-get update -q >&2 || true
    apt-get install -y -q --no-install-recommends chromium >&2 \
        || say "apt-get install chromium failed; the browser tests will fail."
fi
if [ -x "$chromium" ]; then
    echo "$chromium"
else
    say "still no Chromium at $chromium; the browser tests will fail."
fi
