package sqlite

import (
	"math"
	"strconv"
	"strings"
)

// PRAGMA statements take no bound parameters, so these helpers build their
// SQL text themselves: names are checked to be plain identifiers (a schema
// prefix is quoted) and values are written as SQL literals, so neither can
// inject SQL.

// pragmaSQL returns "PRAGMA [schema.]name" for name, which is a pragma name
// optionally prefixed by a schema ("aux.journal_mode").
func pragmaSQL(name string) (string, error) {
	schema, pragma, qualified := strings.Cut(name, ".")
	if !qualified {
		schema, pragma = "", name
	}
	if !isIdent(pragma) || (qualified && (schema == "" || strings.IndexByte(schema, 0) >= 0)) {
		return "", Errorf(ErrMisuse, "invalid pragma name %q", name)
	}
	var b strings.Builder
	b.WriteString("PRAGMA ")
	if qualified {
		b.WriteString(quoteIdent(schema))
		b.WriteByte('.')
	}
	b.WriteString(pragma)
	return b.String(), nil
}

// isIdent reports whether s is a plain SQL identifier: a letter or
// underscore followed by letters, digits and underscores.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '_', 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z':
		case '0' <= ch && ch <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// quoteIdent quotes s as an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteString quotes s as an SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// pragmaLiteral writes v as an SQL literal for a pragma's value.
func pragmaLiteral(v any) (string, error) {
	switch v := v.(type) {
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return "", Errorf(ErrMisuse, "pragma value %q holds a NUL byte", v)
		}
		return quoteString(v), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		if v > math.MaxInt64 {
			return "", Errorf(ErrRange, "pragma value %d overflows int64", v)
		}
		return strconv.FormatUint(v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", Errorf(ErrRange, "pragma value %v is not a finite number", v)
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case nil:
		return "", Errorf(ErrMismatch, "pragma value is nil")
	}
	if rv, ok := convertKind(v); ok && rv != nil {
		return pragmaLiteral(rv)
	}
	return "", Errorf(ErrMismatch, "cannot use value of type %T as a pragma value", v)
}

// ReadPragma runs "PRAGMA name" and returns the first column of its first row
// as text: "" when the pragma returns no row or NULL. name is a pragma name
// optionally prefixed by a schema ("journal_mode", "aux.user_version");
// anything else is refused with ErrMisuse, so name cannot inject SQL. For
// pragmas that take an argument or return several rows, use Query with
// the table-valued form ("SELECT * FROM pragma_table_info(?)").
//
// https://sqlite.org/pragma.html
func (c *Conn) ReadPragma(name string) (string, error) {
	sql, err := pragmaSQL(name)
	if err != nil {
		return "", err
	}
	s, err := c.Prep(sql)
	if err != nil {
		return "", err
	}
	defer s.Close()
	row, err := s.Step()
	if err != nil || !row {
		return "", err
	}
	return s.ColumnText(0), nil
}

// SetPragma runs "PRAGMA name = value" to completion. name is as for
// [Conn.ReadPragma]; value is a string (written as a quoted SQL string, which SQLite
// accepts wherever a pragma takes a keyword), an integer, a float or a bool
// (1 or 0), or a value of a named type with one of those underlying types.
// Other values are refused with ErrMismatch, so value cannot inject SQL.
// Unknown pragmas are ignored by SQLite, as in SQL.
//
// https://sqlite.org/pragma.html
func (c *Conn) SetPragma(name string, value any) error {
	_, err := c.setPragma(name, value)
	return err
}

// setPragma sets a pragma and returns the first column of the first row it
// returns ("" for none).
func (c *Conn) setPragma(name string, value any) (string, error) {
	sql, err := pragmaSQL(name)
	if err != nil {
		return "", err
	}
	lit, err := pragmaLiteral(value)
	if err != nil {
		return "", err
	}
	// Not cached: the text changes with the value.
	s, err := c.Prepare(sql + " = " + lit)
	if err != nil {
		return "", err
	}
	defer s.Close()
	var first string
	for n := 0; ; n++ {
		row, err := s.Step()
		if err != nil {
			return "", err
		}
		if !row {
			return first, nil
		}
		if n == 0 {
			first = s.ColumnText(0)
		}
	}
}

// JournalMode is a journal mode of a database.
//
// https://sqlite.org/pragma.html#pragma_journal_mode
type JournalMode string

// Journal modes.
const (
	JournalDelete   JournalMode = "delete"
	JournalTruncate JournalMode = "truncate"
	JournalPersist  JournalMode = "persist"
	JournalMemory   JournalMode = "memory"
	JournalWAL      JournalMode = "wal"
	JournalOff      JournalMode = "off"
)

// JournalMode returns the journal mode of the main database.
//
// https://sqlite.org/pragma.html#pragma_journal_mode
func (c *Conn) JournalMode() (JournalMode, error) {
	m, err := c.ReadPragma("journal_mode")
	return JournalMode(strings.ToLower(m)), err
}

// SetJournalMode sets the journal mode of every database of the connection
// and returns the mode now in effect for the main database, which is not
// always the one asked for: an in-memory database stays in JournalMemory
// (or JournalOff), for instance. Changing to or from WAL fails inside a
// transaction. An unknown mode is refused with ErrMisuse.
//
// https://sqlite.org/pragma.html#pragma_journal_mode
func (c *Conn) SetJournalMode(mode JournalMode) (JournalMode, error) {
	switch mode {
	case JournalDelete, JournalTruncate, JournalPersist, JournalMemory, JournalWAL, JournalOff:
	default:
		return "", Errorf(ErrMisuse, "unknown journal mode %q", string(mode))
	}
	m, err := c.setPragma("journal_mode", string(mode))
	return JournalMode(strings.ToLower(m)), err
}

// SyncMode is a level of the synchronous pragma: how often SQLite waits for
// data to reach the disk. The zero SyncMode is no level: settings that take
// one, such as asqlite.Options.Synchronous, read it as "the default".
//
// https://sqlite.org/pragma.html#pragma_synchronous
type SyncMode int

// Synchronous levels, in increasing order of durability.
const (
	SyncOff SyncMode = iota + 1
	SyncNormal
	SyncFull
	SyncExtra
)

// String returns the level as PRAGMA synchronous spells it ("OFF",
// "NORMAL", "FULL", "EXTRA").
func (m SyncMode) String() string {
	switch m {
	case SyncOff:
		return "OFF"
	case SyncNormal:
		return "NORMAL"
	case SyncFull:
		return "FULL"
	case SyncExtra:
		return "EXTRA"
	}
	return "SyncMode(" + strconv.Itoa(int(m)) + ")"
}

// ParseSyncMode turns "off", "normal", "full" or "extra", in any case, into
// a SyncMode; ok is false for anything else.
func ParseSyncMode(s string) (m SyncMode, ok bool) {
	for m := SyncOff; m <= SyncExtra; m++ {
		if strings.EqualFold(s, m.String()) {
			return m, true
		}
	}
	return 0, false
}

// Synchronous returns the synchronous level of the main database.
//
// https://sqlite.org/pragma.html#pragma_synchronous
func (c *Conn) Synchronous() (SyncMode, error) {
	v, err := c.ReadPragma("synchronous")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 3 {
		return 0, Errorf(ErrError, "unexpected synchronous value %q", v)
	}
	return SyncOff + SyncMode(n), nil // the pragma counts from 0, OFF
}

// SetSynchronous sets the synchronous level of the main database. A level
// out of range (the zero SyncMode too) is refused with ErrRange.
//
// https://sqlite.org/pragma.html#pragma_synchronous
func (c *Conn) SetSynchronous(m SyncMode) error {
	if m < SyncOff || m > SyncExtra {
		return Errorf(ErrRange, "unknown synchronous level %d", int(m))
	}
	return c.SetPragma("synchronous", m.String())
}

// UserVersion returns the user version of the main database: an integer
// stored in its header for the application's use, typically the version of
// its schema (0 in a new database).
//
// https://sqlite.org/pragma.html#pragma_user_version
func (c *Conn) UserVersion() (int, error) {
	v, err := c.ReadPragma("user_version")
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, Errorf(ErrError, "unexpected user_version value %q", v)
	}
	return n, nil
}

// SetUserVersion stores v as the user version of the main database. It is
// transactional: inside a transaction it is undone by a rollback. A value
// that does not fit in 32 bits is refused with ErrRange.
//
// https://sqlite.org/pragma.html#pragma_user_version
func (c *Conn) SetUserVersion(v int) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return Errorf(ErrRange, "user version %d does not fit in 32 bits", v)
	}
	return c.SetPragma("user_version", v)
}

// ForeignKeys reports whether foreign key constraints are enforced.
//
// https://sqlite.org/pragma.html#pragma_foreign_keys
func (c *Conn) ForeignKeys() (bool, error) {
	v, err := c.ReadPragma("foreign_keys")
	return v == "1", err
}

// SetForeignKeys turns the enforcement of foreign key constraints on or
// off. SQLite ignores the change inside a transaction, so SetForeignKeys
// fails there with ErrMisuse rather than do nothing.
//
// https://sqlite.org/pragma.html#pragma_foreign_keys
func (c *Conn) SetForeignKeys(on bool) error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.AutoCommit() {
		return Errorf(ErrMisuse, "cannot change foreign_keys inside a transaction")
	}
	return c.SetPragma("foreign_keys", on)
}

// IntegrityCheck runs PRAGMA integrity_check over every database of the
// connection. It returns nil when SQLite finds no problem, and otherwise an
// *Error with code ErrCorrupt listing the first problems found (at most
// 100, one per line).
//
// https://sqlite.org/pragma.html#pragma_integrity_check
func (c *Conn) IntegrityCheck() error {
	s, err := c.Prep("PRAGMA integrity_check")
	if err != nil {
		return err
	}
	defer s.Close()
	var problems []string
	for {
		row, err := s.Step()
		if err != nil {
			return err
		}
		if !row {
			break
		}
		if v := s.ColumnText(0); v != "ok" {
			problems = append(problems, v)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return Errorf(ErrCorrupt, "integrity check failed:\n%s", strings.Join(problems, "\n"))
}
