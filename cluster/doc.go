// Package cluster gives asqlite.DB's SQL surface on a replicated cluster:
// dqlite (SQLite with Raft consensus) running on several machines, so that
// a service survives the loss of one and several replicas can share one
// database.
//
// # The model
//
// A dqlite cluster is a set of nodes that elect a leader; the leader runs
// every statement of every client and a transaction commits when a quorum
// (a majority of voters) has stored it. Open either runs a node inside the
// process (Options.Dir), which starts a cluster or joins one, or connects
// as a client to the nodes listed in Options.Cluster. Either way it
// returns a DB whose calls go to the current leader, wherever it is.
//
// Writes (Exec, ExecMany, Write) are queued, as asqlite.DB queues them, and
// one goroutine per DB sends them to the leader over one connection with
// group commit: the writes queued together share one replicated
// transaction, each in a SAVEPOINT of its own, so a failing write is rolled
// back alone and the others go on; no caller hears "done" before the
// quorum has stored the COMMIT. Writes never meet "database is locked":
// when another client holds the leader's write lock, the writer waits and
// tries again.
//
// # Failover
//
// When the leader dies, the writer reconnects to the new leader and runs
// the writes still waiting again; callers only wait (as long as their
// context allows). The dangerous case is a COMMIT sent to a leader that
// died before answering: it may or may not have been stored. Each group
// therefore inserts a unique id into the table asqlite_cluster_groups in
// its transaction; after an unknown outcome the writer asks the new leader
// whether that id exists, and either reports the writes committed or runs
// them again. A write is thus applied once or not at all. Only a caller
// whose context ends before that question can be answered gets
// ErrOutcomeUnknown. Ids older than an hour are deleted as groups commit.
//
// # Contexts
//
// Every call takes a context. A write whose context ends while it is
// queued, or while the writer waits for a leader, never runs and returns
// the context's error. Once the writer has sent a write's SQL, it runs to
// its end (the group shares one transaction), and the caller gets the
// exact outcome. Reads end when their context or their time limit ends.
//
// # Reads and consistency
//
// Query, QueryRow and QueryRows run on the leader too (dqlite serves no
// reads from followers), after the leader has applied every entry of its
// log, so a read that starts after a write returned sees that write; a
// read that finds no leader (an election) tries again until its time
// limit. A
// leader cut off from the others does not know at once that it has been
// deposed: until its election timeout passes it may still answer reads
// with data that the new leader has since changed (a stale read); it can
// never commit a write. Reads are not linearizable across such a
// partition.
//
// # What a cluster cannot carry
//
// SQL reaches the nodes as text and values over the network, so nothing
// that needs Go code inside SQLite or the SQLite connection itself can
// work: Go functions, aggregates, collations, hooks and virtual tables
// (which asqlite.DB adds only through its Register), incremental blob
// I/O, sessions, backup and Read/Write functions given a *sqlite.Conn.
// The methods that asqlite.DB has for them ([DB.Register], [DB.Read])
// exist here and return an [*UnsupportedError]; named arguments
// (sqlite.Named) are refused the same way. Values travel as int64,
// float64, string, []byte or NULL; a column declared DATETIME, DATE or
// TIMESTAMP comes back as text in SQLite's format, and one declared
// BOOLEAN as 0 or 1.
//
// # Building
//
// The package needs cgo, libdqlite and the system's SQLite, and must be
// built with -tags libsqlite3: without it, go-dqlite's dependency on
// mattn/go-sqlite3 links that package's own, older SQLite in place of the
// system's, inside libdqlite as well. Open refuses to run on an SQLite
// older than 3.40 to catch that.
package cluster
