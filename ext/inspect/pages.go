// Package inspect looks inside a database and a query: how the database's
// pages are used (through the dbstat virtual table) and what a statement
// does (its columns, parameters, the tables it touches and its plan).
//
// Like the other ext packages it works on a *sqlite.Conn and follows its
// rules: one goroutine at a time, cancellation through the context
// installed with Conn.SetContext; with asqlite.Conn, call it inside Run.
package inspect

import (
	"fmt"
	"slices"

	"github.com/asqlite/asqlite/sqlite"
)

// Scope chooses how AnalyzePages groups pages.
type Scope int

const (
	// ScopeDatabase sums every b-tree into one PageUsage.
	ScopeDatabase Scope = iota
	// ScopeTable gives one PageUsage per table, its indexes included.
	ScopeTable
	// ScopeBTree gives one PageUsage per table and one per index.
	ScopeBTree
)

// PageUsage describes the pages of one or more b-trees.
type PageUsage struct {
	Name    string   // table or index name; "" for ScopeDatabase
	Tables  []string // tables counted here
	Indexes []string // indexes counted here

	Pages      int64 // pages used
	Sequential int64 // pages that directly follow the previous page of their b-tree in the file
	Bytes      int64 // Pages × page size
	Cells      int64 // cells (rows or index entries, and interior cells)
	Payload    int64 // bytes of stored data
	Unused     int64 // bytes unused in those pages
	MaxPayload int64 // largest payload of one cell
}

// Utilization is the fraction of the pages' bytes that hold data.
func (u PageUsage) Utilization() float64 {
	if u.Bytes == 0 {
		return 0
	}
	return float64(u.Payload) / float64(u.Bytes)
}

// DatabaseUsage is the result of AnalyzePages.
type DatabaseUsage struct {
	PageSize  int64
	PageCount int64 // pages in the file
	FreePages int64 // pages on the free list
	Usage     []PageUsage
}

// AnalyzePages reports how schema's pages ("main" when empty) are used,
// grouped by scope, in name order. It reads the dbstat virtual table, so it
// visits every page: expect it to take time on a big database.
func AnalyzePages(conn *sqlite.Conn, schema string, scope Scope) (*DatabaseUsage, error) {
	if schema == "" {
		schema = "main"
	}
	du := &DatabaseUsage{}
	q := func(pragma string) (int64, error) {
		var v int64
		for row, err := range conn.Query(fmt.Sprintf(`PRAGMA "%s".%s`, quote(schema), pragma)) {
			if err != nil {
				return 0, err
			}
			v = row.ColumnInt64(0)
		}
		return v, nil
	}
	var err error
	if du.PageSize, err = q("page_size"); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if du.PageCount, err = q("page_count"); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if du.FreePages, err = q("freelist_count"); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}

	// Which table each b-tree belongs to.
	owner := map[string]string{}
	isIndex := map[string]bool{}
	for row, err := range conn.Query(fmt.Sprintf(`SELECT name, tbl_name, type FROM "%s".sqlite_schema WHERE type IN ('table', 'index')`, quote(schema))) {
		if err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
		owner[row.ColumnText(0)] = row.ColumnText(1)
		isIndex[row.ColumnText(0)] = row.ColumnText(2) == "index"
	}
	owner["sqlite_schema"] = "sqlite_schema"

	groups := map[string]*PageUsage{}
	var order []string
	last := map[string]int64{} // previous page number per b-tree
	rows := conn.Query("SELECT name, pageno, ncell, payload, unused, mx_payload, pgsize FROM dbstat(?) ORDER BY name, path", schema)
	for row, err := range rows {
		if err != nil {
			return nil, fmt.Errorf("inspect: dbstat: %w", err)
		}
		name := row.ColumnText(0)
		key := ""
		switch scope {
		case ScopeTable:
			key = owner[name]
			if key == "" {
				key = name
			}
		case ScopeBTree:
			key = name
		}
		g := groups[key]
		if g == nil {
			g = &PageUsage{Name: key}
			groups[key] = g
			order = append(order, key)
		}
		if isIndex[name] {
			if !slices.Contains(g.Indexes, name) {
				g.Indexes = append(g.Indexes, name)
			}
		} else if !slices.Contains(g.Tables, name) {
			g.Tables = append(g.Tables, name)
		}
		pageno := row.ColumnInt64(1)
		if prev, ok := last[name]; ok && pageno == prev+1 {
			g.Sequential++
		}
		last[name] = pageno
		g.Pages++
		g.Bytes += row.ColumnInt64(6)
		g.Cells += row.ColumnInt64(2)
		g.Payload += row.ColumnInt64(3)
		g.Unused += row.ColumnInt64(4)
		g.MaxPayload = max(g.MaxPayload, row.ColumnInt64(5))
	}
	slices.Sort(order)
	for _, k := range order {
		g := groups[k]
		slices.Sort(g.Tables)
		slices.Sort(g.Indexes)
		du.Usage = append(du.Usage, *g)
	}
	return du, nil
}

func quote(s string) string {
	out := make([]byte, 0, len(s))
	for i := range len(s) {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(out)
}
