#!/usr/bin/env bash
# Runs a command (the test suite) in throwaway XDG directories, inside a private D-Bus session whose gnome-keyring
# is unlocked, so that tests use the real Secret Service and never the developer's own keyring or data.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME/keyrings" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
chmod 700 "$XDG_RUNTIME_DIR"
export CUSTOS_TEST_KEYRING=1
exec dbus-run-session -- bash -c '
  printf %s custos-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' _ "$@"
