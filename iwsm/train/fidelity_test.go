package train

import (
	"math"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func distinct64(v []float64) int {
	seen := map[float64]bool{}
	for _, x := range v {
		seen[x] = true
	}
	return len(seen)
}

// iDEM draws t independently for every point (dem/models/dem_module.py): a batch of B points
// has B distinct noise levels. IWSM's stratified levels give exactly TimeGroups, one per
// level, in increasing order; so does the idem-levels ablation.
func TestTimeSamplingPerMethod(t *testing.T) {
	backend, tg := gmm40Setup(t)
	for _, tc := range []struct {
		method string
		levels func(c config.Config) int
	}{
		{"idem", func(c config.Config) int { return c.BatchSize }},
		{"iwsm", func(c config.Config) int { return c.TimeGroups }},
		{"idem-levels", func(c config.Config) int { return c.TimeGroups }},
	} {
		cfg := smokeConfig(t, tc.method)
		tr, err := New(backend, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Epoch(); err != nil {
			t.Fatal(err)
		}
		st := tr.LastStep
		if got, want := distinct64(st.Sigmas), tc.levels(cfg); got != want {
			t.Errorf("%s: %d distinct noise levels in a batch of %d, want %d", tc.method, got, cfg.BatchSize, want)
		}
		if tc.method == "iwsm" {
			per := cfg.BatchSize / cfg.TimeGroups
			for g := 1; g < cfg.TimeGroups; g++ {
				if !(st.Sigmas[g*per] > st.Sigmas[(g-1)*per]) {
					t.Errorf("level %d: σ %v not above level %d's %v", g, st.Sigmas[g*per], g-1, st.Sigmas[(g-1)*per])
				}
			}
		}
	}
}

// iDEM's GMM configuration runs without a learning-rate scheduler (scheduler: null in
// configs/experiment/gmm_idem.yaml); its particle systems use ReduceLROnPlateau.
func TestLearningRateScheduleFollowsIDEM(t *testing.T) {
	for _, tc := range []struct {
		target   string
		patience int
	}{{"gmm40", 0}, {"gmm120", 0}, {"dw4", 10}, {"lj13", 10}, {"lj55", 10}} {
		for _, m := range []string{"iwsm", "idem"} {
			c, err := preset.ByName(tc.target, m, "paper")
			if err != nil {
				t.Fatal(err)
			}
			if c.LRPatience != tc.patience {
				t.Errorf("%s %s: lr_patience %d, want %d", tc.target, m, c.LRPatience, tc.patience)
			}
		}
	}
}

// The buffer augmentation replaces AugmentFraction of each refresh by flat draws: uniform on
// the box for a mixture (mean 0, variance scale²/3 per coordinate, nothing outside), a
// mean-free Gaussian for a particle system (variance scale² (n−1)/n per coordinate).
func TestBufferAugmentation(t *testing.T) {
	backend := xlatest.Backend(t)
	for _, tc := range []struct {
		target *target.Target
		name   string
	}{{mustGMM40(t), "gmm40"}, {target.DW4(), "dw4"}} {
		cfg, err := preset.ByName(tc.name, "iwsm", "smoke")
		if err != nil {
			t.Fatal(err)
		}
		cfg.AugmentFraction, cfg.InitialSamples, cfg.StepsPerEpoch = 0.5, 2048, 1
		tr, err := New(backend, tc.target, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.refreshBuffer(); err != nil {
			t.Fatal(err)
		}
		if tr.BufferLen() != cfg.InitialSamples {
			t.Fatalf("%s: buffer holds %d rows, want %d", tc.name, tr.BufferLen(), cfg.InitialSamples)
		}
		d, flat := tc.target.Dim, cfg.InitialSamples/2
		rows := tr.buffer[(cfg.InitialSamples-flat)*d:]
		var m, v float64
		for i, x := range rows {
			if cfg.AugmentDistribution == config.AugmentUniform && math.Abs(float64(x)) > cfg.AugmentScale {
				t.Fatalf("%s: flat row %d lies outside the box: %v", tc.name, i/d, x)
			}
			m += float64(x)
			v += float64(x) * float64(x)
		}
		n := float64(len(rows))
		m, v = m/n, v/n
		want := cfg.AugmentScale * cfg.AugmentScale / 3
		if cfg.AugmentDistribution == config.AugmentGaussian {
			want = cfg.AugmentScale * cfg.AugmentScale * float64(tc.target.Particles-1) / float64(tc.target.Particles)
		}
		if math.Abs(v-want) > 0.06*want || math.Abs(m) > 0.05*math.Sqrt(want) {
			t.Errorf("%s (%s): flat rows have mean %.4f and variance %.4f, want 0 and %.4f", tc.name, cfg.AugmentDistribution, m, v, want)
		}
		if tc.target.IsParticleSystem() {
			for i := 0; i < flat; i++ {
				com := 0.0
				for p := 0; p < tc.target.Particles; p++ {
					com += float64(rows[i*d+p*2])
				}
				if math.Abs(com) > 1e-4 {
					t.Fatalf("flat particle row %d has centre of mass %v", i, com)
				}
			}
		}
	}
	cfg := smokeConfig(t, "iwsm")
	for _, bad := range []func(*config.Config){
		func(c *config.Config) { c.AugmentFraction = 1 },
		func(c *config.Config) { c.AugmentFraction, c.AugmentDistribution = 0.1, "cauchy" },
		func(c *config.Config) { c.AugmentFraction, c.AugmentScale = 0.1, 0 },
	} {
		c := cfg
		bad(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("augmentation %+v accepted", c)
		}
	}
}

func mustGMM40(t *testing.T) *target.Target {
	g, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	return g
}
