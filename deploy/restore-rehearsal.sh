#!/bin/sh
# Restore rehearsal: restores the shop's database from its Litestream replica
# into a fresh folder (the live shop is not touched) and proves the copy with
# `fenxiao audit` (ledger hash chains, balances, payments − refunds,
# commissions). Run it regularly: a backup never restored is a hope.
#
#   deploy/restore-rehearsal.sh                      # latest state
#   deploy/restore-rehearsal.sh -t 2026-12-04T08:00:00Z   # point in time
#
# Environment (defaults in brackets):
#   LITESTREAM         the litestream binary [litestream]
#   FENXIAO            the fenxiao binary [./fenxiao]
#   LITESTREAM_CONFIG  the replication config [deploy/litestream.yml]
#   DB                 the database path as the config names it [/pb_data/data.db]
#   OUT                where to restore [a new folder under ${TMPDIR:-/tmp}]
# and the variables the config expands (LITESTREAM_BUCKET, ..._ACCESS_KEY_ID, ...).
set -eu

LITESTREAM=${LITESTREAM:-litestream}
FENXIAO=${FENXIAO:-./fenxiao}
LITESTREAM_CONFIG=${LITESTREAM_CONFIG:-deploy/litestream.yml}
DB=${DB:-/pb_data/data.db}

timestamp=""
while getopts "t:" opt; do
	case $opt in
	t) timestamp=$OPTARG ;;
	*) echo "usage: $0 [-t RFC3339 timestamp]" >&2; exit 2 ;;
	esac
done

OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/fenxiao-restore.XXXXXX")}
if [ -e "$OUT/data.db" ]; then
	echo "restore rehearsal: $OUT/data.db exists; choose an empty OUT" >&2
	exit 2
fi
mkdir -p "$OUT"

echo "1/2 restoring $DB from its replica into $OUT ..."
if [ -n "$timestamp" ]; then
	"$LITESTREAM" restore -config "$LITESTREAM_CONFIG" -o "$OUT/data.db" -timestamp "$timestamp" "$DB"
else
	"$LITESTREAM" restore -config "$LITESTREAM_CONFIG" -o "$OUT/data.db" "$DB"
fi
ls -l "$OUT/data.db"

echo "2/2 auditing the restored copy ..."
if ! "$FENXIAO" audit --dir="$OUT"; then
	echo "restore rehearsal FAILED: the restored copy does not pass the audit ($OUT kept)" >&2
	exit 1
fi

echo
echo "restore rehearsal passed: $OUT/data.db restored and audited."
echo "Look around in it on another port (the live shop is untouched):"
echo "  $FENXIAO serve --dir=$OUT --http=127.0.0.1:8099"
echo "Remove it when done: rm -r $OUT"
