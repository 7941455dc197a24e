package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{
		"targets":     cmdTargets,
		"energy":      cmdEnergy,
		"train":       cmdTrain,
		"methods":     cmdMethods,
		"config":      cmdConfig,
		"rundir":      cmdRunDir,
		"backend":     cmdBackend,
		"mcmc":        cmdMCMC,
		"sample":      cmdSample,
		"eval":        cmdEval,
		"table":       cmdTable,
		"weights":     cmdWeights,
		"export":      cmdExport,
		"index":       cmdIndex,
		"install-xla": cmdInstallXLA,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		if os.Args[1] != "-h" && os.Args[1] != "help" && os.Args[1] != "--help" {
			fmt.Fprintf(os.Stderr, "iwsm: unknown command %q\n", os.Args[1])
		}
		usage()
		os.Exit(2)
	}
	if err := cmd(os.Args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "iwsm:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "iwsm:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usage() {
	fmt.Fprint(os.Stderr, `usage: iwsm <command> [flags]

commands:
  targets      list the built-in targets and their dimensions
  energy       energies of the rows of a .npy file
  train        train a method (IWSM, iDEM, ...) or run the pt baseline; write samples, metrics, config
  methods      list the training methods (iwsm, idem, ...)
  config       print the training configuration of a target at a budget (JSON)
  rundir       print the results folder of a run (RESULTS/TARGET/BUDGET/METHOD[+overrides]-seedS)
  backend      print the compute backend IWSM_BACKEND selects on this machine
  mcmc         reference samples of a Lennard-Jones cluster by long Metropolis runs
  sample       draw samples from a trained checkpoint
  eval         metrics of samples against a reference (built-in or given)
  table        collect results folders into Markdown, CSV and LaTeX tables
  weights      log proposal, log p_t estimate and log importance weight per point
  export       a paper's figure (PDF/SVG, one and two columns) and LaTeX table for one target's runs
  index        one self-contained HTML page of every finished run under a results folder
  install-xla  download a PJRT plugin (connected machines only) so that XLA can be used

Run 'iwsm <command> -h' for the flags of a command.
`)
}
