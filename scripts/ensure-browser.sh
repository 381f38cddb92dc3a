#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the browser test (test/browser).
# Installs it with apt-get when we are root on a Debian-like system; never downloads a browser otherwise.
set -euo pipefail
browser=${CHROMIUM_PATH:-/usr/bin/chromium}

if [ -x "$browser" ]; then
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: $browser is missing, installing Debian's chromium package..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  if [ -x "$browser" ]; then
    echo "ensure-browser: installed $("$browser" --version 2>/dev/null || echo chromium)" >&2
    exit 0
  fi
  echo "ensure-browser: apt-get installed chromium but $browser is still missing; set CHROMIUM_PATH to the binary." >&2
  exit 1
fi

echo "ensure-browser: no Chromium at $browser. Install Debian's package (sudo apt-get install chromium)," >&2
echo "or set CHROMIUM_PATH to a Chromium binary. The browser test (npx jest -c jest.browser.config.js) needs it." >&2
exit 1
