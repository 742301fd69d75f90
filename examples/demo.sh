#!/bin/sh
# Run examples/exfiltrate.py under hermetic --no-network next to a loopback
# listener, and show that nothing reached the listener and no lookup ran.
set -eu
hermetic=${1:-build/hermetic}
here=$(cd "$(dirname "$0")" && pwd)
workdir=$(mktemp -d)
trap 'kill "$listener" 2>/dev/null || true; rm -rf "$workdir"' EXIT

/usr/bin/python3 "$here/listener.py" "$workdir/port" >"$workdir/listener.log" 2>&1 &
listener=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$workdir/port" ] && break
    sleep 0.2
done
port=$(cat "$workdir/port")

echo "\$ hermetic --no-network -- examples/exfiltrate.py $port"
status=0
"$hermetic" --no-network -- "$here/exfiltrate.py" "$port" || status=$?
echo "exit status: $status"
sleep 0.3
if [ -s "$workdir/listener.log" ]; then
    echo "the listener on 127.0.0.1:$port got:"
    cat "$workdir/listener.log"
    exit 1
fi
echo "the listener on 127.0.0.1:$port received nothing."
