package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserEnv, set to 1, makes the browser test fail instead of skipping
// when Chromium or chromedriver is missing (CI installs them).
const browserEnv = "ASQLITE_BROWSER_TEST"

// webDriver is a minimal W3C WebDriver client over chromedriver's HTTP
// API: just what the page test needs.
type webDriver struct {
	t    *testing.T
	ctx  context.Context
	base string // http://127.0.0.1:PORT/session/ID
}

func (wd *webDriver) call(method, path string, in any) json.RawMessage {
	wd.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(wd.ctx, method, wd.base+path, body)
	if err != nil {
		wd.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		wd.t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var out struct {
		Value json.RawMessage `json:"value"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode != 200 {
		wd.t.Fatalf("webdriver %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return out.Value
}

// find returns the id of the element matching css.
func (wd *webDriver) find(css string) string {
	wd.t.Helper()
	var m map[string]string
	json.Unmarshal(wd.call("POST", "/element", map[string]string{"using": "css selector", "value": css}), &m)
	id := m["element-6066-11e4-a52e-4f735466cecf"]
	if id == "" {
		wd.t.Fatalf("no element %s", css)
	}
	return id
}

// waitText waits, in the page, until the text of the element matching css
// contains want, and returns the text (what it was when the script
// timeout ran out, if it never did).
func (wd *webDriver) waitText(css, want string) string {
	wd.t.Helper()
	const script = `const [sel, want, done] = arguments;
		const start = Date.now();
		const check = () => {
			const e = document.querySelector(sel);
			const text = e ? e.textContent : "";
			if (text && text.includes(want) || Date.now() - start > 15000) done(text); else setTimeout(check, 10);
		};
		check();`
	var s string
	json.Unmarshal(wd.call("POST", "/execute/async", map[string]any{"script": script, "args": []any{css, want}}), &s)
	return s
}

// clearResult clears what the last run showed, so that waiting sees the
// next result.
func (wd *webDriver) clearResult() {
	wd.t.Helper()
	wd.call("POST", "/execute/sync", map[string]any{
		"script": `for (const id of ["result", "error", "meta"]) document.getElementById(id).replaceChildren();`,
		"args":   []any{}})
}

// runQuery types sql into the editor and runs it.
func (wd *webDriver) runQuery(sql string) {
	wd.t.Helper()
	wd.clearResult()
	editor := wd.find("#sql")
	wd.call("POST", "/element/"+editor+"/clear", map[string]any{})
	wd.call("POST", "/element/"+editor+"/value", map[string]any{"text": sql})
	wd.call("POST", "/element/"+wd.find("#run")+"/click", map[string]any{})
}

func TestBrowserRunsQueries(t *testing.T) {
	required := os.Getenv(browserEnv) == "1"
	chromium, err1 := exec.LookPath("chromium")
	driver, err2 := exec.LookPath("chromedriver")
	if err1 != nil || err2 != nil {
		if required {
			t.Fatalf("%s=1 but chromium or chromedriver is missing: %v %v", browserEnv, err1, err2)
		}
		t.Skip("chromium and chromedriver not installed (apt-get install chromium chromium-driver)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	db := newTestDB(t, 1200)
	h := newTestHandler(t, db, &Options{Hosts: []string{"127.0.0.1"}})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// chromedriver on a free port; it says when it listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.CommandContext(ctx, driver, "--port="+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	sc := bufio.NewScanner(out)
	started := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "started successfully") {
			started = true
			break
		}
	}
	if !started {
		t.Fatal("chromedriver did not start")
	}
	go io.Copy(io.Discard, out)

	wd := &webDriver{t: t, ctx: ctx, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	json.Unmarshal(wd.call("POST", "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": []string{
			"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"}},
	}}}), &sess)
	if sess.SessionID == "" {
		t.Fatal("no webdriver session")
	}
	wd.base += "/session/" + sess.SessionID
	defer wd.call("DELETE", "", nil)
	wd.call("POST", "/timeouts", map[string]int{"script": 20000, "implicit": 5000})

	wd.call("POST", "/url", map[string]string{"url": srv.URL + "/test"})
	if db := wd.waitText("#db option", "test"); db != "test" {
		t.Errorf("database list shows %q", db)
	}

	if list := wd.waitText("#tables", "t (3)"); !strings.Contains(list, "big (1200)") {
		t.Errorf("tables listed: %q", list)
	}

	wd.runQuery("SELECT id, name FROM t ORDER BY id")
	if meta := wd.waitText("#meta", "rows"); !strings.HasPrefix(meta, "3 rows") {
		t.Errorf("meta after a query: %q", meta)
	}
	if table := wd.waitText("#result", "ann"); !strings.Contains(table, "idname1ann2bob \"b\", jr") {
		t.Errorf("result table: %q", table)
	}
	var href string
	json.Unmarshal(wd.call("POST", "/execute/sync", map[string]any{
		"script": `return document.getElementById("csv").href`, "args": []any{}}), &href)
	if !strings.Contains(href, "/test/-/query.csv?sql=SELECT") {
		t.Errorf("CSV link %q", href)
	}

	// A table's link in the list runs SELECT * on it: big has more rows
	// than the cap.
	wd.clearResult()
	wd.call("POST", "/element/"+wd.find("#tables a")+"/click", map[string]any{})
	if meta := wd.waitText("#meta", "truncated"); !strings.HasPrefix(meta, "1000 rows") || !strings.HasSuffix(meta, "truncated") {
		t.Errorf("a capped result shows %q", meta)
	}

	wd.runQuery("SELEC nonsense")
	if e := wd.waitText("#error", "syntax error"); !strings.Contains(e, "syntax error") {
		t.Errorf("error shown: %q", e)
	}
	wd.runQuery("DROP TABLE t")
	if e := wd.waitText("#error", "not allowed"); !strings.Contains(e, "not allowed") {
		t.Errorf("error shown: %q", e)
	}
}
