package serve_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/serve"
)

// A handler over one database, queried over HTTP as a browser or curl
// would.
func Example() {
	ctx := context.Background()
	db, err := asqlite.Open(ctx, ":memory:", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := db.ExecScript(ctx, `CREATE TABLE birds (name TEXT, wingspan_cm REAL);
		INSERT INTO birds VALUES ('wren', 15), ('albatross', 340)`); err != nil {
		log.Fatal(err)
	}

	h, err := serve.New(ctx, []serve.Database{{Name: "zoo", DB: db}}, &serve.Options{MaxRows: 100})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h) // or serve.Serve(ctx, serve.NewServer(h), listener, grace)
	defer srv.Close()

	for _, sql := range []string{
		"SELECT name, wingspan_cm FROM birds WHERE wingspan_cm > :min",
		"DELETE FROM birds",
	} {
		q := url.Values{"sql": {sql}, "min": {"100"}, "_shape": {"array"}}
		resp, err := http.Get(srv.URL + "/zoo/-/query.json?" + q.Encode())
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	// Output:
	// 200 [{"name":"albatross","wingspan_cm":340.0}]
	// 403 {"ok":false,"error":"serve: the statement does something other than reading, which is not allowed here: sqlite: not authorized (SQLITE_AUTH) in \"DELETE FROM birds\"","status":403,"title":"Statement not allowed"}
}
