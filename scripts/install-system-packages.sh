#!/usr/bin/env bash
# The Debian packages the tests need: Chromium (Playwright e2e; never `npx playwright install`), ffmpeg
# (video import and export) and redis-server (the worker-pool tests start their own on a free port). Installs only what is missing, with sudo only when not already root, so the
# same line works in a root shell on a fresh machine (no sudo there) and as a user.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages present: chromium, ffmpeg, redis-server"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "need root (or sudo) to apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "installing ${missing[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
