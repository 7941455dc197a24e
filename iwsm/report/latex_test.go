package report

import (
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
)

// A paper's table: label after the caption, short metric names, numbers in math mode with
// powers of ten instead of e-notation, escaped text.
func TestLaTeXTable(t *testing.T) {
	tab := Table{Metrics: []string{"x_w2", "e_w2", "dist_tvd"}, Rows: []Row{{Target: "dw4", Method: "iwsm", Budget: "cpu", Seeds: 2,
		Mean: map[string]float64{"x_w2": 1.5, "e_w2": 1.234e7}, Std: map[string]float64{"x_w2": 0.25, "e_w2": 2e5}}}}
	tex := tab.LaTeXTable(LaTeXOptions{Caption: "DW-4 & 50% ± 1_seed", Label: "tab:dw4", ShortNames: true, OmitTarget: true})
	for _, want := range []string{
		"\\caption{DW-4 \\& 50\\% $\\pm$ 1\\_seed}\n\\label{tab:dw4}\n",
		"\\begin{tabular}{lrrr}",
		"Method & x-W2 & E-W2 & D-TVD \\\\",
		`iwsm (cpu, 2 seeds) & $1.5 \pm 0.25$ & $1.23\times10^{7} \pm 2\times10^{5}$ & -- \\`,
	} {
		if !strings.Contains(tex, want) {
			t.Errorf("LaTeX lacks %q:\n%s", want, tex)
		}
	}
	if strings.Contains(tex, "e+") {
		t.Errorf("e-notation in LaTeX:\n%s", tex)
	}
	if got := latexNumber(1e-5, 3); got != `10^{-5}` {
		t.Errorf("latexNumber(1e-5) = %q", got)
	}
}

// Every registered metric's description and short name, and the mathematical characters of
// our captions, reach LaTeX as ASCII or Latin-1 (pdflatex stops on the others: the paper
// protocol's "√N × √N" did), with the symbols as LaTeX commands.
func TestLaTeXTextHasNoUnsetCharacters(t *testing.T) {
	texts := []string{"√N × √N cells, σ ≤ 1e-3 · ε − μ, ‖∇E‖², “quoted” — ☃"}
	for _, m := range evaluate.Registered() {
		texts = append(texts, m.Description, m.ShortName, m.Name)
	}
	for _, s := range texts {
		for _, r := range latexText(s) {
			if r > 0xFF {
				t.Errorf("latexText(%q) keeps %q (U+%04X)", s, r, r)
			}
		}
	}
	got := latexText(texts[0])
	want := `$\surd$N $\times$ $\surd$N cells, $\sigma$ $\leq$ 1e-3 $\cdot$ $\varepsilon$ $-$ $\mu$, $\|$$\nabla$E$\|$$^2$, ` + "``quoted'' --- ?"
	if got != want {
		t.Errorf("latexText = %q, want %q", got, want)
	}
}
