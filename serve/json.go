package serve

import (
	"encoding/base64"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/asqlite/asqlite/sqlite"
)

// buffer is a response body under construction. Bodies are appended to
// pooled buffers, with no reflection, so a request allocates almost
// nothing of its own.
type buffer struct {
	b    []byte
	keys []byte // the object keys of the result columns, `"name":` each
	ends []int  // where each key of keys ends
}

var bufPool = sync.Pool{New: func() any { return &buffer{b: make([]byte, 0, 4096)} }}

// maxPooled keeps one huge response from pinning its memory in the pool.
const maxPooled = 1 << 20

func getBuffer() *buffer { return bufPool.Get().(*buffer) }

func putBuffer(b *buffer) {
	if cap(b.b) > maxPooled {
		return
	}
	b.b, b.keys, b.ends = b.b[:0], b.keys[:0], b.ends[:0]
	bufPool.Put(b)
}

// setKeys records the object keys of the columns of s.
func (b *buffer) setKeys(s *sqlite.Stmt) {
	b.keys, b.ends = b.keys[:0], b.ends[:0]
	for i := range s.ColumnCount() {
		b.keys = appendString(b.keys, s.ColumnName(i))
		b.keys = append(b.keys, ':')
		b.ends = append(b.ends, len(b.keys))
	}
}

// key returns the object key of column i, with its colon.
func (b *buffer) key(i int) []byte {
	start := 0
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.keys[start:b.ends[i]]
}

// appendColumns appends the column names of s as a JSON array.
func appendColumns(dst []byte, s *sqlite.Stmt) []byte {
	dst = append(dst, '[')
	for i := range s.ColumnCount() {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s.ColumnName(i))
	}
	return append(dst, ']')
}

// appendValue appends column i of the current row of s as JSON: numbers
// as numbers, text as a string, NULL as null, and a blob as
// {"$base64": true, "encoded": "..."}, the marker Datasette uses.
func appendValue(dst []byte, s *sqlite.Stmt, i int) []byte {
	switch s.ColumnType(i) {
	case sqlite.Integer:
		return strconv.AppendInt(dst, s.ColumnInt64(i), 10)
	case sqlite.Float:
		return appendFloat(dst, s.ColumnFloat(i))
	case sqlite.Text:
		return appendStringBytes(dst, s.ColumnRawBytes(i))
	case sqlite.Blob:
		dst = append(dst, `{"$base64":true,"encoded":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, s.ColumnRawBytes(i))
		return append(dst, `"}`...)
	}
	return append(dst, "null"...)
}

// appendFloat appends f as a JSON number; JSON has no infinities (SQLite
// makes them from 1e999), so they become null.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(dst, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		// Keep a float a float in JavaScript's eyes: 2.0, not 2.
		dst = strconv.AppendFloat(dst, f, 'f', 1, 64)
		return dst
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

func appendString(dst []byte, s string) []byte {
	return appendStringBytes(dst, []byte(s))
}

const hexDigits = "0123456789abcdef"

// appendStringBytes appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; control characters, and U+2028 and U+2029, which JavaScript
// source cannot hold raw, are escaped.
func appendStringBytes(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendCSVField appends column i of the current row of s as a CSV field
// (RFC 4180): quoted when it holds a comma, quote or line break; blobs in
// base64.
func appendCSVField(dst []byte, s *sqlite.Stmt, i int) []byte {
	switch s.ColumnType(i) {
	case sqlite.Integer:
		return strconv.AppendInt(dst, s.ColumnInt64(i), 10)
	case sqlite.Float:
		return strconv.AppendFloat(dst, s.ColumnFloat(i), 'g', -1, 64)
	case sqlite.Text:
		return appendCSVText(dst, s.ColumnRawBytes(i))
	case sqlite.Blob:
		return base64.StdEncoding.AppendEncode(dst, s.ColumnRawBytes(i))
	}
	return dst
}

func appendCSVText(dst, v []byte) []byte {
	quote := false
	for _, c := range v {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, '"')
	for _, c := range v {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}
