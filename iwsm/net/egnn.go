package net

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// DefaultCoordsRange is iDEM's bound on the coordinate update summed over the layers
// (EGNN coords_range = 15, spread evenly over the layers).
const DefaultCoordsRange = 15

// EGNN configures the E(n)-equivariant graph network (Satorras et al. 2021) in the form
// iDEM uses for particle systems (jarridrb/DEM, EGNN_dynamics with attention, tanh and
// sum aggregation). Each layer computes edge messages
//
//	m_ij = a_ij · φ_e(h_i, h_j, |x_i − x_j|², |x⁰_i − x⁰_j|²),  a_ij = sigmoid(w·φ_e(…))
//
// on the fully connected graph (x⁰ are the input positions), moves the particles by
//
//	x_i += Σ_{j≠i} (x_i − x_j)/(|x_i − x_j| + 1) · tanh(φ_x(m_ij)) · CoordsRange/Layers
//
// and updates the features h_i += φ_h(h_i, Σ_j m_ij). The score is the total displacement
// with its centre of mass removed, so rotating, translating or permuting the particles
// rotates or permutes the score in the same way. The normalised directions and the sum
// over neighbours let one layer move a particle by up to (n−1)·CoordsRange/Layers whatever
// the distances: the score must be large where particles overlap.
type EGNN struct {
	// Particles and SpatialDim describe the system (e.g. 13 and 3 for LJ-13).
	Particles  int `json:"particles"`
	SpatialDim int `json:"spatial_dim"`
	// Hidden is the feature width and Layers the number of message-passing layers
	// (iDEM: 128 and 3 for DW-4, 128 and 5 for LJ-13/LJ-55).
	Hidden int `json:"hidden"`
	Layers int `json:"layers"`
	// CoordsRange bounds the tanh-gated coordinate update summed over the layers; 0 means
	// DefaultCoordsRange.
	CoordsRange float64 `json:"coords_range,omitempty"`
}

// coordsRangePerLayer is CoordsRange/Layers, iDEM's coords_range_layer.
func (c EGNN) coordsRangePerLayer() float64 {
	r := c.CoordsRange
	if r == 0 {
		r = DefaultCoordsRange
	}
	return r / float64(c.Layers)
}

// mlp is Linear → SiLU → Linear, the shape of iDEM's node and coordinate MLPs.
func (c EGNN) mlp(scope *model.Scope, x *Node, out int) *Node {
	hidden := activation.Swish(torchLinear(scope.In("hidden"), x, c.Hidden))
	return torchLinear(scope.In("out"), hidden, out)
}

// torchInit is scope with PyTorch's nn.Linear initialisation for a layer of fanIn inputs:
// weights and biases uniform in ±1/√fanIn. Every layer of the EGNN but the last of φ_x
// starts so, as iDEM's. GoMLX's default (He: normal, standard deviation √(2/fanIn), √2 for
// the distance inputs' own one-input layers) made the untrained LJ-13 network far from the
// near-zero score the gain-0.001 gate is meant to give: on the squared distances of strongly
// noised configurations (tens at σ = 2) its score had an rms of 0.6 to 20 per coordinate, and
// training on data never brought the loss below a zero predictor's.
func torchInit(scope *model.Scope, fanIn int) *model.Scope {
	bound := 1 / math.Sqrt(float64(fanIn))
	return scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound))
}

// edgeMLP is φ_e(h_i, h_j, d²_ij, d⁰²_ij): Linear → SiLU → Linear → SiLU on every edge, for
// node features h [B,n,H] and squared distances d2, d02 [B,n,n−1,1] of the edges (i, j≠i)
// laid out as in neighbours. Its first layer, a linear map of the concatenation [h_i, h_j,
// d², d⁰²], is computed as A h_i + B h_j + c d² + e d⁰² + b: the products A h and B h are
// taken once per particle and then spread over the edges, n times fewer operations than
// applying the layer to the concatenated edge features (the same function).
func (c EGNN) edgeMLP(scope *model.Scope, h, d2, d02 *Node) *Node {
	n := h.Shape().Dimensions[1]
	fanIn := 2*c.Hidden + 2                                                                // of the concatenated layer: its four parts start as its slices would
	fromI := layers.Dense(torchInit(scope.In("from_i"), fanIn), h, true, c.Hidden)         // [B,n,H], with the bias
	fromJ := layers.Dense(torchInit(scope.In("from_j"), fanIn), h, false, c.Hidden)        // [B,n,H]
	fromD := layers.Dense(torchInit(scope.In("from_dist"), fanIn), d2, false, c.Hidden)    // [B,n,n−1,H]
	fromD0 := layers.Dense(torchInit(scope.In("from_dist0"), fanIn), d02, false, c.Hidden) // [B,n,n−1,H]
	hidden := Add(Add(Add(InsertAxes(fromI, 2), neighbours(fromJ, n)), fromD), fromD0)
	return activation.Swish(torchLinear(scope.In("out"), activation.Swish(hidden), c.Hidden))
}

// neighbours spreads per-particle values x [B,n,F] over the n(n−1) edges (i, j≠i) of the
// fully connected graph: the result [B,n,n−1,F] holds in row i the values of particles
// i+1, …, i+n−1 (mod n). Only real edges are built, so no work goes to the n self-edges
// (a quarter of the n² pairs for DW-4) and no mask is needed; a sum over axis 2 is a sum
// over the neighbours j ≠ i. Each shift is a slice of x repeated twice along the particles.
func neighbours(x *Node, n int) *Node {
	doubled := Concatenate([]*Node{x, x}, 1) // [B,2n,F]
	shifts := make([]*Node, n-1)
	for k := 1; k < n; k++ {
		shifts[k-1] = InsertAxes(SliceAxis(doubled, 1, AxisRange(k, k+n)), 2) // [B,n,1,F]: x_{i+k}
	}
	if len(shifts) == 1 {
		return shifts[0]
	}
	return Concatenate(shifts, 2)
}

// coordGate is tanh(φ_x(m)) with φ_x = Linear → SiLU → Linear(no bias), the last layer
// initialised near zero (iDEM: Xavier with gain 0.001) so that training starts from a
// network that barely moves the particles.
func (c EGNN) coordGate(scope *model.Scope, m *Node) *Node {
	hidden := activation.Swish(torchLinear(scope.In("hidden"), m, c.Hidden))
	limit := 0.001 * math.Sqrt(6/float64(c.Hidden+1))
	last := scope.In("out").WithInitializer(initializer.RandomUniformFn(scope, -limit, limit))
	return Tanh(layers.Dense(last, hidden, false, 1))
}

// Score returns s_θ(x, t) for x [B, Particles*SpatialDim] and t [B].
func (c EGNN) Score(scope *model.Scope, x, t *Node) *Node {
	B, n, s := x.Shape().Dimensions[0], c.Particles, c.SpatialDim
	pos0 := Reshape(x, B, n, s)
	pos := pos0
	// Node features start from a sinusoidal embedding of time, the same for every particle.
	temb := sinusoidal(InsertAxes(t, -1), 32, 1, false) // [B, 32]
	h := torchLinear(scope.In("embed"), temb, c.Hidden)
	h = BroadcastToDims(InsertAxes(h, 1), B, n, c.Hidden)
	var d02 *Node
	for l := 0; l < c.Layers; l++ {
		ls := scope.In("layer_%d", l)
		diff := Sub(InsertAxes(pos, 2), neighbours(pos, n)) // [B,n,n−1,s]: x_i − x_j
		d2 := ReduceAndKeep(Square(diff), ReduceSum, -1)    // [B,n,n−1,1]
		if d02 == nil {
			d02 = d2 // the input's squared distances, an edge attribute of every layer
		}
		m := c.edgeMLP(ls.In("edge"), h, d2, d02)
		m = Mul(m, Sigmoid(torchLinear(ls.In("attention"), m, 1))) // attention gate
		dir := Div(diff, OnePlus(Sqrt(AddScalar(d2, 1e-8))))       // (x_i − x_j)/(|x_i − x_j| + 1)
		step := MulScalar(c.coordGate(ls.In("coord"), m), c.coordsRangePerLayer())
		pos = Add(pos, ReduceSum(Mul(dir, step), 2))
		agg := ReduceSum(m, 2) // [B,n,H]: Σ_{j≠i} m_ij
		h = Add(h, c.mlp(ls.In("node"), Concatenate([]*Node{h, agg}, -1), c.Hidden))
	}
	v := Sub(pos, pos0)
	v = Sub(v, ReduceAndKeep(v, ReduceMean, 1))
	return Reshape(v, B, n*s)
}
