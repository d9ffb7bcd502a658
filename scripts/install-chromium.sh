#!/bin/sh
# Installs Debian's chromium and chromium-driver for the dashboard's browser test (test/web), only
# when /usr/bin/chromium is missing. Needs root (CI runs it as root). Safe to run twice.
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-chromium.sh: must run as root to apt-get install chromium" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium chromium-driver
/usr/bin/chromium --version || true
