package target

import (
	"fmt"
	"math"

	"github.com/pkg/errors"
)

// FABMeans returns the means of FAB's 2-D Gaussian-mixture benchmark with n components and
// location scale loc (fab/target_distributions/gmm.py, as iDEM and the IWSM paper's code
// build it): after torch.manual_seed(0), ((torch.rand((n, 2)) − 0.5)·2)·loc in float32 on the
// CPU, i.e. uniform in [−loc, loc)². PyTorch's CPU generator is MT19937 seeded by
// init_genrand(0), and a float32 uniform is the low 24 bits of one 32-bit output times 2⁻²⁴,
// drawn in row-major order; both are reproduced here, so GMM-40's means (loc 40, iDEM's
// gmm40_means.npy) come out bit for bit, and the first rows of a longer draw are those of a
// shorter one (GMM-120's first 40 means are GMM-40's times 3, up to float32 rounding).
func FABMeans(n int, loc float64) [][]float64 {
	mt := newMT19937(0)
	means := make([][]float64, n)
	for i := range means {
		means[i] = make([]float64, 2)
		for j := range means[i] {
			u := float32(mt.next()&0xFFFFFF) * float32(1.0/(1<<24))
			v := (u - 0.5) * 2
			means[i][j] = float64(v * float32(loc))
		}
	}
	return means
}

// mt19937 is the Mersenne Twister of Matsumoto and Nishimura (1998), 32-bit outputs.
type mt19937 struct {
	state [624]uint32
	index int
}

// newMT19937 seeds the generator as init_genrand(seed) does.
func newMT19937(seed uint32) *mt19937 {
	mt := &mt19937{index: 624}
	mt.state[0] = seed
	for i := 1; i < 624; i++ {
		prev := mt.state[i-1]
		mt.state[i] = 1812433253*(prev^(prev>>30)) + uint32(i)
	}
	return mt
}

// next returns the next 32-bit output (genrand_int32).
func (mt *mt19937) next() uint32 {
	if mt.index >= 624 {
		for i := 0; i < 624; i++ {
			y := (mt.state[i] & 0x80000000) | (mt.state[(i+1)%624] & 0x7fffffff)
			v := mt.state[(i+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			mt.state[i] = v
		}
		mt.index = 0
	}
	y := mt.state[mt.index]
	mt.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// FABMixture is FAB's 2-D mixture of n components with means FABMeans(n, loc) (uniform in
// [−loc, loc)²), each N(μ_k, softplus(1)² I) with softplus(1) = 1.3133, equal weights, the
// sampler working in x/scale coordinates and 2-D plots spanning ±plotHalfWidth. GMM-40, the
// IWSM paper code's GMM-80 and GMM-120, and our dense GMM-120 are four of them.
func FABMixture(name string, n int, loc, scale, plotHalfWidth float64) (*Target, error) {
	if n < 1 || !(loc > 0) || !(scale > 0) {
		return nil, errors.Errorf("FAB mixture %s: need n ≥ 1 and positive loc and scale, got %d, %g, %g", name, n, loc, scale)
	}
	return fabTarget(name, FABMeans(n, loc), loc, scale, plotHalfWidth, nil,
		fmt.Sprintf("%d-mode Gaussian mixture (FAB recipe), means in [-%g,%g]², std 1.3133, trained on x/%g", n, loc, loc, scale))
}

// fabTarget builds a 2-D mixture target with std softplus(1) from its means (target
// coordinates; nil weights are equal weights), the means' box half-width box, in x/scale
// sampler coordinates.
func fabTarget(name string, means [][]float64, box, scale, plotHalfWidth float64, weights []float64, description string) (*Target, error) {
	mix, err := NewMixture(means, math.Log1p(math.E), weights)
	if err != nil {
		return nil, errors.WithMessage(err, name)
	}
	mix.Box = box
	scaled := mix.Scaled(scale)
	return &Target{Name: name, Dim: 2, Scale: scale, Mixture: scaled, Energy: scaled.Energy(), EnergyAndGradient: scaled.EnergyAndGradient(),
		PlotHalfWidth: plotHalfWidth, Description: description}, nil
}

// GMM80 is the IWSM paper code's 80-mode mixture (configs/energy/gmm80.yaml of the public
// repository Wastedzz/DEM, which appears to be the paper's code): FAB's recipe with loc_scaling
// 80, so means uniform in [−80, 80]² whose first 40 are GMM-40's times 2, std 1.3133, equal
// weights; the network works in x/100, and plots span ±1.4·80.
func GMM80() (*Target, error) { return FABMixture("gmm80", 80, 80, 100, 1.4*80) }

// GMM120 is the IWSM paper code's 120-mode mixture (configs/energy/gmm120.yaml of
// Wastedzz/DEM): FAB's recipe with loc_scaling 120, means uniform in [−120, 120]² whose first
// 40 are GMM-40's times 3, std 1.3133, equal weights; the network works in x/150, and plots
// span ±1.4·120. Its modes are as far apart, relative to their width, as GMM-40's three
// times over: a sparse target, not a crowded one.
func GMM120() (*Target, error) { return FABMixture("gmm120", 120, 120, 150, 1.4*120) }

// GMM120Dense is our first reading of a 120-mode benchmark, kept under a name that says what
// it is: FAB's recipe with 120 components in GMM-40's box [−40, 40]² (its first 40 means are
// GMM-40's), trained on x/50 like GMM-40. Neighbouring components overlap (median
// nearest-mean distance 3.2 = 2.4 standard deviations), so mode coverage is harder to reach
// and to read off than on GMM-40. The paper's code does not use it (see GMM120).
func GMM120Dense() (*Target, error) {
	t, err := FABMixture("gmm120-dense", 120, 40, 50, 50)
	if err != nil {
		return nil, err
	}
	t.Description = "120-mode Gaussian mixture in GMM-40's box [-40,40]² (FAB recipe, our dense variant; not the paper's), std 1.3133, trained on x/50"
	return t, nil
}
