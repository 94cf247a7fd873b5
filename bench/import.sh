#!/bin/sh
# import.sh times ".import --csv" of a 1,000,000-row CSV file into a new
# table of a new database, with asqlite shell and with the sqlite3 program,
# alternately, ROUNDS times each (default 5), and prints each time and the
# median of each:
#
#	sh bench/import.sh            # needs sqlite3 and awk
#	ROWS=100000 ROUNDS=3 sh bench/import.sh
#
# The file has four columns (an integer, a short text, a decimal number
# and a quoted text with a comma), about 52 MB.
set -eu
cd "$(dirname "$0")/.."
rows="${ROWS:-1000000}"
rounds="${ROUNDS:-5}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/asqlite" ./cmd/asqlite
awk -v n="$rows" 'BEGIN { print "id,name,price,note";
	for (i = 1; i <= n; i++) printf "%d,item %d,%d.%02d,\"note, with comma %d\"\n", i, i, i % 1000, i % 100, i }' > "$dir/rows.csv"
now() { date +%s.%N; }
run() { # name command...
	name=$1; shift
	rm -f "$dir/$name.db"
	start=$(now)
	"$@" "$dir/$name.db" ".import --csv $dir/rows.csv t"
	end=$(now)
	n=$("$dir/asqlite" shell "$dir/$name.db" "SELECT count(*) FROM t")
	[ "$n" = "$rows" ] || { echo "$name imported $n rows, want $rows" >&2; exit 1; }
	awk -v name="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%s %.3f\n", name, e - s }' | tee -a "$dir/times"
}
i=0
while [ "$i" -lt "$rounds" ]; do
	run sqlite3 sqlite3
	run asqlite "$dir/asqlite" shell
	i=$((i + 1))
done
for name in sqlite3 asqlite; do
	grep "^$name " "$dir/times" | sort -k2 -n | awk -v name="$name" '{ t[NR] = $2 } END { printf "median %s %.3f s\n", name, t[int((NR + 1) / 2)] }'
done
