package cluster

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
	"github.com/canonical/go-dqlite/app"
	"github.com/canonical/go-dqlite/client"
	"github.com/canonical/go-dqlite/driver"
)

// Options configure Open. The zero value is a client of nothing: set Dir
// to run a node, or Cluster to connect to one.
type Options struct {
	// Dir, when set, runs a dqlite node in this process, keeping its data
	// (Raft log, snapshots, identity) in Dir. A node opened again on the
	// same Dir rejoins the cluster it belongs to.
	Dir string
	// Address is the node's host:port, where the other nodes and clients
	// reach it (only with Dir). It must stay the same across restarts.
	Address string
	// Cluster lists addresses of nodes of the cluster. A new node (Dir)
	// joins through them, or starts a new cluster when it is empty; a
	// client (no Dir) connects to them and learns the others from them.
	Cluster []string
	// NetworkLatency is the expected one-way latency between nodes, from which
	// dqlite derives its heartbeat and election timeouts (only with Dir):
	// the smaller, the faster a dead leader is replaced. 0 means dqlite's
	// default.
	NetworkLatency time.Duration
	// Log receives dqlite's log lines; nil discards them.
	Log func(level, msg string)

	// QueueSize, FailWhenQueueFull, DisableGroupCommit, MaxBatch,
	// ReadTimeLimit and MaxRows mean what they mean in asqlite.Options,
	// with the same defaults.
	QueueSize          int
	FailWhenQueueFull  bool
	DisableGroupCommit bool
	MaxBatch           int
	ReadTimeLimit      time.Duration
	MaxRows            int
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.QueueSize <= 0 {
		r.QueueSize = 1024
	}
	if r.MaxBatch <= 0 {
		r.MaxBatch = 128
	}
	if r.DisableGroupCommit {
		r.MaxBatch = 1
	}
	if r.ReadTimeLimit == 0 {
		r.ReadTimeLimit = time.Second
	}
	return r
}

// DB is a database of a dqlite cluster with asqlite.DB's SQL surface. It is
// safe for concurrent use by any number of goroutines. See the package doc
// for the model.
type DB struct {
	name string
	opts Options
	node *app.App // nil for a client
	sql  *sql.DB  // reads, and the writer's connections

	mu     sync.RWMutex // held for reading while a write is queued
	closed bool
	queue  chan *write
	quit   chan struct{} // closed when Close starts
	stop   context.Context
	cancel context.CancelFunc // ends the writer's reconnections
	wdone  chan struct{}
	w      *writer

	closeOnce sync.Once
	closeErr  error
}

// minVersion is the SQLite the nodes must run (Debian bookworm's): an older
// one means mattn/go-sqlite3's bundled copy was linked in.
const minVersion = 3_040_000

// Open opens the database called name (a file name without directory, kept
// in each node's data directory) on the cluster, running a node in this
// process when opts.Dir is set, and starts the writer. It returns once a
// leader has answered. ctx bounds the opening; it is not kept.
//
// Errors: the node cannot start (its directory, address), no leader could
// be reached before ctx ended, or the nodes run an SQLite older than 3.40
// (the binary was built without -tags libsqlite3).
func Open(ctx context.Context, name string, opts *Options) (*DB, error) {
	if ctx == nil {
		return nil, sqlite.Errorf(sqlite.ErrMisuse, "cluster: nil context")
	}
	if name == "" || strings.ContainsAny(name, "/\\") {
		return nil, sqlite.Errorf(sqlite.ErrMisuse, "cluster: database name %q must be a plain file name", name)
	}
	o := opts.withDefaults()
	db := &DB{name: name, opts: o, quit: make(chan struct{})}
	logf := logFunc(o.Log)
	var err error
	if o.Dir != "" {
		if err := checkLocalVersion(); err != nil {
			return nil, err
		}
		// Roles are checked every second rather than dqlite's 30s, so
		// that a cluster formed by hand has its three voters at once.
		nopts := []app.Option{app.WithLogFunc(logf), app.WithRolesAdjustmentFrequency(time.Second)}
		if o.Address != "" {
			nopts = append(nopts, app.WithAddress(o.Address))
		}
		if len(o.Cluster) > 0 {
			nopts = append(nopts, app.WithCluster(o.Cluster))
		}
		if o.NetworkLatency > 0 {
			nopts = append(nopts, app.WithNetworkLatency(o.NetworkLatency))
		}
		if db.node, err = app.New(o.Dir, nopts...); err != nil {
			return nil, fmt.Errorf("cluster: starting the node in %s: %w", o.Dir, err)
		}
		if err := db.node.Ready(ctx); err != nil {
			db.node.Close()
			return nil, fmt.Errorf("cluster: the node did not join the cluster: %w", err)
		}
		if db.sql, err = db.node.Open(ctx, name); err != nil {
			db.node.Close()
			return nil, fmt.Errorf("cluster: opening %s: %w", name, err)
		}
	} else {
		if len(o.Cluster) == 0 {
			return nil, sqlite.Errorf(sqlite.ErrMisuse, "cluster: Open needs Options.Dir or Options.Cluster")
		}
		store := client.NewInmemNodeStore()
		infos := make([]client.NodeInfo, len(o.Cluster))
		for i, a := range o.Cluster {
			infos[i] = client.NodeInfo{Address: a}
		}
		if err := store.Set(ctx, infos); err != nil {
			return nil, err
		}
		drv, err := driver.New(store, driver.WithLogFunc(logf))
		if err != nil {
			return nil, err
		}
		conn, err := drv.OpenConnector(name)
		if err != nil {
			return nil, err
		}
		db.sql = sql.OpenDB(conn)
	}
	if err := db.checkVersion(ctx); err != nil {
		db.closeBackends()
		return nil, err
	}
	db.queue = make(chan *write, o.QueueSize)
	db.wdone = make(chan struct{})
	db.stop, db.cancel = context.WithCancel(context.Background())
	db.w = &writer{db: db, client: newClientID()}
	go db.w.run()
	return db, nil
}

// checkVersion asks the leader for its SQLite version.
func (db *DB) checkVersion(ctx context.Context) error {
	var v string
	if err := db.sql.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err != nil {
		return fmt.Errorf("cluster: no leader answered: %w", sqlError(err))
	}
	return versionError("the leader", v)
}

// checkLocalVersion asks the SQLite linked into this process, the one the
// node's libdqlite runs, through mattn/go-sqlite3's driver (which go-dqlite
// registers) on a private in-memory database.
func checkLocalVersion() error {
	local, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return fmt.Errorf("cluster: checking the linked SQLite: %w", err)
	}
	defer local.Close()
	var v string
	if err := local.QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		return fmt.Errorf("cluster: checking the linked SQLite: %w", err)
	}
	return versionError("this process", v)
}

// versionError reports an SQLite version v older than minVersion.
func versionError(who, v string) error {
	n := 0
	for _, part := range strings.SplitN(v, ".", 3) {
		d, _ := strconv.Atoi(part)
		n = n*1000 + d
	}
	if n < minVersion {
		return fmt.Errorf("cluster: %s runs SQLite %s, older than 3.40: build with -tags libsqlite3 so that the system's SQLite is linked", who, v)
	}
	return nil
}

// logFunc adapts Options.Log to dqlite's logger.
func logFunc(f func(level, msg string)) client.LogFunc {
	if f == nil {
		return func(client.LogLevel, string, ...any) {}
	}
	return func(l client.LogLevel, format string, a ...any) { f(l.String(), fmt.Sprintf(format, a...)) }
}

// newClientID names this DB in the group ids, unique across clients.
func newClientID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Name returns the database name given to Open.
func (db *DB) Name() string { return db.name }

// Address returns the address of the node running in this process, or ""
// for a client.
func (db *DB) Address() string {
	if db.node == nil {
		return ""
	}
	return db.node.Address()
}

// Node is a member of the cluster, as Nodes reports it.
type Node struct {
	ID      uint64
	Address string
	// Role is "voter", "stand-by" or "spare".
	Role   string
	Leader bool
}

// Nodes returns the members of the cluster, as the leader knows them.
func (db *DB) Nodes(ctx context.Context) ([]Node, error) {
	var cli *client.Client
	var err error
	if db.node != nil {
		cli, err = db.node.Leader(ctx)
	} else {
		store := client.NewInmemNodeStore()
		infos := make([]client.NodeInfo, len(db.opts.Cluster))
		for i, a := range db.opts.Cluster {
			infos[i] = client.NodeInfo{Address: a}
		}
		store.Set(ctx, infos)
		cli, err = client.FindLeader(ctx, store, client.WithLogFunc(logFunc(db.opts.Log)))
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: finding the leader: %w", err)
	}
	defer cli.Close()
	return nodesOf(ctx, cli)
}

func nodesOf(ctx context.Context, cli *client.Client) ([]Node, error) {
	leader, err := cli.Leader(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster: asking for the leader: %w", err)
	}
	infos, err := cli.Cluster(ctx)
	if err != nil {
		return nil, fmt.Errorf("cluster: asking for the members: %w", err)
	}
	nodes := make([]Node, len(infos))
	for i, n := range infos {
		nodes[i] = Node{ID: n.ID, Address: n.Address, Role: n.Role.String(), Leader: leader != nil && leader.ID == n.ID}
	}
	return nodes, nil
}

// Close stops taking writes, lets the queued ones finish, and closes the
// connections (and the node, handing its leadership over first when it
// leads). CloseContext does the same until ctx ends, then fails what
// remains.
func (db *DB) Close() error { return db.CloseContext(context.Background()) }

// CloseContext is Close bounded by ctx.
func (db *DB) CloseContext(ctx context.Context) error {
	db.closeOnce.Do(func() {
		db.mu.Lock()
		db.closed = true
		close(db.quit)
		db.mu.Unlock()
		select {
		case <-db.wdone:
		case <-ctx.Done():
			db.cancel()
			<-db.wdone
		}
		db.cancel()
		if db.node != nil {
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			db.node.Handover(hctx)
			cancel()
		}
		db.closeErr = db.closeBackends()
	})
	return db.closeErr
}

func (db *DB) closeBackends() error {
	err := db.sql.Close()
	if db.node != nil {
		err = errors.Join(err, db.node.Close())
	}
	return err
}

// errDBClosed is what calls on a closed DB return.
var errDBClosed = fmt.Errorf("cluster: database is closed: %w", asqlite.ErrClosed)
