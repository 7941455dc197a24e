package plot

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync/atomic"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/pkg/errors"
)

// PlotlyEnv names the environment variable with the path of plotly.js (the basic bundle).
// kernel/install.sh installs it next to the kernel and sets the variable in kernel.json.
const PlotlyEnv = "IWSM_PLOTLY_JS"

// plotlyDivs numbers the interactive views of a process, so each gets its own element id.
var plotlyDivs atomic.Int64

// InteractiveHTML returns a self-contained HTML fragment that draws series as a Plotly
// scatter plot (zoom, pan, hover for coordinates, click a legend entry to hide a series),
// with plotlyJS, the source of plotly.js, embedded: nothing is fetched when it is shown, so
// the view works offline and in a saved notebook. Series.Style chooses markers or lines.
func InteractiveHTML(title, xlabel, ylabel string, plotlyJS string, series ...Series) (string, error) {
	if len(series) == 0 {
		return "", errors.New("an interactive view needs at least one series")
	}
	if plotlyJS == "" {
		return "", errors.New("an interactive view needs the plotly.js source")
	}
	type trace struct {
		X      []float64      `json:"x"`
		Y      []float64      `json:"y"`
		Name   string         `json:"name"`
		Mode   string         `json:"mode"`
		Type   string         `json:"type"`
		Marker map[string]any `json:"marker,omitempty"`
	}
	traces := make([]trace, 0, len(series))
	for _, s := range series {
		if len(s.X) != len(s.Y) || len(s.X) == 0 {
			return "", errors.Errorf("series %q: %d x values and %d y values (need equal, non-zero counts)", s.Label, len(s.X), len(s.Y))
		}
		for i := range s.X {
			if math.IsNaN(s.X[i]) || math.IsInf(s.X[i], 0) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
				return "", errors.Errorf("series %q: point %d (%g, %g) is not finite", s.Label, i, s.X[i], s.Y[i])
			}
		}
		tr := trace{X: s.X, Y: s.Y, Name: s.Label, Mode: "markers", Type: "scatter", Marker: map[string]any{"size": 4, "opacity": 0.6}}
		switch s.Style {
		case "":
		case "lines":
			tr.Mode, tr.Marker = "lines", nil
		case "large":
			tr.Marker = map[string]any{"size": 9, "symbol": "x-thin-open", "line": map[string]any{"width": 2}}
		default:
			return "", errors.Errorf("series %q: unknown style %q (use \"\", \"lines\" or \"large\")", s.Label, s.Style)
		}
		traces = append(traces, tr)
	}
	data, err := json.Marshal(traces)
	if err != nil {
		return "", errors.Wrap(err, "encoding the traces")
	}
	layout, err := json.Marshal(map[string]any{
		"title": map[string]any{"text": title}, "height": 520, "width": 620,
		"xaxis":  map[string]any{"title": map[string]any{"text": xlabel}},
		"yaxis":  map[string]any{"title": map[string]any{"text": ylabel}, "scaleanchor": "x"},
		"legend": map[string]any{"orientation": "h"}, "margin": map[string]any{"t": 40},
	})
	if err != nil {
		return "", errors.Wrap(err, "encoding the layout")
	}
	id := fmt.Sprintf("iwsm-plotly-%d-%d", os.Getpid(), plotlyDivs.Add(1))
	// plotly.js is a UMD bundle: with the AMD loader of Jupyter's classic notebook present it
	// would register as a module instead of setting window.Plotly, so define, module and
	// exports are shadowed while it loads.
	var b strings.Builder
	fmt.Fprintf(&b, "<div id=%q class=\"iwsm-interactive\"></div>\n<script type=\"text/javascript\">\n", id)
	b.WriteString("(function () {\nif (!window.Plotly) { (function (define, module, exports) {\n")
	b.WriteString(plotlyJS)
	b.WriteString("\n}).call(window); }\n")
	fmt.Fprintf(&b, "window.Plotly.newPlot(%q, %s, %s, {responsive: true, displaylogo: false});\n})();\n</script>\n", id, data, layout)
	return b.String(), nil
}

// ShowInteractive displays series as an interactive Plotly scatter inline in a GoNB notebook
// (see InteractiveHTML) and does nothing outside one. Where plotly.js is not installed (no npm
// when the kernel was installed) it prints one line saying so and returns nil: the notebook's
// static figures do not depend on it.
func ShowInteractive(title, xlabel, ylabel string, series ...Series) error {
	if !gonbui.IsNotebook {
		return nil
	}
	path := os.Getenv(PlotlyEnv)
	js, err := os.ReadFile(path)
	if path == "" || err != nil {
		fmt.Printf("interactive view skipped: plotly.js is not installed (%s=%q); run 'make install' with npm available\n", PlotlyEnv, path)
		return nil
	}
	html, err := InteractiveHTML(title, xlabel, ylabel, string(js), series...)
	if err != nil {
		return err
	}
	gonbui.DisplayHTML(html)
	// The output is large (plotly.js is embedded): wait until GoNB has passed it on, or a
	// headless run (nbconvert) may record the cell as finished before the output arrives.
	gonbui.Sync()
	return nil
}
