package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The training step reads the replay buffer padded to the run's capacity: its input keeps one
// shape while the buffer fills (so XLA compiles the step once per run, not once per epoch),
// and a step on a padded buffer computes what a step on the bare buffer computes, for IWSM's
// buffer density and for the paper code's as-coded denominator, which draws buffer rows. The
// test's padding is rows spread over the mixture's box, not zeros: counted, they would move
// every weight.
func TestStepBufferKeepsOneShapeAndLeavesOutThePadding(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.ByName("gmm40")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"iwsm", "iwsm-code"} {
		t.Run(m, func(t *testing.T) {
			newTrainer := func() *Trainer {
				c := smokeConfig(t, m)
				c.Epochs, c.StepsPerEpoch = 3, 2
				tr, err := New(backend, tg, c)
				if err != nil {
					t.Fatal(err)
				}
				return tr
			}
			a, b := newTrainer(), newTrainer()
			capacity := a.Config.BufferSize
			for e := 1; e <= 2; e++ {
				for _, tr := range []*Trainer{a, b} {
					if _, err := tr.Epoch(); err != nil {
						t.Fatal(err)
					}
				}
				buf := a.newStepBuffer()
				rows := tensors.ToScalar[int32](buf.rows)
				if got := buf.data.Shape().Dimensions; got[0] != capacity || got[1] != tg.Dim {
					t.Errorf("epoch %d: the step's buffer is %v, want [%d %d] whatever the buffer holds", e, got, capacity, tg.Dim)
				}
				if int(rows) != a.BufferLen() {
					t.Errorf("epoch %d: %d rows in use, the buffer holds %d", e, rows, a.BufferLen())
				}
				buf.finalize()
			}
			n, d := a.BufferLen(), tg.Dim
			if n >= capacity {
				t.Fatalf("the buffer is full (%d of %d rows) after 2 of 3 epochs: nothing is padded", n, capacity)
			}
			rng := rand.New(rand.NewPCG(7, 8))
			data := append(make([]float32, 0, capacity*d), a.buffer...)
			for len(data) < capacity*d {
				data = append(data, float32(2*rng.Float64()-1)) // the sampler's coordinates: the box of the means
			}
			padded := stepBuffer{data: tensors.FromFlatDataAndDimensions(data, capacity, d), rows: tensors.FromScalar(int32(n))}
			bare := stepBuffer{data: tensors.FromFlatDataAndDimensions(append([]float32(nil), b.buffer...), n, d), rows: tensors.FromScalar(int32(n))}
			defer padded.finalize()
			defer bare.finalize()
			sa, err := a.step(padded)
			if err != nil {
				t.Fatal(err)
			}
			sb, err := b.step(bare)
			if err != nil {
				t.Fatal(err)
			}
			if !(math.Abs(sa.Loss-sb.Loss) <= 1e-4*math.Abs(sb.Loss)) {
				t.Errorf("loss %.7g on the padded buffer, %.7g on the bare one", sa.Loss, sb.Loss)
			}
			worst := 0.0
			for i := range sb.Weights {
				worst = math.Max(worst, math.Abs(sa.Weights[i]-sb.Weights[i]))
			}
			if !(worst <= 1e-3) { // the weights have mean 1 within a level or a point's copies
				t.Errorf("weights on the padded buffer differ from the bare one's by up to %.3g", worst)
			}
			t.Logf("%d of %d rows in use: loss %.6g against %.6g, weights within %.2g", n, capacity, sa.Loss, sb.Loss, worst)
		})
	}
}
