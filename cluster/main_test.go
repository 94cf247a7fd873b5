package cluster

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/canonical/go-dqlite/client"
)

// A test binary started with nodeEnv set runs one node of a test cluster
// (dir, address, addresses to join, separated by "|") instead of the tests,
// so that a test can kill a node with SIGKILL.
const nodeEnv = "ASQLITE_CLUSTER_TEST_NODE"

func TestMain(m *testing.M) {
	if spec := os.Getenv(nodeEnv); spec != "" {
		os.Exit(runNode(spec))
	}
	os.Exit(m.Run())
}

// runNode runs a node until its standard input closes.
func runNode(spec string) int {
	parts := strings.Split(spec, "|")
	o := &Options{Dir: parts[0], Address: parts[1], NetworkLatency: testLatency}
	if parts[2] != "" {
		o.Cluster = strings.Split(parts[2], ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	db, err := Open(ctx, "test", o)
	cancel()
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	db.Close()
	return 0
}

// testLatency makes elections fast on loopback.
const testLatency = 5 * time.Millisecond

// freeAddr returns a loopback address with a port nothing listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// proc is a node running in a child process.
type proc struct {
	dir, addr string
	cmd       *exec.Cmd
	stdin     io.WriteCloser // the node runs until it is closed
}

// startProc starts a node and waits until it is part of the cluster.
func startProc(t testing.TB, dir, addr string, join []string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), nodeEnv+"="+dir+"|"+addr+"|"+strings.Join(join, ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{dir: dir, addr: addr, cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		p.kill()
		t.Fatalf("node %s did not start: %q %v", addr, line, err)
	}
	go io.Copy(io.Discard, out)
	return p
}

// kill ends the node at once, as a crash would.
func (p *proc) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
	p.stdin.Close()
}

// startCluster starts three nodes and returns them with their addresses.
func startCluster(t testing.TB) ([]*proc, []string) {
	t.Helper()
	var procs []*proc
	var addrs []string
	for i := range 3 {
		addr := freeAddr(t)
		var join []string
		if i > 0 {
			join = addrs[:1]
		}
		procs = append(procs, startProc(t, t.TempDir(), addr, join))
		addrs = append(addrs, addr)
	}
	t.Cleanup(func() {
		for _, p := range procs {
			p.kill()
		}
	})
	makeVoters(t, addrs)
	return procs, addrs
}

// makeVoters gives every node the voter role: a node that joined while
// another was being promoted may still be a spare.
func makeVoters(t testing.TB, addrs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store := client.NewInmemNodeStore()
	infos := make([]client.NodeInfo, len(addrs))
	for i, a := range addrs {
		infos[i] = client.NodeInfo{Address: a}
	}
	store.Set(ctx, infos)
	cli, err := client.FindLeader(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	nodes, err := cli.Cluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if n.Role != client.Voter {
			if err := cli.Assign(ctx, n.ID, client.Voter); err != nil {
				t.Fatalf("promoting %s: %v", n.Address, err)
			}
		}
	}
}
