package experiment_test

import (
	"fmt"
	"os"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// Train IWSM on GMM-40 at the smoke budget, evaluate against exact mixture samples and
// write a results folder (config, metrics, samples, checkpoint, figures).
func ExampleRun() {
	backend, _ := xla.NewGoBackend()
	gmm, _ := target.GMM40()
	cfg, _ := preset.ByName("gmm40", "iwsm", "smoke")
	dir, _ := os.MkdirTemp("", "iwsm-example")
	defer os.RemoveAll(dir)
	res, err := experiment.Run(backend, gmm, cfg, experiment.Options{Out: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("samples:", res.Samples.Len(), "modes:", res.Metrics.Of(evaluate.Modes))
	figs, _ := res.Figures()
	for _, f := range figs {
		fmt.Print(f.Name, " ")
	}
	fmt.Println()
	// Output:
	// samples: 500 modes: 40
	// loss ess weights_ess_by_sigma samples energy_hist mode_mass
}

// Run the parallel-tempering baseline on GMM-40 at the smoke budget: the same results
// folder and metrics as the diffusion methods, plus its swap acceptance per pair of
// neighbouring temperatures and the number of energy evaluations it made.
func ExampleRun_parallelTempering() {
	backend, _ := xla.NewGoBackend()
	gmm, _ := target.GMM40()
	cfg, _ := preset.ByName("gmm40", "pt", "smoke")
	res, err := experiment.Run(backend, gmm, cfg, experiment.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("samples:", res.Samples.Len(), "modes:", res.Metrics.Of(evaluate.Modes))
	fmt.Println("temperature pairs:", len(res.Record.PT.SwapAcceptance), "energy evaluations:", res.Record.EnergyEvaluations)
	// Output:
	// samples: 500 modes: 40
	// temperature pairs: 9 energy evaluations: 151000
}
