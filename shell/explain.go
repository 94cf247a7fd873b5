package shell

import (
	"bufio"
	"fmt"
	"slices"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// writePlan writes the rows of an EXPLAIN QUERY PLAN as sqlite3 draws
// them, whatever the mode: a tree under "QUERY PLAN".
func (s *Shell) writePlan(stmt *sqlite.Stmt) error {
	type step struct {
		id, parent int
		detail     string
	}
	var steps []step
	for {
		ok, err := stmt.Step()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		steps = append(steps, step{stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnText(3)})
	}
	if len(steps) == 0 {
		return nil
	}
	w := bufio.NewWriter(s.out)
	defer w.Flush()
	w.WriteString("QUERY PLAN\n")
	var level func(parent int, prefix string)
	level = func(parent int, prefix string) {
		var children []step
		for _, st := range steps {
			if st.parent == parent {
				children = append(children, st)
			}
		}
		for i, st := range children {
			last := i == len(children)-1
			w.WriteString(prefix + map[bool]string{true: "`--", false: "|--"}[last] + st.detail + "\n")
			level(st.id, prefix+map[bool]string{true: "   ", false: "|  "}[last])
		}
	}
	level(0, "")
	return nil
}

var explainColumns = []string{"addr", "opcode", "p1", "p2", "p3", "p4", "p5", "comment"}

// writeExplain writes the program of an EXPLAIN in sqlite3's layout:
// fixed columns, and the opcodes of each loop's body indented.
func (s *Shell) writeExplain(stmt *sqlite.Stmt) error {
	var rows [][]string
	var addrs, p1s, p2s []int
	for {
		ok, err := stmt.Step()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		row := make([]string, len(explainColumns))
		for i := range row {
			if stmt.ColumnType(i) == sqlite.Null {
				row[i] = s.nullValue
			} else {
				row[i] = stmt.ColumnText(i)
			}
		}
		rows = append(rows, row)
		addrs = append(addrs, stmt.ColumnInt(0))
		p1s = append(p1s, stmt.ColumnInt(2))
		p2s = append(p2s, stmt.ColumnInt(3))
	}
	if len(rows) == 0 {
		return nil
	}
	// A jump back to the start of a loop indents the loop's body.
	indent := make([]int, len(rows))
	yield := make([]bool, len(rows))
	for op, row := range rows {
		yield[op] = slices.Contains([]string{"Yield", "SeekLT", "SeekGT", "RowSetRead", "Rewind"}, row[1])
		target := p2s[op] + op - addrs[op]
		if slices.Contains([]string{"Next", "Prev", "VPrev", "VNext", "SorterNext"}, row[1]) && target > 0 {
			for i := target; i < op; i++ {
				indent[i] += 2
			}
		}
		if row[1] == "Goto" && target >= 0 && target < op+1 && (yield[target] || p1s[op] != 0) {
			for i := target; i < op; i++ {
				indent[i] += 2
			}
		}
	}
	widths := []int{4, 13, 4, 4, 4, 13, 2, 13}
	w := bufio.NewWriter(s.out)
	defer w.Flush()
	for i, name := range explainColumns {
		fmt.Fprintf(w, "%-*s%s", widths[i], name, map[bool]string{true: "\n", false: "  "}[i == len(widths)-1])
	}
	for i, wd := range widths {
		fmt.Fprintf(w, "%s%s", strings.Repeat("-", wd), map[bool]string{true: "\n", false: "  "}[i == len(widths)-1])
	}
	for op, row := range rows {
		for i, v := range row {
			wd, sep := widths[i], "  "
			if i == len(row)-1 {
				wd = 0
			}
			if n := len([]rune(v)); n > wd {
				wd, sep = n, " "
			}
			if i == 1 {
				w.WriteString(strings.Repeat(" ", indent[op]))
			}
			w.WriteString(padCell(v, wd, false, oneColumn))
			if i == len(row)-1 {
				w.WriteString("\n")
			} else {
				w.WriteString(sep)
			}
		}
	}
	return nil
}
