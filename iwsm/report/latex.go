package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
)

// LaTeXOptions say how LaTeXTable sets a table for a paper.
type LaTeXOptions struct {
	// Caption is set with \caption (escaped; "±" becomes $\pm$).
	Caption string
	// Label, when not empty, is set with \label after the caption ("tab:gmm40"), for \ref.
	Label string
	// ShortNames heads the metric columns with the metrics' short names (x-W2, E-W2, ...,
	// evaluate.Metric.ShortName) instead of their keys (x_w2, e_w2).
	ShortNames bool
	// OmitTarget leaves out the target column (a table of one target, named in the caption).
	OmitTarget bool
	// RowLabel, when set, replaces a row's method column (its default is Row.Label).
	RowLabel func(Row) string
}

// Label is the row's method column as tables print it: "iwsm (cpu, 2 seeds)", with the
// settings that differ from the budget's defaults, or "iDEM (quoted: SOURCE)".
func (r Row) Label() string { return r.label() }

// LaTeXTable renders the table as a floating booktabs table (needs \usepackage{booktabs}):
// \begin{table}, \caption, \label, \toprule, the header, \midrule, one row per Row (quoted
// rows in italics after a rule), \bottomrule. Means are set to three significant digits,
// standard deviations to two, large and small numbers as m×10^k.
func (t Table) LaTeXTable(o LaTeXOptions) string {
	var b strings.Builder
	b.WriteString("\\begin{table}[t]\n\\centering\n\\caption{" + latexText(o.Caption) + "}\n")
	if o.Label != "" {
		b.WriteString("\\label{" + o.Label + "}\n")
	}
	cols := "ll"
	if o.OmitTarget {
		cols = "l"
	}
	b.WriteString("\\begin{tabular}{" + cols + strings.Repeat("r", len(t.Metrics)) + "}\n\\toprule\n")
	if !o.OmitTarget {
		b.WriteString("Target & ")
	}
	b.WriteString("Method")
	short := map[string]string{}
	if o.ShortNames {
		for _, m := range evaluate.Registered() {
			short[m.Name] = m.ShortName
		}
	}
	for _, m := range t.Metrics {
		if s, ok := short[m]; ok && s != "" {
			m = s
		}
		b.WriteString(" & " + latexText(m))
	}
	b.WriteString(" \\\\\n\\midrule\n")
	quotedStarted := false
	for _, r := range t.Rows {
		if r.Quoted != "" && !quotedStarted {
			b.WriteString("\\midrule\n")
			quotedStarted = true
		}
		label := r.label()
		if o.RowLabel != nil {
			label = o.RowLabel(r)
		}
		label = latexText(label)
		if r.Quoted != "" {
			label = "\\textit{" + label + "}"
		}
		if !o.OmitTarget {
			b.WriteString(latexText(r.Target) + " & ")
		}
		b.WriteString(label)
		for _, m := range t.Metrics {
			b.WriteString(" & " + r.latexCell(m))
		}
		b.WriteString(" \\\\\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n\\end{table}\n")
	return b.String()
}

// latexText escapes LaTeX's special characters in plain text and writes the mathematical and
// Greek characters our labels and metric descriptions use (√, ×, σ, ≤, …) as LaTeX commands:
// pdflatex's UTF-8 input knows the Latin letters but stops on those. Any other character
// beyond Latin-1 becomes "?" rather than an error in the user's paper.
func latexText(s string) string {
	s = latexEscapes.Replace(s)
	var b strings.Builder
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latexEscapes maps LaTeX's special characters and the non-Latin characters of our texts to
// LaTeX (see latexText).
var latexEscapes = strings.NewReplacer(
	"\\", `\textbackslash{}`, "_", `\_`, "%", `\%`, "&", `\&`, "#", `\#`, "$", `\$`,
	"{", `\{`, "}", `\}`, "~", `\textasciitilde{}`, "^", `\textasciicircum{}`,
	"–", "--", "—", "---", "‘", "`", "’", "'", "“", "``", "”", "''", "…", `\dots{}`,
	"±", `$\pm$`, "×", `$\times$`, "·", `$\cdot$`, "−", `$-$`, "√", `$\surd$`,
	"≤", `$\leq$`, "≥", `$\geq$`, "≈", `$\approx$`, "≠", `$\neq$`, "∞", `$\infty$`,
	"→", `$\to$`, "∇", `$\nabla$`, "‖", `$\|$`, "∈", `$\in$`, "∑", `$\sum$`, "Σ", `$\Sigma$`,
	"²", `$^2$`, "³", `$^3$`, "⁻¹", `$^{-1}$`, "₀", `$_0$`, "₁", `$_1$`, "₂", `$_2$`, "ₜ", `$_t$`,
	"α", `$\alpha$`, "β", `$\beta$`, "γ", `$\gamma$`, "δ", `$\delta$`, "Δ", `$\Delta$`,
	"ε", `$\varepsilon$`, "θ", `$\theta$`, "λ", `$\lambda$`, "μ", `$\mu$`, "π", `$\pi$`,
	"ρ", `$\rho$`, "σ", `$\sigma$`, "τ", `$\tau$`, "φ", `$\varphi$`, "χ", `$\chi$`, "ω", `$\omega$`,
)

// latexCell is a cell "mean $\pm$ std" in math mode, "--" when the metric is missing.
func (r Row) latexCell(m string) string {
	mean, ok := r.Mean[m]
	if !ok || math.IsNaN(mean) {
		return "--"
	}
	s := "$" + latexNumber(mean, 3)
	if std := r.Std[m]; std > 0 {
		s += ` \pm ` + latexNumber(std, 2)
	}
	return s + "$"
}

// latexNumber formats v with digits significant digits, as m\times10^{k} where %g would use
// an exponent (1.12e+07 becomes 1.12\times10^{7}). Math mode.
func latexNumber(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'g', digits, 64)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	k, _ := strconv.Atoi(exp)
	if mant == "1" {
		return fmt.Sprintf(`10^{%d}`, k)
	}
	return fmt.Sprintf(`%s\times10^{%d}`, mant, k)
}
