package mcmc

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/target"
)

// LJ describes a Lennard-Jones cluster of N particles in Dim dimensions.
type LJ struct {
	N, Dim int
}

// pair is the pair energy of iDEM's LJ (ε = r_m = 1) for squared distance r2, both
// orderings counted (target.LennardJonesPair).
func pair(r2 float64) float64 { return target.LennardJonesPair(r2, 1, 1) }

// Energy returns E(x) for a flat configuration x [N·Dim]: target.LennardJonesHost with iDEM's
// constants (ε = r_m = 1, harmonic scale 1), the float64 twin of target.LJ's graph energy.
func (c LJ) Energy(x []float64) float64 { return target.LennardJonesHost(c.N, c.Dim, 1, 1, 1)(x) }

// Options control a Metropolis run.
type Options struct {
	// Chains run independently (in parallel) from different random starts.
	Chains int
	// BurnIn sweeps (N single-particle moves each) are discarded; the step size is tuned
	// towards 40 % acceptance during the burn-in only.
	BurnIn int
	// Thin sweeps separate two kept samples of a chain.
	Thin int
	// SamplesPerChain samples are kept per chain.
	SamplesPerChain int
	// Seed makes the run reproducible (chain c uses the stream (Seed, c)).
	Seed uint64
}

// Validate reports impossible settings.
func (o Options) Validate() error {
	if o.Chains <= 0 || o.BurnIn < 0 || o.Thin <= 0 || o.SamplesPerChain <= 0 {
		return errors.Errorf("mcmc: need chains, thin and samples per chain > 0 and burn-in >= 0, got %+v", o)
	}
	return nil
}

// Result holds the kept samples (centre of mass removed) with their energies (the chain's
// running energy, updated by the accepted moves' differences) and the per-chain acceptance
// rates after burn-in.
type Result struct {
	Samples    [][]float64
	Energies   []float64
	Acceptance []float64
	// ChainMeanEnergy is the mean energy of each chain's kept samples (for convergence
	// checks: independent chains must agree).
	ChainMeanEnergy []float64
}

// Sample runs opt.Chains Metropolis chains on the cluster and returns
// Chains·SamplesPerChain samples.
func (c LJ) Sample(opt Options) (Result, error) {
	if err := opt.Validate(); err != nil {
		return Result{}, err
	}
	if c.N < 2 || c.Dim < 1 {
		return Result{}, errors.Errorf("mcmc: need at least 2 particles and 1 dimension, got %d and %d", c.N, c.Dim)
	}
	type chainOut struct {
		samples  [][]float64
		energies []float64
		acc      float64
	}
	outs := make([]chainOut, opt.Chains)
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for ch := 0; ch < opt.Chains; ch++ {
		wg.Add(1)
		go func(ch int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s, e, acc := c.chain(opt, rand.New(rand.NewPCG(opt.Seed, uint64(ch)+1)))
			outs[ch] = chainOut{s, e, acc}
		}(ch)
	}
	wg.Wait()
	var res Result
	for _, o := range outs {
		res.Samples = append(res.Samples, o.samples...)
		res.Energies = append(res.Energies, o.energies...)
		res.Acceptance = append(res.Acceptance, o.acc)
		m := 0.0
		for _, e := range o.energies {
			m += e
		}
		res.ChainMeanEnergy = append(res.ChainMeanEnergy, m/float64(len(o.energies)))
	}
	return res, nil
}

// chain runs one Metropolis chain: a start on a jittered cubic lattice of spacing r_m (no
// overlaps), single-particle Gaussian moves.
func (c LJ) chain(opt Options, rng *rand.Rand) (samples [][]float64, energies []float64, acceptance float64) {
	n, d := c.N, c.Dim
	x := make([]float64, n*d)
	side := int(math.Ceil(math.Pow(float64(n), 1/float64(d))))
	for i := 0; i < n; i++ {
		idx := i
		for k := 0; k < d; k++ {
			x[i*d+k] = float64(idx%side) + 0.05*rng.NormFloat64()
			idx /= side
		}
	}
	// Running sums for the harmonic term: Σ||x_i||² − n||x̄||² = Σ||x_i − x̄||².
	sum := make([]float64, d)
	sq := 0.0
	for i := 0; i < n; i++ {
		for k := 0; k < d; k++ {
			sum[k] += x[i*d+k]
			sq += x[i*d+k] * x[i*d+k]
		}
	}
	harmonic := func(sum []float64, sq float64) float64 {
		m := 0.0
		for k := range sum {
			m += sum[k] * sum[k]
		}
		return 0.5 * (sq - m/float64(n))
	}
	cur := c.Energy(x) // kept up to date with the accepted moves' energy differences
	step := 0.1
	old, prop := make([]float64, d), make([]float64, d)
	newSum := make([]float64, d)
	accepted, tried := 0, 0
	sweeps := opt.BurnIn + opt.Thin*opt.SamplesPerChain
	for sweep := 1; sweep <= sweeps; sweep++ {
		for move := 0; move < n; move++ {
			i := rng.IntN(n)
			copy(old, x[i*d:(i+1)*d])
			for k := 0; k < d; k++ {
				prop[k] = old[k] + step*rng.NormFloat64()
			}
			dE := 0.0
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				r2o, r2n := 0.0, 0.0
				for k := 0; k < d; k++ {
					a, b := old[k]-x[j*d+k], prop[k]-x[j*d+k]
					r2o += a * a
					r2n += b * b
				}
				dE += pair(r2n) - pair(r2o)
			}
			newSq := sq
			for k := 0; k < d; k++ {
				newSum[k] = sum[k] - old[k] + prop[k]
				newSq += prop[k]*prop[k] - old[k]*old[k]
			}
			dE += harmonic(newSum, newSq) - harmonic(sum, sq)
			ok := dE <= 0 || rng.Float64() < math.Exp(-dE)
			if ok {
				cur += dE
				copy(x[i*d:(i+1)*d], prop)
				copy(sum, newSum)
				sq = newSq
			}
			if sweep > opt.BurnIn {
				tried++
				if ok {
					accepted++
				}
			} else if ok {
				step *= 1.01 // Robbins–Monro-like tuning towards ~40 % acceptance
			} else {
				step *= math.Pow(1.01, -0.4/0.6)
			}
		}
		if sweep > opt.BurnIn && (sweep-opt.BurnIn)%opt.Thin == 0 {
			s := append([]float64(nil), x...)
			target.RemoveCentreOfMass(s, n, d)
			samples = append(samples, s)
			energies = append(energies, cur)
		}
	}
	return samples, energies, float64(accepted) / float64(max(tried, 1))
}
