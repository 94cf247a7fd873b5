package serve

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/asqlite/asqlite/sqlite"
)

// decodeBody decodes the JSON body of r into v, refusing trailing data and
// fields v does not have: a misspelt or unsupported option must not be
// dropped in silence.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &ParamError{Param: "body", Msg: "not the expected JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ParamError{Param: "body", Msg: "more than one JSON value"}
	}
	return nil
}

// sqlValue turns a decoded JSON value into an SQL value: numbers to
// int64 or float64, booleans to 1 or 0, a base64 marker object to a blob,
// other objects and arrays to their JSON text.
func sqlValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, string:
		return v, nil
	case bool:
		if v {
			return int64(1), nil
		}
		return int64(0), nil
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("number %s out of range", v)
		}
		return f, nil
	case map[string]any:
		if m, ok := v["$base64"].(bool); ok && m {
			enc, _ := v["encoded"].(string)
			blob, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				return nil, fmt.Errorf("bad base64 blob: %w", err)
			}
			return blob, nil
		}
	}
	text, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(text), nil
}

// execute runs the SQL of a POST body {"sql": "...", "params": {...} or
// [...]} through the write queue.
func (h *Handler) execute(w http.ResponseWriter, r *http.Request, d *database) result {
	var body struct {
		SQL    string          `json:"sql"`
		Params json.RawMessage `json:"params"`
	}
	if err := decodeBody(r, &body); err != nil {
		return writeErr(w, err)
	}
	if strings.TrimSpace(body.SQL) == "" {
		return writeErr(w, &ParamError{Param: "sql", Msg: "missing"})
	}
	var args []any
	if p := bytes.TrimSpace(body.Params); len(p) > 0 && !bytes.Equal(p, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(p))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return writeErr(w, &ParamError{Param: "params", Msg: err.Error()})
		}
		switch raw := raw.(type) {
		case map[string]any:
			names := make([]string, 0, len(raw))
			for k := range raw {
				names = append(names, k)
			}
			slices.Sort(names)
			for _, k := range names {
				v, err := sqlValue(raw[k])
				if err != nil {
					return writeErr(w, &ParamError{Param: "params." + k, Msg: err.Error()})
				}
				args = append(args, sqlite.Named(k, v))
			}
		case []any:
			for i, x := range raw {
				v, err := sqlValue(x)
				if err != nil {
					return writeErr(w, &ParamError{Param: "params[" + strconv.Itoa(i) + "]", Msg: err.Error()})
				}
				args = append(args, v)
			}
		default:
			return writeErr(w, &ParamError{Param: "params", Msg: "must be an object or an array"})
		}
	}
	var changes, last int64
	ctx, refused := watchRefusals(context.WithValue(r.Context(), writeKey{}, true))
	err := d.db.Write(ctx, func(c *sqlite.Conn) error {
		// The writer is shared: SQLite's counts could be another write's.
		total := c.TotalChanges()
		c.SetLastInsertRowID(0)
		// Uncached: a statement of the same text the program prepared
		// earlier would run without the write authorizer's judgement.
		err := c.ExecUncached(body.SQL, args...)
		if c.TotalChanges() != total {
			changes = c.Changes()
		}
		last = c.LastInsertRowID()
		return err
	})
	if err = refused.check(err); err != nil {
		return writeErr(w, err)
	}
	b := getBuffer()
	defer putBuffer(b)
	b.b = append(b.b, `{"ok":true,"changes":`...)
	b.b = strconv.AppendInt(b.b, changes, 10)
	b.b = append(b.b, `,"last_insert_rowid":`...)
	b.b = strconv.AppendInt(b.b, last, 10)
	b.b = append(b.b, "}\n"...)
	return writeJSON(w, http.StatusOK, b.b, result{rows: int(changes)})
}

// insert inserts the rows of a POST body {"row": {...}} or {"rows":
// [{...}, ...]} into table, all of them or none, as one write. As in
// Datasette, "ignore": true skips the rows whose key exists and
// "replace": true replaces them.
func (h *Handler) insert(w http.ResponseWriter, r *http.Request, d *database, table string) result {
	var body struct {
		Row     map[string]any   `json:"row"`
		Rows    []map[string]any `json:"rows"`
		Ignore  bool             `json:"ignore"`
		Replace bool             `json:"replace"`
	}
	if err := decodeBody(r, &body); err != nil {
		return writeErr(w, err)
	}
	verb := "INSERT INTO "
	switch {
	case body.Ignore && body.Replace:
		return writeErr(w, &ParamError{Param: "body", Msg: `"ignore" and "replace" exclude each other`})
	case body.Ignore:
		verb = "INSERT OR IGNORE INTO "
	case body.Replace:
		verb = "INSERT OR REPLACE INTO "
	}
	rows := body.Rows
	if body.Row != nil {
		rows = append(rows, body.Row)
	}
	if len(rows) == 0 {
		return writeErr(w, &ParamError{Param: "body", Msg: `no rows: give {"row": {...}} or {"rows": [...]}`})
	}
	type stmt struct {
		sql  string
		args []any
	}
	stmts := make([]stmt, len(rows))
	for i, row := range rows {
		if len(row) == 0 {
			return writeErr(w, &ParamError{Param: "rows[" + strconv.Itoa(i) + "]", Msg: "no columns"})
		}
		cols := make([]string, 0, len(row))
		for k := range row {
			cols = append(cols, k)
		}
		slices.Sort(cols)
		var sb strings.Builder
		sb.WriteString(verb)
		sb.WriteString(quoteIdent(table))
		sb.WriteString(" (")
		args := make([]any, len(cols))
		for j, c := range cols {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(quoteIdent(c))
			v, err := sqlValue(row[c])
			if err != nil {
				return writeErr(w, &ParamError{Param: "rows[" + strconv.Itoa(i) + "]." + c, Msg: err.Error()})
			}
			args[j] = v
		}
		sb.WriteString(") VALUES (")
		sb.WriteString(strings.Repeat("?, ", len(cols)-1))
		sb.WriteString("?)")
		stmts[i] = stmt{sb.String(), args}
	}
	var last, inserted int64
	ctx, refused := watchRefusals(context.WithValue(r.Context(), writeKey{}, true))
	err := d.db.Write(ctx, func(c *sqlite.Conn) error {
		for _, st := range stmts {
			// Prepared anew, not taken from the cache, for the authorizer: see execute.
			s, err := c.Prepare(st.sql)
			if err != nil {
				return err
			}
			err = s.Exec(st.args...)
			s.Close()
			if err != nil {
				return err
			}
			inserted += c.Changes()
		}
		last = c.LastInsertRowID()
		return nil
	})
	if err = refused.check(err); err != nil {
		return writeErr(w, err)
	}
	b := getBuffer()
	defer putBuffer(b)
	b.b = append(b.b, `{"ok":true,"inserted":`...)
	b.b = strconv.AppendInt(b.b, inserted, 10)
	b.b = append(b.b, `,"last_insert_rowid":`...)
	b.b = strconv.AppendInt(b.b, last, 10)
	b.b = append(b.b, "}\n"...)
	return writeJSON(w, http.StatusOK, b.b, result{rows: int(inserted)})
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
