package sde_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/iwsm/sde"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// gaussian is the target N(0, s0² I) in d dimensions; under the VE forward process its
// marginal p_t is N(0, (s0² + σ(t)²) I), whose score −x/(s0² + σ²) is exact.
func gaussian(d int, s0 float64) (*target.Target, sde.ScoreFunc, sde.Geometric) {
	t := target.New("gauss", d, func(x *Node) *Node { return MulScalar(ReduceSum(Square(x), -1), 0.5/(s0*s0)) })
	sched := sde.Geometric{SigmaMin: 1e-3, SigmaMax: 5}
	score := func(_ *model.Scope, x, tt *Node) *Node {
		sig := sched.SigmaNode(tt)
		v := AddScalar(Square(sig), s0*s0)
		return Neg(Div(x, InsertAxes(v, -1)))
	}
	return t, score, sched
}

func generate(t *testing.T, s *sde.SDE, score sde.ScoreFunc, n int, seed uint64) [][]float64 {
	t.Helper()
	backend := xlatest.Backend(t)
	store := model.NewStore()
	if err := store.SetRNGStateFromSeed(int64(seed)); err != nil {
		t.Fatal(err)
	}
	gen, err := sde.NewGenerator(backend, store, s, score)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := gen.Generate(n, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The probability-flow ODE with the exact score is the deterministic map
// x_0 = x_1 · √((s0² + σ_min²)/(s0² + σ_max²)) (every point scales by the ratio of the
// marginal standard deviations). Euler with 2000 steps must land within 1 % of it for each
// prior draw.
func TestProbabilityFlowODEMapsPriorDrawsByTheStdRatio(t *testing.T) {
	const s0, n = 0.7, 64
	tg, score, sched := gaussian(2, s0)
	s := &sde.SDE{Schedule: sched, Target: tg, Steps: 2000, DiffusionScale: 1, ProbabilityFlow: true}
	rows := generate(t, s, score, n, 3)
	prior := s.Prior(rand.New(rand.NewPCG(3, 1)), n) // the same draws Generate started from
	ratio := math.Sqrt((s0*s0 + sched.SigmaMin*sched.SigmaMin) / (s0*s0 + sched.SigmaMax*sched.SigmaMax))
	for i, r := range rows {
		for j, v := range r {
			want := float64(prior[i*2+j]) * ratio
			if math.Abs(v-want) > 0.01*math.Abs(want)+1e-4 {
				t.Fatalf("sample %d coordinate %d: %v, closed form %v", i, j, v, want)
			}
		}
	}
}

// The reverse SDE with the exact score turns prior draws into samples of the target: their
// variance is s0² + σ_min² within Monte Carlo error (4000 samples in 2-D: ±3 % at 2σ), and
// their mean is 0.
func TestReverseSDEWithExactScoreSamplesTheTarget(t *testing.T) {
	const s0, n = 0.7, 4000
	tg, score, sched := gaussian(2, s0)
	s := &sde.SDE{Schedule: sched, Target: tg, Steps: 500, DiffusionScale: 1}
	rows := generate(t, s, score, n, 5)
	var m, v float64
	for _, r := range rows {
		for _, x := range r {
			m += x
			v += x * x
		}
	}
	m /= 2 * n
	v = v/(2*n) - m*m
	want := s0*s0 + sched.SigmaMin*sched.SigmaMin
	if math.Abs(v-want) > 0.05*want || math.Abs(m) > 0.05 {
		t.Errorf("mean %.4f variance %.4f, want 0 and %.4f", m, v, want)
	}
	// With half the diffusion (and the same drift) the sampler no longer targets p_0: the
	// test above can fail.
	s.DiffusionScale = 0.5
	rows = generate(t, s, score, n, 5)
	v = 0
	for _, r := range rows {
		for _, x := range r {
			v += x * x
		}
	}
	if v /= 2 * n; math.Abs(v-want) < 0.1*want {
		t.Errorf("diffusion scale 0.5: variance %.4f still matches %.4f", v, want)
	}
}

// Forward noising adds σ(t) z: the difference x_t − x_0 has standard deviation σ(t), and for
// particle systems it has no centre-of-mass component.
func TestForwardNoisingAndProjection(t *testing.T) {
	backend := xlatest.Backend(t)
	dw := target.DW4()
	s := &sde.SDE{Schedule: sde.Geometric{SigmaMin: 0.01, SigmaMax: 3}, Target: dw, Steps: 1, DiffusionScale: 1}
	store := model.NewStore()
	_ = store.SetRNGStateFromSeed(1)
	exec, err := model.NewExec(backend, store, func(scope *model.Scope, x0, tt *Node) *Node {
		xt, _ := s.Forward(scope, x0, tt)
		return Sub(xt, x0)
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	x0 := make([]float32, n*dw.Dim)
	for i := range x0 {
		x0[i] = float32(i%11) - 5
	}
	tt := make([]float32, n)
	for i := range tt {
		tt[i] = 0.6
	}
	out, err := exec.Call1(tensors.FromFlatDataAndDimensions(x0, n, dw.Dim), tt)
	if err != nil {
		t.Fatal(err)
	}
	diff := out.Value().([][]float32)
	sig := s.Schedule.Sigma(0.6)
	var v float64
	for _, r := range diff {
		for k := 0; k < 2; k++ {
			com := 0.0
			for p := 0; p < 4; p++ {
				com += float64(r[p*2+k])
			}
			if math.Abs(com) > 1e-4 {
				t.Fatalf("noise has a centre-of-mass component %v", com)
			}
		}
		for _, x := range r {
			v += float64(x) * float64(x)
		}
	}
	// Projected noise keeps (d − spatial)/d of the variance: 6 of 8 dimensions for DW-4.
	v /= n * float64(dw.Dim)
	if want := sig * sig * 6 / 8; math.Abs(v-want) > 0.03*want {
		t.Errorf("noise variance %.5g, want σ² · 6/8 = %.5g", v, want)
	}
}

// Bad settings are one clear error.
func TestSamplerValidate(t *testing.T) {
	tg, _, sched := gaussian(2, 1)
	for name, s := range map[string]sde.SDE{
		"no steps":       {Schedule: sched, Target: tg, DiffusionScale: 1},
		"no target":      {Schedule: sched, Steps: 10, DiffusionScale: 1},
		"inverted sigma": {Schedule: sde.Geometric{SigmaMin: 2, SigmaMax: 1}, Target: tg, Steps: 10, DiffusionScale: 1},
		"zero diffusion": {Schedule: sched, Target: tg, Steps: 10},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Samples whose path leaves the finite numbers (here prior draws that are already NaN or
// infinite) are left out of the rows and named by a *NonFiniteError; the others are exactly
// what the same draws give without them.
func TestGenerateFromLeavesOutNonFiniteSamples(t *testing.T) {
	const s0, n = 0.7, 6
	tg, score, sched := gaussian(2, s0)
	s := &sde.SDE{Schedule: sched, Target: tg, Steps: 50, DiffusionScale: 1, ProbabilityFlow: true}
	gen, err := sde.NewGenerator(xlatest.Backend(t), model.NewStore(), s, score)
	if err != nil {
		t.Fatal(err)
	}
	prior := s.Prior(rand.New(rand.NewPCG(5, 1)), n)
	clean, err := gen.GenerateFrom(prior)
	if err != nil || len(clean) != n {
		t.Fatalf("finite draws: %d rows, %v", len(clean), err)
	}
	prior[2*2+1] = float32(math.NaN())
	prior[4*2] = float32(math.Inf(1))
	rows, err := gen.GenerateFrom(prior)
	var nf *sde.NonFiniteError
	if !errors.As(err, &nf) || !slices.Equal(nf.Samples, []int{2, 4}) || nf.Total != n {
		t.Fatalf("error %v, want a NonFiniteError naming samples 2 and 4 of %d", err, n)
	}
	if !strings.Contains(err.Error(), "2 of 6 samples (first: sample 2)") {
		t.Errorf("message %q", err)
	}
	want := [][]float64{clean[0], clean[1], clean[3], clean[5]}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("the finite samples %v, want %v", rows, want)
	}
}

// LeaveOutNonFinite lets a caller go on with the finite rows of a run in which some samples
// diverged, and with nothing else: another error, or a run with no row left, is passed on.
func TestLeaveOutNonFinite(t *testing.T) {
	rows := [][]float64{{1, 2}}
	diverged := &sde.NonFiniteError{Samples: []int{1, 3}, Total: 4}
	left, err := sde.LeaveOutNonFinite(rows, fmt.Errorf("wrapped: %w", diverged))
	if err != nil || left != diverged || left.LeftOut() != 2 {
		t.Errorf("some rows left: left %v (%d), err %v; want the NonFiniteError (2) and no error", left, left.LeftOut(), err)
	}
	if left, err := sde.LeaveOutNonFinite(nil, diverged); err != diverged || left != nil {
		t.Errorf("every sample diverged: left %v, err %v; want the error passed on", left, err)
	}
	other := errors.New("backend failed")
	if left, err := sde.LeaveOutNonFinite(rows, other); err != other || left != nil {
		t.Errorf("another error: left %v, err %v; want it passed on", left, err)
	}
	if left, err := sde.LeaveOutNonFinite(rows, nil); err != nil || left != nil || left.LeftOut() != 0 {
		t.Errorf("no error: left %v, err %v; want nothing left out", left, err)
	}
}
