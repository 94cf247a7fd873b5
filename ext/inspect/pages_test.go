package inspect_test

import (
	"testing"

	"github.com/asqlite/asqlite/ext/inspect"
	"github.com/asqlite/asqlite/sqlite"
)

func openFilled(t *testing.T) *sqlite.Conn {
	t.Helper()
	c, err := sqlite.Open(t.TempDir()+"/pages.db", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	err = c.Exec(`CREATE TABLE t(x, y); CREATE INDEX t_y ON t(y); CREATE TABLE small(z);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
		INSERT INTO t SELECT i, randomblob(100) FROM n;
		INSERT INTO small VALUES (1)`)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAnalyzePagesScopes(t *testing.T) {
	c := openFilled(t)
	db, err := inspect.AnalyzePages(c, "", inspect.ScopeDatabase)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.Usage) != 1 {
		t.Fatalf("database scope gave %d groups", len(db.Usage))
	}
	total := db.Usage[0]
	if total.Pages != db.PageCount-db.FreePages {
		t.Errorf("pages %d, want page_count %d - freelist %d", total.Pages, db.PageCount, db.FreePages)
	}
	if total.Bytes != total.Pages*db.PageSize {
		t.Errorf("bytes %d != pages %d × %d", total.Bytes, total.Pages, db.PageSize)
	}
	if total.Payload < 2000*100 {
		t.Errorf("payload %d, want at least the 200000 bytes of blobs", total.Payload)
	}

	byTable, err := inspect.AnalyzePages(c, "main", inspect.ScopeTable)
	if err != nil {
		t.Fatal(err)
	}
	var tu *inspect.PageUsage
	var sum int64
	for i, u := range byTable.Usage {
		sum += u.Pages
		if u.Name == "t" {
			tu = &byTable.Usage[i]
		}
	}
	if sum != total.Pages {
		t.Errorf("table scope pages sum %d, database total %d", sum, total.Pages)
	}
	if tu == nil || len(tu.Indexes) != 1 || tu.Indexes[0] != "t_y" || tu.Cells < 4000 {
		t.Fatalf("table t usage %+v, want its index t_y counted and >= 4000 cells", tu)
	}

	byTree, err := inspect.AnalyzePages(c, "main", inspect.ScopeBTree)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]inspect.PageUsage{}
	for _, u := range byTree.Usage {
		names[u.Name] = u
	}
	if names["t"].Pages+names["t_y"].Pages != tu.Pages {
		t.Errorf("b-tree scope t %d + t_y %d != table scope %d", names["t"].Pages, names["t_y"].Pages, tu.Pages)
	}
	if names["t"].Sequential == 0 {
		t.Error("a freshly filled table should have sequential pages")
	}
	if u := names["small"].Utilization(); u <= 0 || u >= 1 {
		t.Errorf("utilization %v out of (0,1)", u)
	}
}

func TestAnalyzePagesUnknownSchemaFails(t *testing.T) {
	c := openFilled(t)
	if _, err := inspect.AnalyzePages(c, "nosuch", inspect.ScopeDatabase); err == nil {
		t.Fatal("no error for an unknown schema")
	}
}
