package gmath

import (
	. "github.com/gomlx/gomlx/core/graph"
)

// LogSumExp returns log Σ exp(x) over axis, computed stably by shifting with the maximum
// (GoMLX has no such op). The maximum is treated as a constant for autodiff, which leaves
// the gradient exact (it is softmax(x)) and avoids the sub-gradient of ReduceMax.
// Entries equal to -Inf are allowed as long as one entry per reduction is finite.
func LogSumExp(x *Node, axis int) *Node {
	m := StopGradient(ReduceAndKeep(x, ReduceMax, axis))
	// Guard all -Inf rows: keep the shift finite.
	m = Where(IsFinite(m), m, ZerosLike(m))
	s := ReduceSum(Exp(Sub(x, m)), axis)
	return Add(Log(s), Squeeze(m, axis))
}

// ClipByNorm rescales each vector along the last axis whose Euclidean norm exceeds maxNorm
// to have norm maxNorm (the score-norm clipping of iDEM and IWSM). maxNorm <= 0 disables it.
func ClipByNorm(x *Node, maxNorm float64) *Node {
	if maxNorm <= 0 {
		return x
	}
	return Mul(x, ClipScale(L2Norm(x, -1), maxNorm)) // L2Norm keeps the axis
}

// ClipScale returns min(1, maxNorm/norm), the factor that brings a vector of the given
// norm down to maxNorm (used for per-vector score clipping and global gradient clipping).
func ClipScale(norm *Node, maxNorm float64) *Node {
	return Min(OnesLike(norm), MulScalar(Inverse(Max(norm, Scalar(norm.Graph(), norm.DType(), 1e-12))), maxNorm))
}

// RemoveMean subtracts, for particle configurations flattened as [..., n*spatial], the
// centre of mass of the n particles, projecting onto the zero-centre-of-mass subspace.
func RemoveMean(x *Node, nParticles, spatialDim int) *Node {
	dims := x.Shape().Dimensions
	batch := dims[:len(dims)-1]
	p := Reshape(x, append(append([]int{}, batch...), nParticles, spatialDim)...)
	p = Sub(p, ReduceAndKeep(p, ReduceMean, -2))
	return Reshape(p, dims...)
}

// ParallelChunks is how many independent pieces InBatchChunks cuts a batch into. GoMLX's Go
// backend runs each elementwise op on one core, but runs independent ops at the same time;
// four pieces of one batch keep two cores busy through the long chains of elementwise ops of
// the network and the energy (the measured gains are in the README's Performance section).
// It is a constant, not the machine's core count, so that the same seed gives the same
// numbers on every machine.
const ParallelChunks = 4

// InBatchChunks evaluates f on `chunks` consecutive slices along axis 0 of every input and
// concatenates each of f's outputs along axis 0: the same result as f on the whole batch
// when f treats the rows independently, built as independent subgraphs that a backend can
// run in parallel. chunk is the piece's index (0 first), for callers that must create
// model variables in the first piece and share them in the others. Batches smaller than
// 2·chunks, or chunks < 2, are evaluated in one piece. inputs must not be empty; all of them
// share the batch axis 0.
func InBatchChunks(chunks int, inputs []*Node, f func(chunk int, inputs []*Node) []*Node) []*Node {
	B := inputs[0].Shape().Dimensions[0]
	if chunks < 2 || B < 2*chunks {
		return f(0, inputs)
	}
	var pieces [][]*Node
	for c := range chunks {
		r := AxisRange(c*B/chunks, (c+1)*B/chunks)
		sliced := make([]*Node, len(inputs))
		for i, in := range inputs {
			sliced[i] = SliceAxis(in, 0, r)
		}
		pieces = append(pieces, f(c, sliced))
	}
	outputs := make([]*Node, len(pieces[0]))
	for o := range outputs {
		parts := make([]*Node, chunks)
		for c := range pieces {
			parts[c] = pieces[c][o]
		}
		outputs[o] = Concatenate(parts, 0)
	}
	return outputs
}

// AppendFlat32 appends rows to dst as float32, row after row: the row-major data of a
// [len(rows), d] tensor.
func AppendFlat32(dst []float32, rows [][]float64) []float32 {
	for _, r := range rows {
		for _, v := range r {
			dst = append(dst, float32(v))
		}
	}
	return dst
}

// Rows returns the rows of row-major data of d columns (a [n, d] tensor's), in float64.
func Rows[T float32 | float64](flat []T, d int) [][]float64 {
	rows := make([][]float64, len(flat)/d)
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range rows[i] {
			rows[i][j] = float64(flat[i*d+j])
		}
	}
	return rows
}

// Fuses reports whether g's backend fuses elementwise operations into loops (XLA) rather
// than running each as its own pass over memory (GoMLX's pure-Go backend): graphs choose
// between formulations whose costs order differently on the two.
func Fuses(g *Graph) bool { return g.Backend().String() != "go" }

// Materialise returns its inputs (each of shape [B, ...], the same B) unchanged as the
// output of one matrix product, which XLA computes into memory instead of fusing it into its
// consumers: the inputs, flattened to [B, m_i] and side by side, times the identity (exact
// for finite values: each output is 1·x plus zeros). Without it XLA fuses the operations
// that produce small inputs (noised points x_t = x_0 + σ(t) ε: the exponential of σ(t), the
// Box–Muller transform of ε) into every element of the large [B, K, ...] loops that
// broadcast them, recomputing them K times over: on DW-4's training step that made the Monte
// Carlo estimator several times slower than on the same inputs given as parameters (the
// README has the measurement). XLA's CPU
// compiler removes optimisation barriers before fusing and simplifies away cheaper identities
// (the maximum of two copies). A non-finite input value makes its row's other values NaN
// (0·Inf): callers treat such rows as failed anyway. The pure-Go backend computes every op
// once anyway; this costs it one small product.
func Materialise(inputs ...*Node) []*Node {
	B := inputs[0].Shape().Dimensions[0]
	flat := make([]*Node, 0, len(inputs)+1)
	widths := make([]int, len(inputs))
	total := 0
	for i, x := range inputs {
		flat = append(flat, Reshape(x, B, -1))
		widths[i] = flat[i].Shape().Dimensions[1]
		total += widths[i]
	}
	if total < 2 { // a product over one column is simplified to a multiplication
		flat = append(flat, ZerosLike(flat[0]))
		total++
	}
	g, dt := inputs[0].Graph(), inputs[0].DType()
	eye := make([]float64, total*total)
	for i := 0; i < total; i++ {
		eye[i*total+i] = 1
	}
	out := MatMul(Concatenate(flat, 1), Reshape(ConstAsDType(g, dt, eye), total, total))
	results := make([]*Node, len(inputs))
	start := 0
	for i, x := range inputs {
		results[i] = Reshape(Slice(out, AxisRange(), AxisRange(start, start+widths[i])), x.Shape().Dimensions...)
		start += widths[i]
	}
	return results
}
