package train_test

import (
	"fmt"

	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sampler"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

// Train IWSM on GMM-40 at a tiny budget, with validation, checkpoints and a progress bar
// attached as hooks, and draw samples.
func ExampleTrainer() {
	backend, _ := xla.NewGoBackend()
	gmm, _ := target.GMM40()
	cfg, _ := preset.ByName("gmm40", "iwsm", "smoke")
	cfg.Epochs = 1
	tr, err := train.New(backend, gmm, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sampler.Run(tr); err != nil { // no checkpoints, no progress bar
		fmt.Println(err)
		return
	}
	samples, _ := tr.Samples(10)
	fmt.Println(tr.EpochsDone, len(samples), len(samples[0]), tr.BufferLen())
	// Output: 1 10 2 256
}
