package estimator_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/xla"
)

// Candidate stable forms of the proposal density, timed and checked against each other.

// expandedF64 is the expanded form with every op in float64.
func expandedF64(xt, sigma, buffer *Node, dEff int) *Node {
	dt := xt.DType()
	return ConvertDType(expandedFloat32(ConvertDType(xt, dtypes.Float64), ConvertDType(sigma, dtypes.Float64),
		ConvertDType(buffer, dtypes.Float64), dEff), dt)
}

// augmentedF64 forms the logits x·b/σ² − ||b||²/(2σ²) as one float64 matrix product of
// [x/σ², −1/(2σ²)] with [b, ||b||²]; ||x||²/(2σ²) leaves the log-sum-exp.
func augmentedF64(xt, sigma, buffer *Node, dEff int) *Node {
	return augmented(xt, sigma, buffer, dEff, false)
}

// augmentedF64Exp32 is augmentedF64 with the shifted exponentials and their sum in float32.
func augmentedF64Exp32(xt, sigma, buffer *Node, dEff int) *Node {
	return augmented(xt, sigma, buffer, dEff, true)
}

func augmented(xt, sigma, buffer *Node, dEff int, exp32 bool) *Node {
	dt := xt.DType()
	n := buffer.Shape().Dimensions[0]
	x, s, b := ConvertDType(xt, dtypes.Float64), ConvertDType(sigma, dtypes.Float64), ConvertDType(buffer, dtypes.Float64)
	s2 := Square(Reshape(s, -1, 1))                                            // [B,1]
	inv := Inverse(s2)                                                         // 1/σ²
	lhs := Concatenate([]*Node{Mul(x, inv), MulScalar(inv, -0.5)}, 1)          // [B,d+1]
	rhs := Concatenate([]*Node{b, ReduceAndKeep(Square(b), ReduceSum, -1)}, 1) // [N,d+1]
	logits := Einsum("bd,nd->bn", lhs, rhs)
	var lse *Node
	if exp32 {
		m := StopGradient(ReduceAndKeep(logits, ReduceMax, 1))
		sh := ConvertDType(Sub(logits, m), dt)
		lse = Add(ConvertDType(Log(ReduceSum(Exp(sh), 1)), dtypes.Float64), Squeeze(m, 1))
	} else {
		lse = gmath.LogSumExp(logits, 1)
	}
	xSq := Mul(ReduceSum(Square(x), -1), MulScalar(Reshape(inv, -1), 0.5))
	logNorm := MulScalar(Log(MulScalar(Reshape(s2, -1), 2*math.Pi)), -0.5*float64(dEff))
	return ConvertDType(Add(AddScalar(Sub(lse, xSq), -math.Log(float64(n))), logNorm), dt)
}

// direct32 forms the squared distances from the differences x − b_j ([B, N, d]) in the
// graph's dtype.
func direct32(xt, sigma, buffer *Node, dEff int) *Node {
	n := buffer.Shape().Dimensions[0]
	diff := Sub(InsertAxes(xt, 1), InsertAxes(buffer, 0)) // [B,N,d]
	sq := ReduceSum(Square(diff), -1)
	s2 := Square(Reshape(sigma, -1, 1))
	lse := gmath.LogSumExp(Div(sq, MulScalar(s2, -2)), 1)
	logNorm := MulScalar(Log(MulScalar(Reshape(s2, -1), 2*math.Pi)), -0.5*float64(dEff))
	return Add(AddScalar(lse, -math.Log(float64(n))), logNorm)
}

// chunked evaluates f on gmath.ParallelChunks pieces of the batch.
func chunked(f proposalFunc) proposalFunc {
	return func(xt, sigma, buffer *Node, dEff int) *Node {
		return gmath.InBatchChunks(gmath.ParallelChunks, []*Node{xt, sigma}, func(_ int, in []*Node) []*Node {
			return []*Node{f(in[0], in[1], buffer, dEff)}
		})[0]
	}
}

var candidates = []struct {
	name string
	f    proposalFunc
}{
	{"BufferLogDensity", estimator.BufferLogDensity},
	{"expanded32", expandedFloat32},
	{"expanded64", expandedF64},
	{"augmented64", augmentedF64},
	{"augmented64exp32", augmentedF64Exp32},
	{"direct32", direct32},
	{"expanded64x4", chunked(expandedF64)},
	{"direct32x4", chunked(direct32)},
	{"augmented64x4", chunked(augmentedF64)},
}

// BenchmarkProposalCandidates times each candidate at the training sizes: batch 512, a full
// buffer of 10,000, d = 2 (GMM), 8 (DW-4), 39 (LJ-13), and batch 128 at d = 165 (LJ-55), and reports its CPU time per call and
// its worst error (max-err-nats) on the cases of TestBufferLogDensityFloat32MatchesFloat64.
//
//	go test ./iwsm/estimator/ -run XXX -bench ProposalCandidates -benchtime 5x
func BenchmarkProposalCandidates(b *testing.B) {
	backend, err := xla.NewGoBackend()
	if err != nil {
		b.Fatal(err)
	}
	cases := precisionCases(b, 2000, 8, 16)
	worst := map[string]float64{}
	for _, c := range candidates {
		worst[c.name], _ = proposalErrors(b, backend, c.f, cases)
	}
	const N = 10000
	for _, size := range []struct{ B, d int }{{512, 2}, {512, 8}, {512, 39}, {128, 165}} {
		B, d := size.B, size.d
		rng := rand.New(rand.NewPCG(1, uint64(d)))
		x, buf, sig := make([]float32, B*d), make([]float32, N*d), make([]float32, B)
		for i := range buf {
			buf[i] = float32(rng.NormFloat64())
		}
		for i := range x {
			x[i] = buf[i] + float32(1e-3*rng.NormFloat64())
		}
		for i := range sig {
			sig[i] = float32(math.Pow(10, -5+5*float64(i)/float64(B)))
		}
		xt, st, bt := tensors.FromFlatDataAndDimensions(x, B, d), tensors.FromFlatDataAndDimensions(sig, B),
			tensors.FromFlatDataAndDimensions(buf, N, d)
		for _, c := range candidates {
			if d > 100 && strings.HasPrefix(c.name, "direct") {
				continue // [128, 10000, 165] float32 intermediates are 845 MB each
			}
			b.Run(c.name+"/d="+strconv.Itoa(d), func(b *testing.B) {
				exec := MustNewExec(backend, func(x, s, buf *Node) *Node { return c.f(x, s, buf, d) })
				defer exec.Finalize()
				exec.MustExec(xt, st, bt)[0].MustFinalizeAll() // compile
				cpu0 := cpuSeconds()
				for b.Loop() {
					exec.MustExec(xt, st, bt)[0].MustFinalizeAll()
				}
				// CPU time per call is steadier than wall time on a shared, loaded machine.
				b.ReportMetric((cpuSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
				b.ReportMetric(worst[c.name], "max-err-nats")
			})
		}
	}
}

// cpuSeconds is this process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
