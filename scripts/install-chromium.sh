#!/usr/bin/env bash
# Installs Debian's chromium for the browser test of the plan page (test/e2e/plan-html.test.ts),
# which opens the page in headless Chromium (/usr/bin/chromium unless OFFPEAK_CHROMIUM names another;
# without one it is skipped). .ci/run runs this before the tests; by hand it needs root or
# password-less sudo. Does nothing when /usr/bin/chromium is already there.
# Quiet on success; bounded in time; on failure it says what went wrong and exits non-zero.
set -uo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

fail() {
  echo "install-chromium: $1" >&2
  echo "install-chromium: the browser test needs $CHROMIUM (or OFFPEAK_CHROMIUM); install Debian's 'chromium' package (apt-get install chromium) and run the tests again" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: this script installs Debian's chromium package only"
# apt-get needs root; use sudo without a password prompt when not root (CI runners), never wait for one.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "not root and no sudo to run apt-get"
  SUDO=(sudo -n)
fi

log=$(mktemp "${TMPDIR:-/tmp}/install-chromium.XXXXXX.log")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive

# Bounded: a hung mirror must not hold CI for ever (update 5 minutes, install 10).
if ! timeout 300 "${SUDO[@]}" apt-get update -qq >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get update failed or timed out (log above)"
fi
if ! timeout 600 "${SUDO[@]}" apt-get install -y -qq chromium >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  fail "apt-get install chromium failed or timed out (log above)"
fi
[ -x "$CHROMIUM" ] || fail "apt-get installed chromium but $CHROMIUM is not there"
echo "install-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
