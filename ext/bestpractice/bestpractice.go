// Package bestpractice applies the connection settings SQLite's
// documentation and long experience recommend, which SQLite leaves off for
// backwards compatibility: write-ahead logging, a busy timeout, foreign
// key enforcement, no double-quoted string literals, recursive triggers,
// query planner statistics kept up to date, and SQLite's error log sent to
// log/slog.
//
// Each setting is a Setting value, applied alone or with others:
//
//	err := bestpractice.Apply(conn, bestpractice.Recommended()...)
//	err = bestpractice.Apply(conn, bestpractice.ForeignKeys, bestpractice.BusyTimeout(time.Second))
//
// Settings apply to one *sqlite.Conn and follow its rule: call Apply on
// the goroutine driving the connection (with asqlite.Conn, inside Run),
// right after opening it and outside any transaction. Logging is the
// exception: SQLite has one error log for the whole process.
package bestpractice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asqlite/asqlite/sqlite"
)

// Setting is one recommended setting. The zero Setting is invalid.
type Setting struct {
	name  string
	apply func(*sqlite.Conn) error
}

// String returns the setting's name, such as "WAL".
func (s Setting) String() string { return s.name }

// Apply applies the settings to conn in order, stopping at the first that
// fails; its error names the setting and wraps the cause (an
// *sqlite.Error for SQLite's errors).
func Apply(conn *sqlite.Conn, settings ...Setting) error {
	if conn == nil {
		return errors.New("bestpractice: nil connection")
	}
	for _, s := range settings {
		if s.apply == nil {
			return errors.New("bestpractice: zero Setting")
		}
		if err := s.apply(conn); err != nil {
			return fmt.Errorf("bestpractice: %s: %w", s.name, err)
		}
	}
	return nil
}

// DefaultBusyTimeout is the busy timeout of Recommended.
const DefaultBusyTimeout = 5 * time.Second

// Recommended returns every setting of the package: WAL,
// BusyTimeout(DefaultBusyTimeout), ForeignKeys, NoDoubleQuotedStrings,
// RecursiveTriggers, OptimizeOnClose and Logging(nil).
func Recommended() []Setting {
	return []Setting{
		WAL,
		BusyTimeout(DefaultBusyTimeout),
		ForeignKeys,
		NoDoubleQuotedStrings,
		RecursiveTriggers,
		OptimizeOnClose,
		Logging(nil),
	}
}

// WAL puts the main database in write-ahead log mode, so that readers and
// a writer do not block each other and commits are cheaper. The mode is
// stored in the database file, so it lasts beyond the connection. An
// in-memory or temporary database, which has no file, and a read-only
// database are left as they are.
//
// https://sqlite.org/wal.html
var WAL = Setting{"WAL", func(c *sqlite.Conn) error {
	if c.Filename("main") == "" || c.ReadOnly("main") {
		return nil
	}
	mode, err := c.SetJournalMode(sqlite.JournalWAL)
	if err != nil {
		return err
	}
	if mode != sqlite.JournalWAL {
		return fmt.Errorf("journal mode is still %q", mode)
	}
	return nil
}}

// BusyTimeout makes statements that find the database locked by another
// connection wait up to d for it, instead of failing at once with
// sqlite.ErrBusy. The wait ends early when the connection's context ends
// (see sqlite.Conn.SetBusyTimeout).
//
// https://sqlite.org/c3ref/busy_timeout.html
func BusyTimeout(d time.Duration) Setting {
	return Setting{"BusyTimeout", func(c *sqlite.Conn) error {
		c.SetBusyTimeout(d)
		return nil
	}}
}

// ForeignKeys enforces FOREIGN KEY constraints, which SQLite otherwise
// parses and ignores.
//
// https://sqlite.org/foreignkeys.html
var ForeignKeys = Setting{"ForeignKeys", func(c *sqlite.Conn) error {
	return c.SetForeignKeys(true)
}}

// NoDoubleQuotedStrings stops SQLite from reading a double-quoted
// identifier that names no column as a string literal, in statements and
// in schema definitions: a misspelt "column" is an error rather than a
// string.
//
// https://sqlite.org/quirks.html#dblquote
var NoDoubleQuotedStrings = Setting{"NoDoubleQuotedStrings", func(c *sqlite.Conn) error {
	if _, err := c.SetDBConfig(sqlite.DBConfigDQSDML, false); err != nil {
		return err
	}
	_, err := c.SetDBConfig(sqlite.DBConfigDQSDDL, false)
	return err
}}

// RecursiveTriggers lets a trigger's changes fire triggers, itself
// included, as they do in other databases; a REPLACE that deletes rows
// then also fires the DELETE triggers.
//
// https://sqlite.org/pragma.html#pragma_recursive_triggers
var RecursiveTriggers = Setting{"RecursiveTriggers", func(c *sqlite.Conn) error {
	return c.SetPragma("recursive_triggers", true)
}}

// OptimizeOnClose keeps the query planner's statistics up to date: it runs
// PRAGMA optimize=0x10002 now, which analyzes the tables whose statistics
// are missing or stale, and PRAGMA optimize when the connection closes,
// which analyzes those the connection's queries would have planned better
// with fresh statistics. Nothing runs for a read-only database.
//
// https://sqlite.org/pragma.html#pragma_optimize
var OptimizeOnClose = Setting{"OptimizeOnClose", func(c *sqlite.Conn) error {
	if c.ReadOnly("main") {
		return nil
	}
	if err := c.SetPragma("optimize", 0x10002); err != nil {
		return err
	}
	c.OnClose(func() { c.Exec("PRAGMA optimize") })
	return nil
}}

// Logging sends SQLite's error log to logger (slog.Default() at the time of
// each message when logger is nil). The log reports what SQLite noticed
// (automatic index creation, recovered journals, statements failing, ...):
// https://sqlite.org/errlog.html. Each record's message is SQLite's,
// prefixed by "sqlite: ", with the attributes "code" (the result code's
// name) and "errcode" (its number). Levels follow the code: Debug for
// SQLITE_SCHEMA (statements prepared again, which SQLite handles itself),
// Info for notices, Error for corruption, I/O, full disk, out of memory
// and misuse, Warn for the rest.
//
// SQLite has one error log for the whole process: the last Logging
// applied, on any connection, receives the messages of every connection.
// If another user of the engine in the process set up SQLite before
// package sqlite did, the log cannot be delivered and Logging does nothing
// (see sqlite.SetLogHandler).
//
// https://sqlite.org/errlog.html
func Logging(logger *slog.Logger) Setting {
	return Setting{"Logging", func(*sqlite.Conn) error {
		sqlite.SetLogHandler(func(code sqlite.ErrorCode, msg string) {
			l := logger
			if l == nil {
				l = slog.Default()
			}
			l.LogAttrs(context.Background(), logLevel(code), "sqlite: "+msg,
				slog.String("code", code.String()), slog.Int("errcode", int(code)))
		})
		return nil
	}}
}

// logLevel chooses the slog level of an error log message.
func logLevel(code sqlite.ErrorCode) slog.Level {
	switch code.Primary() {
	case sqlite.ErrSchema:
		return slog.LevelDebug
	case sqlite.ErrorCode(27): // SQLITE_NOTICE
		return slog.LevelInfo
	case sqlite.ErrCorrupt, sqlite.ErrIOErr, sqlite.ErrCantOpen, sqlite.ErrFull,
		sqlite.ErrNoMem, sqlite.ErrNotADB, sqlite.ErrMisuse, sqlite.ErrInternal, sqlite.ErrProtocol:
		return slog.LevelError
	}
	return slog.LevelWarn
}
