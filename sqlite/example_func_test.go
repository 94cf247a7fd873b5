package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

func ExampleConn_CreateFunction() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// A deterministic scalar function of one argument.
	err = c.CreateFunction("reverse", 1, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		if args[0].IsNull() {
			return nil // result NULL
		}
		r := []rune(args[0].Text())
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		fc.ResultText(string(r))
		return nil
	})
	if err != nil {
		panic(err)
	}
	for row, err := range c.Query("SELECT reverse('asqlite')") {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.ColumnText(0))
	}
	// Output: etilqsa
}

func ExampleConn_CreateFunction_error() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	errNegative := errors.New("negative input")
	err = c.CreateFunction("checked_sqrt", 1, sqlite.Deterministic, func(fc *sqlite.FuncContext, args []sqlite.Value) error {
		if args[0].Float() < 0 {
			return errNegative
		}
		fc.ResultFloat(args[0].Float())
		return nil
	})
	if err != nil {
		panic(err)
	}
	// The function's error fails the statement and is wrapped by it.
	err = c.Exec("SELECT checked_sqrt(-1)")
	fmt.Println(errors.Is(err, errNegative))
	var se *sqlite.Error
	fmt.Println(errors.As(err, &se), se.Msg)
	// Output:
	// true
	// true function checked_sqrt: negative input
}

func ExampleConn_CreateFunction_context() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// A slow function watches the context of the call running it.
	started := make(chan struct{})
	err = c.CreateFunction("slow", 0, 0, func(fc *sqlite.FuncContext, _ []sqlite.Value) error {
		close(started)
		<-fc.Context().Done()
		return fc.Context().Err()
	})
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	c.SetContext(ctx)
	err = c.Exec("SELECT slow()")
	c.SetContext(context.Background())
	fmt.Println(errors.Is(err, context.Canceled))
	// Output: true
}

// stringAgg concatenates the texts of its group.
type stringAgg struct{ parts []string }

func (a *stringAgg) Step(_ *sqlite.FuncContext, args []sqlite.Value) error {
	a.parts = append(a.parts, args[0].Text())
	return nil
}

func (a *stringAgg) Final(fc *sqlite.FuncContext) error {
	fc.ResultText(strings.Join(a.parts, "+"))
	return nil
}

func ExampleConn_CreateAggregate() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	// Each group gets a fresh stringAgg.
	err = c.CreateAggregate("plus_join", 1, sqlite.Deterministic, func() sqlite.AggregateFunc { return &stringAgg{} })
	if err != nil {
		panic(err)
	}
	err = c.Exec(`CREATE TABLE fruit(color, name);
		INSERT INTO fruit VALUES ('red', 'apple'), ('yellow', 'banana'), ('red', 'cherry')`)
	if err != nil {
		panic(err)
	}
	for row, err := range c.Query("SELECT color, plus_join(name) FROM fruit GROUP BY color ORDER BY color") {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.ColumnText(0), row.ColumnText(1))
	}
	// Output:
	// red apple+cherry
	// yellow banana
}

// movingSum is a window function: Inverse drops the row leaving the frame.
type movingSum struct{ sum int64 }

func (m *movingSum) Step(_ *sqlite.FuncContext, args []sqlite.Value) error {
	m.sum += args[0].Int64()
	return nil
}

func (m *movingSum) Inverse(_ *sqlite.FuncContext, args []sqlite.Value) error {
	m.sum -= args[0].Int64()
	return nil
}

func (m *movingSum) Value(fc *sqlite.FuncContext) error { fc.ResultInt64(m.sum); return nil }
func (m *movingSum) Final(fc *sqlite.FuncContext) error { fc.ResultInt64(m.sum); return nil }

func ExampleConn_CreateWindowFunction() {
	c, err := sqlite.Open(":memory:", 0)
	if err != nil {
		panic(err)
	}
	defer c.Close()

	err = c.CreateWindowFunction("moving_sum", 1, 0, func() sqlite.WindowFunc { return &movingSum{} })
	if err != nil {
		panic(err)
	}
	q := `SELECT x, moving_sum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
		FROM (SELECT column1 AS x FROM (VALUES (1), (2), (3), (4)))`
	for row, err := range c.Query(q) {
		if err != nil {
			panic(err)
		}
		fmt.Println(row.ColumnInt(0), row.ColumnInt(1))
	}
	// Output:
	// 1 1
	// 2 3
	// 3 5
	// 4 7
}
