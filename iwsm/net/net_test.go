package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// rotation returns a 3-D rotation matrix from three angles.
func rotation(a, b, c float64) [3][3]float64 {
	rz := [3][3]float64{{math.Cos(a), -math.Sin(a), 0}, {math.Sin(a), math.Cos(a), 0}, {0, 0, 1}}
	ry := [3][3]float64{{math.Cos(b), 0, math.Sin(b)}, {0, 1, 0}, {-math.Sin(b), 0, math.Cos(b)}}
	rx := [3][3]float64{{1, 0, 0}, {0, math.Cos(c), -math.Sin(c)}, {0, math.Sin(c), math.Cos(c)}}
	mul := func(p, q [3][3]float64) (r [3][3]float64) {
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 3; k++ {
					r[i][j] += p[i][k] * q[k][j]
				}
			}
		}
		return
	}
	return mul(mul(rz, ry), rx)
}

func TestEGNNIsEquivariant(t *testing.T) {
	backend := xlatest.Backend(t)
	const B, n, s = 3, 5, 3
	net := EGNN{Particles: n, SpatialDim: s, Hidden: 16, Layers: 2}
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x, tt *Node) *Node {
		return net.Score(scope, x, tt)
	})
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, B*n*s)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	times := []float64{0.1, 0.5, 0.9}
	run := func(x []float64) []float64 {
		out := exec.MustCall1(tensors.FromFlatDataAndDimensions(x, B, n*s), tensors.FromFlatDataAndDimensions(times, B))
		return tensors.MustCopyFlatData[float64](out)
	}
	s1 := run(x)
	R := rotation(0.3, -1.1, 2.0)
	shift := [3]float64{1.5, -2, 0.7}
	perm := rng.Perm(n)
	transform := func(v []float64, translate bool) []float64 {
		out := make([]float64, len(v))
		for b := 0; b < B; b++ {
			for i := 0; i < n; i++ {
				src := v[(b*n+perm[i])*s : (b*n+perm[i]+1)*s]
				for k := 0; k < 3; k++ {
					acc := 0.0
					for j := 0; j < 3; j++ {
						acc += R[k][j] * src[j]
					}
					if translate {
						acc += shift[k]
					}
					out[(b*n+i)*s+k] = acc
				}
			}
		}
		return out
	}
	s2 := run(transform(x, true))
	want := transform(s1, false)
	nonzero := 0.0
	for i := range want {
		if math.Abs(s2[i]-want[i]) > 1e-9 {
			t.Fatalf("component %d: score of transformed input %v, transformed score %v", i, s2[i], want[i])
		}
		nonzero += math.Abs(want[i])
	}
	if nonzero == 0 {
		t.Fatal("score is identically zero: the test would not detect anything")
	}
	// The score has no centre-of-mass component.
	for b := 0; b < B; b++ {
		for k := 0; k < s; k++ {
			sum := 0.0
			for i := 0; i < n; i++ {
				sum += s1[(b*n+i)*s+k]
			}
			if math.Abs(sum) > 1e-9 {
				t.Errorf("batch %d axis %d: centre of mass of the score is %v", b, k, sum)
			}
		}
	}
}

func TestMLPShape(t *testing.T) {
	backend := xlatest.Backend(t)
	out := model.MustExecOnce(backend, model.NewStore(), func(scope *model.Scope, x, tt *Node) *Node {
		return DefaultMLP().Score(scope, x, tt)
	}, [][]float32{{0.1, 0.2}, {0.3, -0.4}}, []float32{0.2, 0.7})
	if got := out.Shape().Dimensions; len(got) != 2 || got[0] != 2 || got[1] != 2 {
		t.Fatalf("MLP output shape %v, want [2 2]", got)
	}
}

// TestEGNNMatchesLoopImplementation checks the graph EGNN against a direct host-side
// transcription of iDEM's E_GCL layer (per-edge concatenated features, explicit loops over
// particle pairs), with every weight set to random values read back from the store.
func TestEGNNMatchesLoopImplementation(t *testing.T) {
	backend := xlatest.Backend(t)
	const B, n, s, H, L = 2, 4, 2, 6, 2
	cfg := EGNN{Particles: n, SpatialDim: s, Hidden: H, Layers: L}
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x, tt *Node) *Node {
		return cfg.Score(scope, x, tt)
	})
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, B*n*s)
	for i := range x {
		x[i] = 2 * rng.NormFloat64()
	}
	x[2], x[3] = x[0]+0.05, x[1]-0.02 // two nearly overlapping particles
	times := []float64{0.2, 0.8}
	run := func() []float64 {
		out := exec.MustCall1(tensors.FromFlatDataAndDimensions(x, B, n*s), tensors.FromFlatDataAndDimensions(times, B))
		return tensors.MustCopyFlatData[float64](out)
	}
	run() // creates the variables
	w := map[string][]float64{}
	for v := range store.IterVariables() {
		if !v.Shape().DType.IsFloat() {
			continue
		}
		vals := make([]float64, v.Shape().Size())
		for i := range vals {
			vals[i] = 0.7 * rng.NormFloat64()
		}
		v.MustSetValue(tensors.FromFlatDataAndDimensions(vals, v.Shape().Dimensions...))
		w[v.Path()] = vals
	}
	got := run()

	swish := func(v float64) float64 { return v / (1 + math.Exp(-v)) }
	// dense applies the layer at path (weights [in, out] row-major, optional biases).
	dense := func(path string, in []float64, out int) []float64 {
		W, b := w[path+"/dense/weights"], w[path+"/dense/biases"]
		if W == nil || len(W) != len(in)*out {
			t.Fatalf("variable %s/dense/weights missing or of the wrong size", path)
		}
		y := make([]float64, out)
		for o := range y {
			if b != nil {
				y[o] = b[o]
			}
			for i, v := range in {
				y[o] += v * W[i*out+o]
			}
		}
		return y
	}
	apply := func(f func(float64) float64, v []float64) []float64 {
		for i := range v {
			v[i] = f(v[i])
		}
		return v
	}
	for b := 0; b < B; b++ {
		emb := make([]float64, 32)
		for i := 0; i < 16; i++ {
			f := math.Exp(-math.Log(10000) * float64(i) / 16)
			emb[i], emb[16+i] = math.Sin(times[b]*f), math.Cos(times[b]*f)
		}
		h := make([][]float64, n)
		pos, pos0 := make([][]float64, n), make([][]float64, n)
		for i := range h {
			h[i] = dense("/embed", emb, H)
			pos[i] = append([]float64{}, x[(b*n+i)*s:(b*n+i+1)*s]...)
			pos0[i] = append([]float64{}, pos[i]...)
		}
		sqDist := func(p [][]float64, i, j int) float64 {
			d := 0.0
			for k := 0; k < s; k++ {
				d += (p[i][k] - p[j][k]) * (p[i][k] - p[j][k])
			}
			return d
		}
		for l := 0; l < L; l++ {
			p := func(name string) string { return "/layer_" + string(rune('0'+l)) + name }
			// First edge layer as one matrix over the concatenation [h_i, h_j, d², d⁰²].
			Wi, Wj := w[p("/edge/from_i/dense/weights")], w[p("/edge/from_j/dense/weights")]
			Wd, Wd0, b1 := w[p("/edge/from_dist/dense/weights")], w[p("/edge/from_dist0/dense/weights")], w[p("/edge/from_i/dense/biases")]
			newPos := make([][]float64, n)
			newH := make([][]float64, n)
			for i := 0; i < n; i++ {
				newPos[i] = append([]float64{}, pos[i]...)
				agg := make([]float64, H)
				for j := 0; j < n; j++ {
					if j == i {
						continue
					}
					concat := append(append(append(append([]float64{}, h[i]...), h[j]...), sqDist(pos, i, j)), sqDist(pos0, i, j))
					hid := make([]float64, H)
					for o := 0; o < H; o++ {
						hid[o] = b1[o]
						for k := 0; k < H; k++ {
							hid[o] += concat[k]*Wi[k*H+o] + concat[H+k]*Wj[k*H+o]
						}
						hid[o] += concat[2*H]*Wd[o] + concat[2*H+1]*Wd0[o]
					}
					m := apply(swish, dense(p("/edge/out"), apply(swish, hid), H))
					att := 1 / (1 + math.Exp(-dense(p("/attention"), m, 1)[0]))
					for k := range m {
						m[k] *= att
						agg[k] += m[k]
					}
					gate := math.Tanh(dense(p("/coord/out"), apply(swish, dense(p("/coord/hidden"), m, H)), 1)[0])
					norm := math.Sqrt(sqDist(pos, i, j)+1e-8) + 1
					for k := 0; k < s; k++ {
						newPos[i][k] += (pos[i][k] - pos[j][k]) / norm * gate * DefaultCoordsRange / L
					}
				}
				upd := dense(p("/node/out"), apply(swish, dense(p("/node/hidden"), append(append([]float64{}, h[i]...), agg...), H)), H)
				newH[i] = make([]float64, H)
				for k := range upd {
					newH[i][k] = h[i][k] + upd[k]
				}
			}
			pos, h = newPos, newH
		}
		mean := make([]float64, s)
		for i := 0; i < n; i++ {
			for k := 0; k < s; k++ {
				mean[k] += (pos[i][k] - pos0[i][k]) / n
			}
		}
		for i := 0; i < n; i++ {
			for k := 0; k < s; k++ {
				want := pos[i][k] - pos0[i][k] - mean[k]
				if g := got[(b*n+i)*s+k]; math.Abs(g-want) > 1e-9*(1+math.Abs(want)) {
					t.Fatalf("batch %d particle %d axis %d: graph EGNN %v, loop implementation %v", b, i, k, g, want)
				}
			}
		}
	}
}

// iDEM's network (StyleIDEM) against a float64 forward pass on the host from its own
// variables: the embeddings with frequencies exp(−ln 10⁴·i/(half − 1)), a linear layer and
// exact GELU, residual blocks, a linear output; 99,074 parameters at iDEM's size (PyTorch's
// MyMLP with 128 × 3 and embeddings of 128 has as many), every weight and bias inside
// ±1/√fan_in and the biases not zero (PyTorch's nn.Linear initialisation).
func TestIDEMStyleMLP(t *testing.T) {
	backend := xlatest.Backend(t)
	mlp := MLP{Hidden: 128, Layers: 3, EmbedSize: 128, CoordScale: 25, TimeScale: 1, Style: StyleIDEM}
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x, tt *Node) *Node { return mlp.Score(scope, x, tt) })
	xs := []float64{0.3, -0.7, -0.05, 0.9, 1.2, 0.01}
	ts := []float64{0.1, 0.55, 0.97}
	got := tensors.MustCopyFlatData[float64](exec.MustCall1(tensors.FromFlatDataAndDimensions(xs, 3, 2), tensors.FromFlatDataAndDimensions(ts, 3)))
	vals := map[string][]float64{}
	params := 0
	for v := range store.IterVariables() {
		if v.Shape().DType != dtypes.Float64 { // the random number generator's state
			continue
		}
		tv, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		vals[v.Scope()+"/"+v.Name()] = tensors.MustCopyFlatData[float64](tv)
		params += v.Shape().Size()
	}
	if params != 99074 {
		t.Errorf("%d parameters, iDEM's MyMLP has 99074", params)
	}
	layer := func(name string, in []float64, out int) []float64 {
		w, b := vals["/idem_mlp/"+name+"/dense/weights"], vals["/idem_mlp/"+name+"/dense/biases"]
		if w == nil || b == nil {
			t.Fatalf("no variables of layer %s (have %d variables)", name, len(vals))
		}
		bound := 1 / math.Sqrt(float64(len(in)))
		nonzero := false
		for _, v := range append(append([]float64{}, w...), b...) {
			if math.Abs(v) > bound {
				t.Fatalf("layer %s: value %v outside ±%v", name, v, bound)
			}
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			t.Fatalf("layer %s: all zero", name)
		}
		res := make([]float64, out)
		for o := range out {
			res[o] = b[o]
			for i, x := range in {
				res[o] += x * w[i*out+o]
			}
		}
		return res
	}
	gelu := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x * 0.5 * (1 + math.Erf(x/math.Sqrt2))
		}
		return out
	}
	embed := func(v, scale float64) []float64 {
		out := make([]float64, 128)
		for i := range 64 {
			f := math.Exp(-math.Log(10000) * float64(i) / 63)
			out[i], out[64+i] = math.Sin(scale*v*f), math.Cos(scale*v*f)
		}
		return out
	}
	for b := range 3 {
		in := append(append(embed(xs[2*b], 25), embed(xs[2*b+1], 25)...), embed(ts[b], 1)...)
		h := gelu(layer("in", in, 128))
		for i := range 3 {
			r := gelu(layer(fmt.Sprintf("block%d", i), h, 128))
			for k := range h {
				h[k] += r[k]
			}
		}
		want := layer("out", h, 2)
		for j := range 2 {
			if math.Abs(got[2*b+j]-want[j]) > 1e-9 {
				t.Errorf("point %d output %d: %v, host %v", b, j, got[2*b+j], want[j])
			}
		}
	}
}

// TestSinusoidalMatchesSinCosOps checks the embedding (built with gmath.SinCos) against the
// same embedding built with the graph's Sin and Cos ops, which it replaced, at the arguments
// the networks see: coordinates up to ±2 at CoordScale 25 (GMM-40) and times in [0, 1].
func TestSinusoidalMatchesSinCosOps(t *testing.T) {
	backend := xlatest.Backend(t)
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 4096
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(4*rng.Float64() - 2)
	}
	reference := func(v *Node, size int, scale float64) *Node { // the embedding with Sin/Cos ops
		half := size / 2
		freqs := make([]float64, half)
		for i := range freqs {
			freqs[i] = math.Exp(-math.Log(10000) * float64(i) / float64(half))
		}
		f := ConvertDType(Const(v.Graph(), freqs), v.DType())
		arg := Mul(InsertAxes(MulScalar(v, scale), -1), ExpandLeftToRank(f, v.Rank()+1))
		emb := Concatenate([]*Node{Sin(arg), Cos(arg)}, -1)
		dims := v.Shape().Dimensions
		return Reshape(emb, append(append([]int{}, dims[:len(dims)-1]...), dims[len(dims)-1]*2*half)...)
	}
	for _, scale := range []float64{25, 1} {
		outs := MustExecOnceN(backend, func(v *Node) []*Node {
			x := Reshape(v, n/2, 2)
			return []*Node{sinusoidal(x, 128, scale, false), reference(x, 128, scale)}
		}, tensors.FromFlatDataAndDimensions(v, n))
		got, want := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
		worst := 0.0
		for i := range got {
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
		}
		t.Logf("scale %g: largest difference %.2g", scale, worst)
		if worst > 3e-7 {
			t.Errorf("scale %g: embedding differs from the Sin/Cos ops' by up to %g", scale, worst)
		}
	}
}
