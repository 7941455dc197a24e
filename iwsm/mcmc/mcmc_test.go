package mcmc

import (
	"math"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The host energy is the graph energy the sampler learns (an independent implementation).
func TestEnergyMatchesTargetEnergy(t *testing.T) {
	ref, err := target.LJ(13).ReferenceSet()
	if err != nil {
		t.Fatal(err)
	}
	backend := xlatest.Backend(t)
	rows := ref[:20]
	want, err := target.Energies(backend, target.LJ(13), rows)
	if err != nil {
		t.Fatal(err)
	}
	lj := LJ{N: 13, Dim: 3}
	for i, r := range rows {
		if got := lj.Energy(r); math.Abs(got-want[i]) > 1e-4*math.Abs(want[i]) {
			t.Errorf("row %d: host energy %.6g, graph energy %.6g", i, got, want[i])
		}
	}
}

// The chain's running energy (sums of accepted differences) equals the energy recomputed
// from scratch: the incremental pair and harmonic updates are right.
func TestRunningEnergyIsExact(t *testing.T) {
	lj := LJ{N: 13, Dim: 3}
	res, err := lj.Sample(Options{Chains: 2, BurnIn: 500, Thin: 50, SamplesPerChain: 20, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range res.Samples {
		if e := lj.Energy(s); math.Abs(e-res.Energies[i]) > 1e-8*math.Abs(e)+1e-8 {
			t.Fatalf("sample %d: running energy %.12g, recomputed %.12g", i, res.Energies[i], e)
		}
	}
	for _, a := range res.Acceptance {
		if a < 0.25 || a > 0.6 {
			t.Errorf("acceptance %.2f after tuning, want about 0.4", a)
		}
	}
	if _, err := lj.Sample(Options{}); err == nil {
		t.Error("zero options gave no error")
	}
}

// The same sampler on LJ-13 reproduces iDEM's published LJ-13 test split: energy histograms
// (iDEM's 200-bin TVD) and interatomic-distance histograms agree, which is what makes the
// LJ-55 reference drawn by this code credible.
func TestReproducesLJ13Reference(t *testing.T) {
	if testing.Short() {
		t.Skip("long chains")
	}
	ref, err := target.LJ(13).ReferenceSet()
	if err != nil {
		t.Fatal(err)
	}
	lj := LJ{N: 13, Dim: 3}
	res, err := lj.Sample(Options{Chains: 4, BurnIn: 20000, Thin: 200, SamplesPerChain: 250, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	er := make([]float64, len(ref))
	for i, r := range ref {
		er[i] = lj.Energy(r)
	}
	etvd, err := metrics.EnergyTVD(res.Energies, er)
	if err != nil {
		t.Fatal(err)
	}
	dtvd, err := metrics.DistanceTVD(res.Samples, ref, 13, 3)
	if err != nil {
		t.Fatal(err)
	}
	mg, mr := mean(res.Energies), mean(er)
	t.Logf("LJ-13: mean energy MCMC %.3f vs iDEM %.3f; energy TVD %.3f, distance TVD %.3f; chain means %v",
		mg, mr, etvd, dtvd, res.ChainMeanEnergy)
	if math.Abs(mg-mr) > 0.03*math.Abs(mr) || etvd > 0.25 || dtvd > 0.1 {
		t.Errorf("MCMC does not reproduce iDEM's LJ-13 reference (mean energy %.3f vs %.3f, energy TVD %.3f, distance TVD %.3f)",
			mg, mr, etvd, dtvd)
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
