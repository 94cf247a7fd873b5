package tour

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

func init() {
	register(Section{Name: "cancellation", Title: "Cancellation", Order: 30, Run: cancellation})
}

// sleepFunction registers sleep(seconds): an SQL function that holds the
// worker for that long, but returns as soon as the context of the call
// running it ends. started is closed when it first runs.
func sleepFunction(ctx context.Context, conn *asqlite.Conn) (started <-chan struct{}, err error) {
	ch := make(chan struct{})
	var once sync.Once
	err = conn.Run(ctx, func(sc *sqlite.Conn) error {
		return sc.CreateFunction("sleep", 1, 0, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
			once.Do(func() { close(ch) })
			d := time.Duration(args[0].Float() * float64(time.Second))
			select {
			case <-time.After(d):
				fc.ResultFloat(args[0].Float())
				return nil
			case <-fc.Context().Done():
				return fc.Context().Err()
			}
		})
	})
	return ch, err
}

// cancellation runs a group of tasks with errgroup: when one fails, the
// group's context ends and every other task stops, whether it is waiting
// in the Conn's queue, running SQL or a Go function on the worker, or
// doing something else entirely.
func cancellation(ctx context.Context, t *T) error {
	conn, err := asqlite.OpenConn(ctx, ":memory:", nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	running, err := sleepFunction(ctx, conn)
	if err != nil {
		return err
	}

	type task struct {
		name string
		run  func(ctx context.Context) error
		err  error
	}
	tasks := []*task{
		{name: "SELECT sleep(3600)", run: func(ctx context.Context) error {
			// Holds the worker for an hour...
			_, err := conn.Exec(ctx, "SELECT sleep(3600)")
			return err
		}},
		{name: "SELECT * FROM sqlite_schema", run: func(ctx context.Context) error {
			// ...so this query waits in the queue behind it.
			<-running
			for _, err := range conn.Query(ctx, "SELECT * FROM sqlite_schema") {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "time.After(time.Hour)", run: func(ctx context.Context) error {
			select {
			case <-time.After(time.Hour):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}},
		{name: "deliberate error", run: func(ctx context.Context) error {
			<-running // fail once the hour-long query holds the worker
			return errors.New("division by zero")
		}},
	}

	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	for _, tk := range tasks {
		g.Go(func() error {
			tk.err = tk.run(gctx)
			return tk.err
		})
	}
	err = g.Wait()
	t.Printf("got %q after %s\n", err, Seconds(time.Since(start)))

	// What happened to each task: all stopped, only one failed.
	for i, tk := range tasks {
		outcome := "done"
		switch {
		case errors.Is(tk.err, context.Canceled):
			outcome = "cancelled"
		case tk.err != nil:
			outcome = "failed: " + tk.err.Error()
		}
		t.Printf("task %d %-30s %s\n", i+1, tk.name, outcome)
	}

	// The connection is not still sleeping: the next call runs at once.
	start = time.Now()
	var functions int
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM pragma_function_list").Scan(&functions); err != nil {
		return err
	}
	t.Printf("After %s, there are %d registered SQLite functions\n", Seconds(time.Since(start)), functions)
	return nil
}
