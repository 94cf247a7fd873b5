#!/bin/sh
# run.sh regenerates every number and chart of docs/BENCHMARKS.md from
# scratch: the comparison of all workloads on all libraries, a longer
# run of the binding against zombiezen alone on the go-sqlite-bench
# workloads (SPEC 3's binding target), the paired point-query runs,
# asqlite's own microbenchmarks, asqlite serve against the usual
# handler, and the PNG charts.
#
#	cd bench && ./run.sh            # about 20 minutes on 2 cores
#	COUNT=5 ./run.sh -scale 0.5     # more rounds, smaller tables
#
# Results go to bench/results/, charts to docs/img/. mattn/go-sqlite3 needs
# cgo and a C compiler; without them it is left out.
set -eu
cd "$(dirname "$0")"
mkdir -p results
export CGO_ENABLED="${CGO_ENABLED:-1}"
go run ./cmd/compare -all -count "${COUNT:-3}" -out results/results.json -md results/results.md "$@" \
	> results/results.txt
go run ./cmd/compare -run '^gsb$' -libs '^(asqlite|zombiezen)$' -count 7 -out results/binding.json \
	-md results/binding.md > results/binding.txt
go run ./cmd/compare -paired -run '^point' -count 5 -time 2s -libs '^asqlite' > results/paired.txt
(cd .. && go run ./cmd/asqlite bench -count 3) > results/asqlite-bench.txt
go run ./cmd/serve -time 3s -count 5 > results/serve.txt
go run ./cmd/plot -o ../docs/img results/results.json
go test -run '^$' -bench 'ConcurrentCommits|SQLReads' -benchtime 2s -count 3 . > results/sql.txt
