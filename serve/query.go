package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asqlite/asqlite"
	"github.com/asqlite/asqlite/sqlite"
)

// shape is the form of a query's JSON.
type shape uint8

const (
	shapeObjects shape = iota
	shapeArrays
	shapeArray
	shapeArrayFirst
)

// request holds the parsed query string of a query.
type request struct {
	sql       string
	shape     shape
	nl        bool
	timeLimit time.Duration
	names     []string // named parameters, without their prefix
	values    []string
}

var reqPool = sync.Pool{New: func() any { return new(request) }}

func (q *request) reset() {
	q.sql, q.shape, q.nl, q.timeLimit = "", shapeObjects, false, 0
	q.names, q.values = q.names[:0], q.values[:0]
}

// parse reads a raw query string. Keys starting with '_' are options;
// unknown options are ignored, as Datasette does, and every other key is a
// named parameter.
func (q *request) parse(raw string) error {
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err := unescape(k)
		if err != nil {
			return &ParamError{Param: "query string", Msg: "bad escape in " + strconv.Quote(kv)}
		}
		v, err = unescape(v)
		if err != nil {
			return &ParamError{Param: k, Msg: "bad escape in its value"}
		}
		switch k {
		case "sql":
			q.sql = v
		case "_shape":
			switch v {
			case "objects":
				q.shape = shapeObjects
			case "arrays":
				q.shape = shapeArrays
			case "array":
				q.shape = shapeArray
			case "arrayfirst":
				q.shape = shapeArrayFirst
			default:
				return &ParamError{Param: "_shape", Msg: strconv.Quote(v) + " is not objects, arrays, array or arrayfirst"}
			}
		case "_nl":
			q.nl = v == "on" || v == "1" || v == "true"
		case "_timelimit":
			ms, err := strconv.Atoi(v)
			if err != nil || ms <= 0 || ms > 1<<30 {
				return &ParamError{Param: "_timelimit", Msg: strconv.Quote(v) + " is not a positive number of milliseconds"}
			}
			q.timeLimit = time.Duration(ms) * time.Millisecond
		default:
			if strings.HasPrefix(k, "_") || k == "" {
				continue
			}
			q.names = append(q.names, k)
			q.values = append(q.values, v)
		}
	}
	return nil
}

// unescape decodes a query string component, without allocating when
// there is nothing to decode.
func unescape(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// value returns the value of the named parameter name.
func (q *request) value(name string) (string, bool) {
	for i, n := range q.names {
		if n == name {
			return q.values[i], true
		}
	}
	return "", false
}

// prepare returns the statement for q on c, checked and bound.
func (q *request) prepare(c *sqlite.Conn) (*sqlite.Stmt, error) {
	if strings.TrimSpace(q.sql) == "" {
		return nil, &ParamError{Param: "sql", Msg: "missing: give the query as ?sql=SELECT..."}
	}
	s, err := c.Prep(q.sql)
	if errors.Is(err, sqlite.ErrAuth) {
		return nil, fmt.Errorf("serve: the statement does something other than reading, which is not allowed here: %w", err)
	}
	if err != nil {
		return nil, err
	}
	// The authorizer and the read-only reader refuse writes already; this
	// names the problem before anything runs.
	if !s.ReadOnly() {
		s.Close()
		return nil, ErrWrite
	}
	for i := 1; i <= s.ParamCount(); i++ {
		name := s.ParamName(i)
		if name == "" || name[0] == '?' {
			s.Close()
			return nil, &ParamError{Param: "sql", Msg: "positional parameters (?) cannot be bound from a URL: use :name"}
		}
		v, ok := q.value(name[1:])
		if !ok {
			s.Close()
			return nil, &ParamError{Param: name[1:], Msg: "the query needs it: add &" + name[1:] + "=VALUE"}
		}
		if err := s.BindText(i, v); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// reader returns the Reader for q: the handler's limits, with q's lower
// time limit if it has one.
func (h *Handler) reader(d *database, q *request) asqlite.Reader {
	if q.timeLimit > 0 && q.timeLimit < h.o.TimeLimit {
		return d.db.Reader(asqlite.ReadOptions{TimeLimit: q.timeLimit, MaxRows: h.o.MaxRows})
	}
	return d.rd
}

func getRequest(r *http.Request) (*request, error) {
	q := reqPool.Get().(*request)
	q.reset()
	return q, q.parse(r.URL.RawQuery)
}

// query answers a query in JSON.
func (h *Handler) query(w http.ResponseWriter, r *http.Request, d *database) result {
	q, err := getRequest(r)
	defer reqPool.Put(q)
	if err != nil {
		return writeErr(w, err)
	}
	b := getBuffer()
	defer putBuffer(b)
	rd := h.reader(d, q)
	maxRows := rd.Limits().MaxRows
	start := time.Now()
	var n int
	var truncated bool
	ctx, refused := watchRefusals(r.Context())
	err = rd.Read(ctx, func(c *sqlite.Conn) error {
		s, err := q.prepare(c)
		if err != nil {
			return err
		}
		defer s.Close()
		b.b = b.b[:0]
		n, truncated = 0, false
		cols := s.ColumnCount()
		bare := q.shape == shapeArray || q.shape == shapeArrayFirst
		switch {
		case !bare:
			b.b = append(b.b, `{"ok":true,"columns":`...)
			b.b = appendColumns(b.b, s)
			b.b = append(b.b, `,"rows":[`...)
		case !q.nl:
			b.b = append(b.b, '[')
		}
		if q.shape != shapeArrays && q.shape != shapeArrayFirst {
			b.setKeys(s)
		}
		for {
			ok, err := s.Step()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if maxRows > 0 && n == maxRows {
				truncated = true
				break
			}
			if n > 0 {
				if bare && q.nl {
					b.b = append(b.b, '\n')
				} else {
					b.b = append(b.b, ',')
				}
			}
			n++
			switch q.shape {
			case shapeArrayFirst:
				if cols > 0 {
					b.b = appendValue(b.b, s, 0)
				} else {
					b.b = append(b.b, "null"...)
				}
			case shapeArrays:
				b.b = append(b.b, '[')
				for i := range cols {
					if i > 0 {
						b.b = append(b.b, ',')
					}
					b.b = appendValue(b.b, s, i)
				}
				b.b = append(b.b, ']')
			default:
				b.b = append(b.b, '{')
				for i := range cols {
					if i > 0 {
						b.b = append(b.b, ',')
					}
					b.b = append(b.b, b.key(i)...)
					b.b = appendValue(b.b, s, i)
				}
				b.b = append(b.b, '}')
			}
			if len(b.b) > h.o.MaxResultBytes {
				return ErrTooLarge
			}
		}
		return nil
	})
	if err = refused.check(err); err != nil {
		return writeErr(w, err)
	}
	switch {
	case q.shape == shapeArray || q.shape == shapeArrayFirst:
		if !q.nl {
			b.b = append(b.b, ']')
		}
		if truncated {
			w.Header()["X-Truncated"] = []string{"true"}
		}
	default:
		b.b = append(b.b, `],"truncated":`...)
		b.b = appendBool(b.b, truncated)
		b.b = append(b.b, `,"query_ms":`...)
		b.b = strconv.AppendFloat(b.b, float64(time.Since(start).Microseconds())/1000, 'f', 3, 64)
		b.b = append(b.b, '}')
	}
	b.b = append(b.b, '\n')
	return writeJSON(w, http.StatusOK, b.b, result{rows: n})
}

// csvChunk is how much CSV is gathered before it is sent.
const csvChunk = 32 << 10

var (
	hdrTrue      = []string{"true"}
	hdrTruncated = []string{"X-Truncated"}
)

// queryCSV answers a query in CSV, sending the rows in chunks as they come.
// An error after the first chunk has gone out cuts the response short. Rows
// cut at MaxRows are told by the X-Truncated header, or its trailer when
// the first chunk went out before the cut was seen.
func (h *Handler) queryCSV(w http.ResponseWriter, r *http.Request, d *database) result {
	q, err := getRequest(r)
	defer reqPool.Put(q)
	if err != nil {
		return writeErr(w, err)
	}
	b := getBuffer()
	defer putBuffer(b)
	rd := h.reader(d, q)
	maxRows := rd.Limits().MaxRows
	var n int
	sent := false
	ctx, refused := watchRefusals(r.Context())
	err = rd.Read(ctx, func(c *sqlite.Conn) error {
		s, err := q.prepare(c)
		if err != nil {
			return err
		}
		defer s.Close()
		cols := s.ColumnCount()
		for i := range cols {
			if i > 0 {
				b.b = append(b.b, ',')
			}
			b.b = appendCSVText(b.b, []byte(s.ColumnName(i)))
		}
		b.b = append(b.b, '\r', '\n')
		for {
			ok, err := s.Step()
			if err != nil || !ok {
				return err
			}
			if maxRows > 0 && n == maxRows {
				// A header, or the trailer announced with the first chunk.
				w.Header()["X-Truncated"] = hdrTrue
				return nil
			}
			n++
			for i := range cols {
				if i > 0 {
					b.b = append(b.b, ',')
				}
				b.b = appendCSVField(b.b, s, i)
			}
			b.b = append(b.b, '\r', '\n')
			if len(b.b) >= csvChunk {
				if !sent {
					w.Header()["Content-Type"] = hdrCSV
					if maxRows > 0 {
						// Whether the rows will be cut is known only
						// once the headers are gone.
						w.Header()["Trailer"] = hdrTruncated
					}
					sent = true
				}
				if _, err := w.Write(b.b); err != nil {
					return err
				}
				b.b = b.b[:0]
			}
		}
	})
	err = refused.check(err)
	if err != nil && !sent {
		return writeErr(w, err)
	}
	if err != nil {
		st, _ := classify(err)
		return result{status: st, rows: n}
	}
	w.Header()["Content-Type"] = hdrCSV
	w.Write(b.b)
	return result{status: http.StatusOK, rows: n}
}

// countTimeLimit bounds the count of each table's rows in the tables
// listing, as Datasette does: counting a big table scans it.
var countTimeLimit = 50 * time.Millisecond

// countRows counts the rows of table, or answers -1 when counting takes
// longer than countTimeLimit, or than what is left of the read's time.
func countRows(c *sqlite.Conn, table string) (int64, error) {
	outer := c.Context()
	if deadline, ok := outer.Deadline(); ok && time.Until(deadline) < 2*countTimeLimit {
		return -1, nil
	}
	ctx, cancel := context.WithTimeout(outer, countTimeLimit)
	defer cancel()
	c.SetContext(ctx)
	defer c.SetContext(outer)
	n := int64(-1)
	for s, err := range c.Query(`SELECT count(*) FROM "` + strings.ReplaceAll(table, `"`, `""`) + `"`) {
		if err != nil {
			if ctx.Err() != nil && outer.Err() == nil {
				return -1, nil
			}
			return 0, err
		}
		n = s.ColumnInt64(0)
	}
	return n, nil
}

// tables answers the tables and views of a database, with their columns
// and the row counts of the tables.
func (h *Handler) tables(w http.ResponseWriter, r *http.Request, d *database) result {
	b := getBuffer()
	defer putBuffer(b)
	var n int
	err := d.rd.Read(r.Context(), func(c *sqlite.Conn) error {
		b.b = b.b[:0]
		n = 0
		type table struct{ name, typ string }
		var list []table
		for s, err := range c.Query(`SELECT name, type FROM sqlite_schema
			WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`) {
			if err != nil {
				return err
			}
			list = append(list, table{s.ColumnText(0), s.ColumnText(1)})
		}
		b.b = append(b.b, `{"ok":true,"database":`...)
		b.b = appendString(b.b, d.name)
		b.b = append(b.b, `,"tables":[`...)
		for i, t := range list {
			if i > 0 {
				b.b = append(b.b, ',')
			}
			b.b = append(b.b, `{"name":`...)
			b.b = appendString(b.b, t.name)
			b.b = append(b.b, `,"type":`...)
			b.b = appendString(b.b, t.typ)
			b.b = append(b.b, `,"columns":[`...)
			j := 0
			for s, err := range c.Query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, t.name) {
				if err != nil {
					return err
				}
				if j > 0 {
					b.b = append(b.b, ',')
				}
				j++
				b.b = append(b.b, `{"name":`...)
				b.b = appendString(b.b, s.ColumnText(0))
				b.b = append(b.b, `,"type":`...)
				b.b = appendString(b.b, s.ColumnText(1))
				b.b = append(b.b, `,"notnull":`...)
				b.b = appendBool(b.b, s.ColumnInt64(2) != 0)
				b.b = append(b.b, `,"pk":`...)
				b.b = strconv.AppendInt(b.b, s.ColumnInt64(3), 10)
				b.b = append(b.b, '}')
			}
			b.b = append(b.b, `],"count":`...)
			if t.typ != "table" {
				b.b = append(b.b, "null"...)
			} else {
				count, err := countRows(c, t.name)
				if err != nil {
					return err
				}
				if count < 0 {
					b.b = append(b.b, "null"...)
				} else {
					b.b = strconv.AppendInt(b.b, count, 10)
				}
			}
			b.b = append(b.b, '}')
			n++
		}
		b.b = append(b.b, "]}\n"...)
		return nil
	})
	if err != nil {
		return writeErr(w, err)
	}
	return writeJSON(w, http.StatusOK, b.b, result{rows: n})
}
