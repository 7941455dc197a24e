package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/iwsm-go/iwsm/iwsm/paper"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/xla"
)

// cmdExport writes a paper's figure and table for the runs of one target (paper.Write).
func cmdExport(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	out := fs.String("out", "", "folder for TARGET-figure-{1col,2col}.{pdf,svg,png}, TARGET-table.tex and TARGET-figure.tex")
	budget := fs.String("budget", "", "budget of the runs to export (needed when the folders hold several)")
	seed := fs.Int64("seed", 0, "seed the figure shows for every method (0: each method's lowest)")
	methods := fs.String("methods", "", "comma-separated methods, in the figure's and table's order (default: every method found)")
	caption := fs.String("caption", "", "the table's caption (default: target, methods, budget, seeds and what each column is)")
	label := fs.String("label", "", "the table's \\label (default tab:TARGET)")
	figLabel := fs.String("figure-label", "", "the figure's \\label (default fig:TARGET)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return usageError{"export: usage: iwsm export -out DIR [-budget B] [-seed S] [-methods iwsm,idem] RESULTS_DIR... " +
			"(run folders, or folders above them such as results/gmm40/cpu)"}
	}
	opt := paper.Options{Budget: *budget, Seed: *seed, Caption: *caption, Label: *label, FigureLabel: *figLabel}
	if *methods != "" {
		opt.Methods = strings.Split(*methods, ",")
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	e, written, err := paper.Write(backend, *out, fs.Args(), opt)
	if err != nil {
		return err
	}
	for _, r := range e.Runs {
		fmt.Printf("figure: %s seed %d from %s\n", r.Record.Method, r.Record.Seed, r.Record.Dir)
	}
	fmt.Print(e.Table.Markdown())
	for _, p := range written {
		fmt.Println("wrote", p)
	}
	return nil
}

// cmdIndex writes one self-contained HTML page of every finished run under a results folder
// (report.Index): per target its metrics table and every run's figures, grouped by budget.
func cmdIndex(args []string) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	out := fs.String("out", "", "the page to write (default RESULTS/index.html)")
	title := fs.String("title", "IWSM results", "the page's title")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"index: usage: iwsm index [-out FILE.html] [RESULTS_DIR] (default results)"}
	}
	root := "results"
	if fs.NArg() == 1 {
		root = fs.Arg(0)
	}
	if *out == "" {
		*out = filepath.Join(root, "index.html")
	}
	runs, err := rundir.Find(root)
	if err != nil {
		return err
	}
	notebooks, _ := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	n, err := report.WriteIndex(*out, runs, report.IndexOptions{Title: *title, Notebooks: notebooks})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d runs of %d targets\n", *out, len(runs), n)
	return nil
}
