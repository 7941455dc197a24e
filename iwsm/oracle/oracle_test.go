package oracle

import (
	"math"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The Monte Carlo score drives the reverse SDE to GMM-40 without a network: with K = 200 and
// 100 SDE steps, 400 samples cover every mode and nearly all lie within 4 component standard
// deviations of a mean (a host count), and the evaluations are counted as n·steps·K. Pieces
// of the batch (chunkElements) change nothing in what is drawn but the random numbers.
func TestOracleSamplesGMM40(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.For(tg, "oracle", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.K != preset.OracleK {
		t.Fatalf("the oracle's K is %d at cpu, want %d", cfg.K, preset.OracleK)
	}
	cfg.K, cfg.IntegrationSteps = 200, 100
	s, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 400
	rows, err := s.Samples(n)
	if err != nil {
		t.Fatal(err)
	}
	mix := tg.Mixture
	covered := make([]int, len(mix.Means))
	near := 0
	for _, r := range rows {
		best, k := math.Inf(1), 0
		for j, mu := range mix.Means {
			if d := math.Hypot(r[0]-mu[0], r[1]-mu[1]); d < best {
				best, k = d, j
			}
		}
		covered[k]++
		if best < 4*mix.Std {
			near++
		}
	}
	for k, c := range covered {
		if c == 0 {
			t.Errorf("mode %d has no sample", k)
		}
	}
	if near < 0.95*n {
		t.Errorf("%d of %d samples within 4 std of a mean, want at least 95 %%", near, n)
	}
	if want := int64(n * cfg.IntegrationSteps * cfg.K); s.EnergyEvaluations != want || s.GradientEvaluations != want {
		t.Errorf("%d energy and %d gradient evaluations, want %d", s.EnergyEvaluations, s.GradientEvaluations, want)
	}
	if done, total := s.Progress(); done != 0 || total != 0 {
		t.Errorf("progress %d of %d, want no steps", done, total)
	}
	if _, err := s.Step(); err == nil {
		t.Error("a step of the oracle: no error")
	}
}
