#!/bin/sh
# Run examples/exfiltrate.py under hermetic --profile block-all next to a
# loopback listener, then show that nothing reached the listener and that
# the file and the shell's marker it tried to create do not exist.
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

echo "\$ hermetic --profile block-all -- examples/exfiltrate.py $port $workdir"
status=0
"$hermetic" --profile block-all -- "$here/exfiltrate.py" "$port" "$workdir" || status=$?
echo "exit status: $status"
sleep 0.3
failed=0
if [ -s "$workdir/listener.log" ]; then
    echo "the listener on 127.0.0.1:$port got:"
    cat "$workdir/listener.log"
    failed=1
else
    echo "the listener on 127.0.0.1:$port received nothing."
fi
for marker in written-by-exfiltrate started-by-exfiltrate; do
    if [ -e "$workdir/$marker" ]; then
        echo "$marker exists: the program was not contained."
        failed=1
    else
        echo "$marker does not exist."
    fi
done
exit "$failed"
