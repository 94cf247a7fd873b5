package sqlite

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
)

func TestSerializeDeserializeRoundTrip(t *testing.T) {
	src := openFuncTest(t)
	mustExec(t, src, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
	mustExec(t, src, "INSERT INTO t(v) "+seriesSQL(500))
	mustExec(t, src, "PRAGMA user_version = 7")
	data, err := src.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("SQLite format 3\x00")) || len(data)%4096 != 0 {
		t.Fatalf("serialized %d bytes starting %q", len(data), data[:16])
	}

	dst := openFuncTest(t)
	if err := dst.Deserialize("main", data, 0); err != nil {
		t.Fatal(err)
	}
	data[100] ^= 0xff // the connection holds its own copy
	if got := queryInt64s(t, dst, "SELECT count(*) FROM t"); got[0] != 500 {
		t.Fatalf("%d rows after deserialize, want 500", got[0])
	}
	if v, err := dst.UserVersion(); err != nil || v != 7 {
		t.Fatalf("user_version = %d, %v, want 7", v, err)
	}
	// The deserialized database is writable and grows.
	mustExec(t, dst, "INSERT INTO t(v) "+seriesSQL(5000))
	if got := queryInt64s(t, dst, "SELECT count(*) FROM t"); got[0] != 5500 {
		t.Fatalf("%d rows after growing, want 5500", got[0])
	}
	again, err := dst.Serialize("main")
	if err != nil {
		t.Fatal(err)
	}
	if len(again) <= len(data) {
		t.Fatalf("serialized %d bytes after growth, before %d", len(again), len(data))
	}
	if err := dst.IntegrityCheck(); err != nil {
		t.Fatal(err)
	}
}

func TestSerializeFileDatabaseAndAttachedSchema(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "db.sqlite"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mustExec(t, c, "CREATE TABLE f(x); INSERT INTO f VALUES (1), (2)")
	data, err := c.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "ATTACH ':memory:' AS aux")
	if err := c.Deserialize("aux", data, 0); err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT sum(x) FROM aux.f"); got[0] != 3 {
		t.Fatalf("sum from deserialized aux = %d, want 3", got[0])
	}
	if _, err := c.Serialize("AUX"); err != nil {
		t.Fatalf("schema names are case-insensitive: %v", err)
	}
	// Inside a transaction the image includes its changes.
	mustExec(t, c, "BEGIN; CREATE TABLE pending(x)")
	data, err = c.Serialize("main")
	mustExec(t, c, "ROLLBACK")
	if err != nil {
		t.Fatal(err)
	}
	other := openFuncTest(t)
	if err := other.Deserialize("", data, 0); err != nil {
		t.Fatal(err)
	}
	if ok, err := other.TableExists("", "pending"); !ok || err != nil {
		t.Fatalf("image taken inside a transaction lacks its table: %v, %v", ok, err)
	}
}

func TestDeserializeRefusesBadImagesAndKeepsTheDatabase(t *testing.T) {
	good := openFuncTest(t)
	mustExec(t, good, "CREATE TABLE w(x); INSERT INTO w VALUES (1)")
	image, err := good.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	badSchema := append([]byte(nil), image...)
	badSchema[100] = 0x42 // page 1 is no longer a b-tree page

	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE kept(x)")
	for _, tc := range []struct {
		name string
		data []byte
		code ErrorCode
	}{
		{"text", bytes.Repeat([]byte("not a database "), 300), ErrNotADB},
		{"short", []byte("SQLite format 3\x00"), ErrNotADB},
		{"corrupt schema page", badSchema, ErrCorrupt},
	} {
		err := c.Deserialize("", tc.data, 0)
		if !errors.Is(err, tc.code) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.code)
		}
		if ok, err := c.TableExists("", "kept"); err != nil || !ok {
			t.Fatalf("%s: the connection lost its database: %v, %v", tc.name, ok, err)
		}
	}
	if err := c.Deserialize("", image, 0); err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT x FROM w"); got[0] != 1 {
		t.Fatal("good image not loaded after bad ones")
	}
}

func TestDeserializeCorruptTableFailsOnFirstUse(t *testing.T) {
	src := openFuncTest(t)
	mustExec(t, src, "CREATE TABLE t(x); INSERT INTO t "+seriesSQL(2000))
	image, err := src.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	// Wreck the table's pages (everything after page 1, which holds the
	// schema): the schema loads, reading the table fails.
	for i := 4096; i < len(image); i++ {
		image[i] = 0xee
	}
	c := openFuncTest(t)
	if err := c.Deserialize("", image, 0); err != nil {
		t.Fatalf("Deserialize: %v", err)
	}
	err = queryErr(c, "SELECT sum(x) FROM t")
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("first use: err = %v, want ErrCorrupt", err)
	}
	if got := queryInt64s(t, c, "SELECT 5"); got[0] != 5 {
		t.Fatal("connection unusable after reading a corrupt table")
	}
}

func TestDeserializeWALImage(t *testing.T) {
	f, err := Open(filepath.Join(t.TempDir(), "wal.db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mustExec(t, f, "PRAGMA journal_mode = wal; CREATE TABLE w(x); INSERT INTO w VALUES (1)")
	image, err := f.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	if image[18] != 2 || image[19] != 2 {
		t.Fatalf("image header versions %d/%d, want WAL (2/2)", image[18], image[19])
	}
	c := openFuncTest(t)
	if err := c.Deserialize("", image, 0); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "INSERT INTO w VALUES (2)")
	if got := queryInt64s(t, c, "SELECT sum(x) FROM w"); got[0] != 3 {
		t.Fatalf("sum = %d, want 3", got[0])
	}
	if image[18] != 2 {
		t.Fatal("Deserialize modified the caller's bytes")
	}
}

func TestDeserializeReadOnlyRefusesWrites(t *testing.T) {
	src := openFuncTest(t)
	mustExec(t, src, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	data, err := src.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	c := openFuncTest(t)
	if err := c.Deserialize("", data, DeserializeReadOnly); err != nil {
		t.Fatal(err)
	}
	if got := queryInt64s(t, c, "SELECT x FROM t"); got[0] != 1 {
		t.Fatal("read from read-only image failed")
	}
	if err := c.Exec("INSERT INTO t VALUES (2)"); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write to read-only image: err = %v, want ErrReadOnly", err)
	}
}

func TestSerializeAndDeserializeBadSchemas(t *testing.T) {
	c := openFuncTest(t)
	if _, err := c.Serialize("nosuch"); CodeOf(err) != ErrError {
		t.Fatalf("Serialize(nosuch) err = %v", err)
	}
	if err := c.Deserialize("nosuch", nil, 0); CodeOf(err) != ErrError {
		t.Fatalf("Deserialize(nosuch) err = %v", err)
	}
	if err := c.Deserialize("temp", nil, 0); CodeOf(err) != ErrError {
		t.Fatalf("Deserialize(temp) err = %v", err)
	}
	if err := c.Deserialize("main", nil, 1<<10); CodeOf(err) != ErrMisuse {
		t.Fatalf("Deserialize with unknown flags err = %v", err)
	}
	if b, err := c.Serialize("temp"); err != nil || len(b) != 0 {
		t.Fatalf("Serialize(unused temp) = %d bytes, %v", len(b), err)
	}
	mustExec(t, c, "CREATE TEMP TABLE tt(x)")
	if b, err := c.Serialize("temp"); err != nil || len(b) == 0 {
		t.Fatalf("Serialize(temp) = %d bytes, %v", len(b), err)
	}
	// An empty image is an empty database.
	if err := c.Deserialize("main", nil, 0); err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "CREATE TABLE fresh(x)")
	c.Close()
	if _, err := c.Serialize(""); !errors.Is(err, ErrClosed) {
		t.Fatalf("Serialize on closed conn: %v", err)
	}
	if err := c.Deserialize("", nil, 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Deserialize on closed conn: %v", err)
	}
}

func TestDeserializeInsideTransactionFails(t *testing.T) {
	c := openFuncTest(t)
	mustExec(t, c, "CREATE TABLE t(x)")
	data, err := c.Serialize("")
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, "BEGIN; INSERT INTO t VALUES (1)")
	err = c.Deserialize("", data, 0)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Deserialize inside a transaction: err = %v, want ErrBusy", err)
	}
	mustExec(t, c, "COMMIT")
	if got := queryInt64s(t, c, "SELECT count(*) FROM t"); got[0] != 1 {
		t.Fatalf("%d rows, the failed deserialize lost the transaction", got[0])
	}
}
