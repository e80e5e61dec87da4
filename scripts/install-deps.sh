#!/usr/bin/env bash
# Installs the system packages the build needs, when they are missing: libsecp256k1 (with its
# recovery module), OpenSSL's libcrypto, SQLite and libcurl headers, pkg-config.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

packages=(libsecp256k1-dev libssl-dev libsqlite3-dev libcurl4-openssl-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null
        $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    }
fi

command -v swift >/dev/null || { echo "swift is not on PATH (expected Swift 6.1 or later)" >&2; exit 1; }
