package plot

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
)

func TestInteractiveHTMLEmbedsLibraryAndData(t *testing.T) {
	const fakeJS = "/* plotly.js stand-in */ var marker = 42;"
	gen := Series{Label: "IWSM", X: []float64{1, 2.5, -3}, Y: []float64{0.5, 0, 7}}
	means := Series{Label: "contour", X: []float64{0, 1}, Y: []float64{1, 0}, Style: "lines"}
	html, err := InteractiveHTML("GMM-40", "x₁", "x₂", fakeJS, gen, means)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html, fakeJS) {
		t.Error("the plotly.js source is not embedded")
	}
	m := regexp.MustCompile(`newPlot\("(iwsm-plotly-[0-9-]+)", (\[.*?\]), (\{.*\}), \{responsive`).FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no newPlot call in:\n%s", html[len(html)-400:])
	}
	if !strings.Contains(html, `<div id="`+m[1]+`"`) {
		t.Errorf("the plot targets %s but no div has that id", m[1])
	}
	var traces []struct {
		X, Y       []float64
		Name, Mode string
	}
	if err := json.Unmarshal([]byte(m[2]), &traces); err != nil {
		t.Fatalf("traces are not JSON: %v", err)
	}
	if len(traces) != 2 || traces[0].Name != "IWSM" || traces[0].Mode != "markers" || traces[1].Name != "contour" || traces[1].Mode != "lines" {
		t.Fatalf("traces %+v", traces)
	}
	for i := range gen.X {
		if traces[0].X[i] != gen.X[i] || traces[0].Y[i] != gen.Y[i] {
			t.Errorf("point %d: (%v, %v), want (%v, %v)", i, traces[0].X[i], traces[0].Y[i], gen.X[i], gen.Y[i])
		}
	}
	var layout map[string]any
	if err := json.Unmarshal([]byte(m[3]), &layout); err != nil {
		t.Fatalf("layout is not JSON: %v", err)
	}
	html2, _ := InteractiveHTML("again", "x", "y", fakeJS, gen)
	if id2 := regexp.MustCompile(`id="(iwsm-plotly-[0-9-]+)"`).FindStringSubmatch(html2); id2 == nil || id2[1] == m[1] {
		t.Errorf("two views share the element id %s", m[1])
	}

	for name, bad := range map[string][]Series{
		"no series":  nil,
		"mismatched": {{Label: "a", X: []float64{1, 2}, Y: []float64{1}}},
		"empty":      {{Label: "a"}},
		"NaN":        {{Label: "a", X: []float64{math.NaN()}, Y: []float64{1}}},
		"style":      {{Label: "a", X: []float64{1}, Y: []float64{1}, Style: "dotted"}},
	} {
		if _, err := InteractiveHTML("t", "x", "y", fakeJS, bad...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := InteractiveHTML("t", "x", "y", "", gen); err == nil {
		t.Error("missing plotly.js: no error")
	}
}
