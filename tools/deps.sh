#!/bin/sh
# Install the Debian packages given as arguments that are not installed yet.
# As root this runs apt-get; otherwise it prints the command to run.
set -eu

missing=""
for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    echo "hermetic: every build and test dependency is installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "hermetic: missing Debian packages:$missing"
    echo "hermetic: install them with:"
    echo "  sudo apt-get update && sudo apt-get install -y$missing"
    exit 1
fi

echo "hermetic: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2086 # the package list is meant to split into words
apt-get install -y --no-install-recommends $missing
