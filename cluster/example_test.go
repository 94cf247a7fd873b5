package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/asqlite/asqlite/cluster"
)

// A client of a three-node cluster: writes from any number of goroutines
// are group-committed on a quorum; reads go to the leader.
func ExampleOpen() {
	ctx := context.Background()
	db, err := cluster.Open(ctx, "app.db", &cluster.Options{
		Cluster: []string{"10.0.0.1:9001", "10.0.0.2:9001", "10.0.0.3:9001"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if _, err := db.Exec(ctx, "CREATE TABLE IF NOT EXISTS visits(page TEXT PRIMARY KEY, n INTEGER)"); err != nil {
		log.Fatal(err)
	}
	// Survives the leader's death: the call waits for the new leader, and
	// the write is applied exactly once.
	_, err = db.Exec(ctx, "INSERT INTO visits VALUES(?, 1) ON CONFLICT(page) DO UPDATE SET n = n + 1", "/")
	if errors.Is(err, cluster.ErrOutcomeUnknown) {
		log.Print("the context ended before the cluster could tell: check before retrying")
	} else if err != nil {
		log.Fatal(err)
	}
	var n int
	if err := db.QueryRow(ctx, "SELECT n FROM visits WHERE page = ?", "/").Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println(n)
}

// A node running inside the program: the first one starts the cluster, the
// others join through it, and each is also a client.
func ExampleOptions_node() {
	ctx := context.Background()
	db, err := cluster.Open(ctx, "app.db", &cluster.Options{
		Dir:     "/var/lib/app/node",
		Address: "10.0.0.2:9001",
		Cluster: []string{"10.0.0.1:9001"}, // empty for the first node
	})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close() // hands the leadership over if this node leads

	err = db.Write(ctx, func(tx *cluster.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM visits").Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO visits VALUES(?, 0)", fmt.Sprintf("/page/%d", n))
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}
