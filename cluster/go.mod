module github.com/asqlite/asqlite/cluster

go 1.26.0

replace github.com/asqlite/asqlite => ../

replace github.com/canonical/go-dqlite => /usr/share/gocode/src/github.com/canonical/go-dqlite

require (
	github.com/asqlite/asqlite v0.0.0-00010101000000-000000000000
	github.com/canonical/go-dqlite v0.0.0-00010101000000-000000000000
)

require (
	github.com/Rican7/retry v0.3.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/ghodss/yaml v1.0.0 // indirect
	github.com/google/renameio v1.0.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/mattn/go-sqlite3 v1.14.7 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
	modernc.org/libc v1.79.0 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.61.1 // indirect
)
