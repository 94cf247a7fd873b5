// Command plot draws the PNG charts of docs/BENCHMARKS.md from the JSON
// that cmd/compare writes:
//
//	go run ./cmd/plot -o ../docs/img results.json
//
// Each chart is a horizontal bar chart: one group of bars per workload,
// one bar per library, in the same colour in every chart. Time charts show
// each library's time relative to asqlite's (the median of the per-round
// ratios; 1 is asqlite, shorter bars are faster); the concurrency charts
// show absolute throughput and latency. It needs no cgo: text is drawn with
// the Go fonts of golang.org/x/image.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The parts of cmd/compare's JSON that the charts use.
type results struct {
	Date    string   `json:"date"`
	Machine string   `json:"machine"`
	Count   int      `json:"count"`
	Scale   float64  `json:"scale"`
	Results []result `json:"results"`
}

type result struct {
	Name  string      `json:"name"`
	Group string      `json:"group"`
	Base  string      `json:"base"`
	Score string      `json:"score"`
	Libs  []libResult `json:"libs"`
}

type libResult struct {
	Lib    string `json:"lib"`
	Median struct {
		Wall    float64            `json:"wall_ns"`
		CPU     float64            `json:"cpu_ns"`
		Metrics map[string]float64 `json:"metrics"`
	} `json:"median"`
	Ratio     *float64 `json:"ratio"`
	RatioWall *float64 `json:"ratio_wall"`
	RatioCPU  *float64 `json:"ratio_cpu"`
	Note      string   `json:"note"`
}

func main() {
	outDir := flag.String("o", "../docs/img", "directory for the PNG files")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: plot [-o dir] results.json")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	check(err)
	var res results
	check(json.Unmarshal(b, &res))
	check(os.MkdirAll(*outDir, 0o755))
	footer := fmt.Sprintf("%s · %s · median of %d rounds", res.Date[:10], res.Machine, res.Count)

	for _, c := range charts(&res) {
		if len(c.groups) == 0 {
			continue
		}
		c.footer = footer
		path := filepath.Join(*outDir, c.file)
		f, err := os.Create(path)
		check(err)
		check(png.Encode(f, c.draw()))
		check(f.Close())
		fmt.Println(path)
	}
}

// charts builds every chart the results have data for.
func charts(res *results) []*chart {
	ratio := func(pick func(libResult) *float64) func(libResult) (float64, bool) {
		return func(l libResult) (float64, bool) {
			if r := pick(l); r != nil {
				return *r, true
			}
			return 0, false
		}
	}
	cpuRatio := ratio(func(l libResult) *float64 { return l.RatioCPU })
	scoreRatio := func(l libResult) (float64, bool) {
		return ratio(func(l libResult) *float64 { return l.Ratio })(l)
	}
	metric := func(name string) func(libResult) (float64, bool) {
		return func(l libResult) (float64, bool) {
			v, ok := l.Median.Metrics[name]
			return v, ok
		}
	}
	wallMs := func(l libResult) (float64, bool) { return l.Median.Wall / 1e6, l.Median.Wall > 0 }
	times := func(v float64) string { return fmt.Sprintf("%.2f×", v) }

	out := []*chart{
		{file: "layers.png", ref: 1, format: times,
			title:    "asqlite's layers and the other libraries: table t (in memory; point-wal on a WAL file)",
			subtitle: "CPU time relative to asqlite's binding (sqlite.Conn = 1; shorter is faster)",
			groups:   groups(res, "layers", cpuRatio)},
		{file: "gsb-write.png", ref: 1, format: times,
			title:    "go-sqlite-bench (cvilsmeier/go-sqlite-bench): simple, real, complex" + scaleNote(res),
			subtitle: "CPU time relative to asqlite's binding (sqlite.Conn = 1; shorter is faster)",
			groups:   groups(res, "gsb", scoreRatio, "simple/", "real/", "complex/")},
		{file: "gsb-read.png", ref: 1, format: times,
			title:    "go-sqlite-bench (cvilsmeier/go-sqlite-bench): many, large, concurrent" + scaleNote(res),
			subtitle: "time relative to asqlite's binding (= 1; shorter is faster): CPU time; wall time for concurrent",
			groups:   groups(res, "gsb", scoreRatio, "many/", "large/", "concurrent/")},
		{file: "seed.png", log: true, format: func(v float64) string { return fmtMs(v) },
			title:    "The seed's stress test and break tests",
			subtitle: "wall time, ms, logarithmic scale (shorter is faster); python-seed is the seed's own Python design",
			groups:   groups(res, "seed", wallMs)},
		{file: "writes.png", format: func(v float64) string { return fmt.Sprintf("%.0fk/s", v/1000) },
			title:    "Concurrent single-row write transactions, 64 goroutines, WAL",
			subtitle: "commits per second (longer is better); peers: one writer connection + read pool",
			groups:   groups(res, "^writes", metric("commits/s"))},
		{file: "readlat.png", format: func(v float64) string { return fmt.Sprintf("%.0f µs", v) },
			title:    "Point reads while 16 goroutines saturate the writer",
			subtitle: "read latency, µs (shorter is better)",
			groups: append(labelled(groups(res, "^readlat", metric("p50_us")), "p50"),
				labelled(groups(res, "^readlat", metric("p99_us")), "p99")...)},
	}
	return out
}

func scaleNote(res *results) string {
	if res.Scale == 1 {
		return ", full sizes"
	}
	return fmt.Sprintf(", sizes × %g", res.Scale)
}

func labelled(gs []group, label string) []group {
	for i := range gs {
		gs[i].label = label
	}
	return gs
}

// groups makes one group per result whose group (or, with a leading ^,
// name prefix) matches sel, and whose name starts with one of prefixes if
// any are given, with value v of each library.
func groups(res *results, sel string, v func(libResult) (float64, bool), prefixes ...string) []group {
	var gs []group
	for _, r := range res.Results {
		if p, ok := strings.CutPrefix(sel, "^"); ok {
			if !strings.HasPrefix(r.Name, p) {
				continue
			}
		} else if r.Group != sel {
			continue
		}
		if len(prefixes) > 0 && !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.Name, p) }) {
			continue
		}
		g := group{label: r.Name}
		for _, l := range r.Libs {
			if x, ok := v(l); ok && l.Note == "" {
				g.bars = append(g.bars, bar{lib: l.Lib, v: x})
			}
		}
		if len(g.bars) > 0 {
			gs = append(gs, g)
		}
	}
	return gs
}

type chart struct {
	file, title, subtitle, footer string
	groups                        []group
	ref                           float64 // a vertical reference line at this value (0: none)
	log                           bool
	format                        func(float64) string
}

type group struct {
	label string
	bars  []bar
}

type bar struct {
	lib string
	v   float64
}

// Colours: asqlite's layers in blues and teal, the peers in warm colours
// and greys, the same in every chart.
var libColors = map[string]color.RGBA{
	"asqlite":           {0x1f, 0x4e, 0x9a, 0xff},
	"asqlite.Conn":      {0x3d, 0x85, 0xc6, 0xff},
	"asqlite.DB":        {0x17, 0x9c, 0x8c, 0xff},
	"asqlite.DB-serial": {0x7c, 0xc8, 0xbd, 0xff},
	"asqlite/driver":    {0x8f, 0xb8, 0xe8, 0xff},
	"zombiezen":         {0xe0, 0x7a, 0x1f, 0xff},
	"modernc":           {0xc9, 0x3c, 0x3c, 0xff},
	"ncruces":           {0x8e, 0x5b, 0xb5, 0xff},
	"mattn":             {0x6b, 0x6b, 0x6b, 0xff},
	"python-seed":       {0xb5, 0xa6, 0x2e, 0xff},
}

var libOrder = []string{"asqlite", "asqlite.Conn", "asqlite.DB", "asqlite.DB-serial", "asqlite/driver",
	"zombiezen", "modernc", "ncruces", "mattn", "python-seed"}

const (
	width    = 1100
	margin   = 24
	labelW   = 150 // group labels
	libW     = 130 // library names beside each bar
	valueW   = 90  // room for the value after the longest bar
	barH     = 15
	barGap   = 3
	groupGap = 16
)

var (
	regular = face(goregular.TTF, 14)
	small   = face(goregular.TTF, 12)
	bold    = face(gobold.TTF, 18)
	ink     = color.RGBA{0x22, 0x22, 0x22, 0xff}
	faint   = color.RGBA{0x88, 0x88, 0x88, 0xff}
	rule    = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
)

func face(ttf []byte, size float64) font.Face {
	f, err := opentype.Parse(ttf)
	check(err)
	fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	check(err)
	return fc
}

// libs are the libraries present in the chart, in report order.
func (c *chart) libs() []string {
	var ls []string
	for _, g := range c.groups {
		for _, b := range g.bars {
			if !slices.Contains(ls, b.lib) {
				ls = append(ls, b.lib)
			}
		}
	}
	slices.SortStableFunc(ls, func(a, b string) int { return rank(a) - rank(b) })
	return ls
}

func rank(lib string) int {
	if i := slices.Index(libOrder, lib); i >= 0 {
		return i
	}
	return len(libOrder)
}

func (c *chart) draw() image.Image {
	libs := c.libs()
	headH := 74
	legendH := 28
	bodyH := 0
	for _, g := range c.groups {
		bodyH += len(g.bars)*(barH+barGap) + groupGap
	}
	axisH := 30
	footH := 26
	height := headH + legendH + bodyH + axisH + footH
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)

	text(img, bold, margin, 30, ink, c.title)
	text(img, regular, margin, 54, faint, c.subtitle)

	// Legend.
	x := margin
	for _, l := range libs {
		fill(img, x, headH+4, 14, 14, libColors[l])
		text(img, small, x+19, headH+16, ink, l)
		x += 19 + textWidth(small, l) + 18
	}

	// Scale.
	x0 := margin + labelW + libW
	plotW := width - x0 - margin - valueW
	maxV := 0.0
	minV := math.Inf(1)
	for _, g := range c.groups {
		for _, b := range g.bars {
			maxV = max(maxV, b.v)
			if b.v > 0 {
				minV = min(minV, b.v)
			}
		}
	}
	if c.ref > 0 {
		maxV = max(maxV, c.ref)
	}
	var pos func(v float64) int
	var ticks []float64
	if c.log {
		lo := math.Pow(10, math.Floor(math.Log10(minV)))
		hi := math.Pow(10, math.Ceil(math.Log10(maxV)))
		pos = func(v float64) int {
			if v <= lo {
				return 0
			}
			return int(float64(plotW) * math.Log10(v/lo) / math.Log10(hi/lo))
		}
		for t := lo; t <= hi*1.0001; t *= 10 {
			ticks = append(ticks, t)
		}
	} else {
		step := niceStep(maxV / 6)
		hi := math.Ceil(maxV/step) * step
		pos = func(v float64) int { return int(float64(plotW) * v / hi) }
		for t := 0.0; t <= hi*1.0001; t += step {
			ticks = append(ticks, t)
		}
	}
	top := headH + legendH
	bottom := top + bodyH
	for _, t := range ticks {
		px := x0 + pos(t)
		fill(img, px, top, 1, bodyH, rule)
		label := c.tickLabel(t)
		text(img, small, px-textWidth(small, label)/2, bottom+16, faint, label)
	}
	if c.ref > 0 {
		fill(img, x0+pos(c.ref), top-4, 2, bodyH+4, ink)
	}

	// Bars.
	y := top
	for gi, g := range c.groups {
		gh := len(g.bars) * (barH + barGap)
		if gi > 0 {
			fill(img, margin, y-groupGap/2, width-2*margin, 1, rule)
		}
		text(img, regular, margin, y+gh/2+5, ink, g.label)
		slices.SortStableFunc(g.bars, func(a, b bar) int { return rank(a.lib) - rank(b.lib) })
		for _, b := range g.bars {
			text(img, small, x0-8-textWidth(small, b.lib), y+barH-3, faint, b.lib)
			w := max(1, pos(b.v))
			fill(img, x0, y, w, barH, libColors[b.lib])
			lx := x0 + w + 6
			if c.ref > 0 && b.v < c.ref {
				lx = x0 + pos(c.ref) + 6 // keep the value clear of the reference line
			}
			text(img, small, lx, y+barH-3, ink, c.format(b.v))
			y += barH + barGap
		}
		y += groupGap
	}
	text(img, small, margin, height-9, faint, c.footer)
	return img
}

func (c *chart) tickLabel(t float64) string {
	if c.log {
		return fmt.Sprintf("%g", t)
	}
	if c.ref > 0 {
		return fmt.Sprintf("%g", t)
	}
	return c.format(t)
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func fmtMs(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

func fill(img *image.RGBA, x, y, w, h int, c color.Color) {
	draw.Draw(img, image.Rect(x, y, x+w, y+h), image.NewUniform(c), image.Point{}, draw.Src)
}

func text(img *image.RGBA, f font.Face, x, y int, c color.Color, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func textWidth(f font.Face, s string) int { return font.MeasureString(f, s).Ceil() }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "plot:", err)
		os.Exit(1)
	}
}
