// Package fts helps with SQLite's FTS5 full-text search: Go tokenizers
// (Unicode word segmentation per UAX #29, case folding, stripping of
// diacritics and compatibility forms) and the text processing they share.
package fts
