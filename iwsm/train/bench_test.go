package train

import (
	"testing"

	"github.com/gomlx/compute/gobackend"

	"github.com/iwsm-go/iwsm/iwsm/target"
)

// benchmarkEpoch times one outer round (buffer refresh by reverse SDE + gradient steps) at
// a target's cpu budget, reporting the per-step time of the gradient steps separately.
func benchmarkEpoch(b *testing.B, name string, method Method) {
	backend, err := gobackend.New("")
	if err != nil {
		b.Fatal(err)
	}
	tg, err := target.ByName(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := DefaultConfig(name, method, "cpu")
	if err != nil {
		b.Fatal(err)
	}
	cfg.StepsPerEpoch = 10
	tr, err := New(backend, tg, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tr.Epoch(); err != nil { // compile graphs and fill the buffer
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Epoch(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEpochGMM40IWSM(b *testing.B) { benchmarkEpoch(b, "gmm40", IWSM) }
func BenchmarkEpochGMM40IDEM(b *testing.B) { benchmarkEpoch(b, "gmm40", IDEM) }
func BenchmarkEpochDW4IWSM(b *testing.B)   { benchmarkEpoch(b, "dw4", IWSM) }
