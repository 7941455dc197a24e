package report

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// The results page holds every run's table row and figures, embedded, and loads nothing.
func TestWriteIndexIsSelfContained(t *testing.T) {
	root := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ dir, body string }{
		{"gmm40/cpu/iwsm-seed1", `{"target":"gmm40","method":"iwsm","budget":"cpu","seed":1,"metrics":{"x_w2":2},"files":{"figures":["samples.png","samples.pdf"]}}`},
		{"gmm40/cpu/iwsm-seed2", `{"target":"gmm40","method":"iwsm","budget":"cpu","seed":2,"metrics":{"x_w2":4},"files":{"figures":["samples.png"]}}`},
		{"dw4/smoke/idem-seed1", `{"target":"dw4","method":"idem","budget":"smoke","seed":1,"metrics":{"dist_tvd":0.5},"files":{"figures":["energy_hist.png"]}}`},
	} {
		dir := filepath.Join(root, r.dir)
		writeRun(t, dir, r.body)
		if err := os.MkdirAll(filepath.Join(dir, "figures"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"samples.png", "energy_hist.png"} {
			if err := os.WriteFile(filepath.Join(dir, "figures", f), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	runs, err := rundir.Find(root)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "index.html")
	n, err := WriteIndex(out, runs, IndexOptions{Notebooks: []string{filepath.Join(root, "notebooks", "01_gmm40.ipynb")},
		Now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)})
	if err != nil || n != 2 {
		t.Fatalf("WriteIndex: %d targets, %v (want 2)", n, err)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the page loads %s from elsewhere", m)
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "<link") {
		t.Error("the page has a script or a linked stylesheet")
	}
	wantImg := `src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(buf.Bytes()) + `"`
	if c := strings.Count(page, wantImg); c != 3 {
		t.Errorf("%d embedded figures, want 3 (one PNG per run; the PDF is not shown)", c)
	}
	for _, want := range []string{`<section id="dw4">`, `<section id="gmm40">`, "<td>iwsm (cpu, 2 seeds)</td><td>3 ± 1.4</td>",
		`<a href="notebooks/01_gmm40.ipynb">`, "2026-11-30 12:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Index(page, `id="dw4"`) > strings.Index(page, `id="gmm40"`) {
		t.Error("targets are not in order")
	}
	if _, err := WriteIndex(out, nil, IndexOptions{}); err == nil {
		t.Error("no runs: no error")
	}
}
