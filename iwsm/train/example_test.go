package train_test

import (
	"fmt"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla"
)

// Train IWSM on GMM-40 at a tiny budget and draw samples.
func ExampleTrainer() {
	backend, _ := xla.NewGoBackend()
	gmm, _ := target.GMM40()
	cfg, _ := train.DefaultConfig("gmm40", train.IWSM, "smoke")
	cfg.Epochs = 1
	tr, err := train.New(backend, gmm, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := tr.Run(""); err != nil { // "" = no checkpoints
		fmt.Println(err)
		return
	}
	samples, _ := tr.Sample(10)
	fmt.Println(tr.EpochsDone, len(samples), len(samples[0]), tr.BufferLen())
	// Output: 1 10 2 256
}
