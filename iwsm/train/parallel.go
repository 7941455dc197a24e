package train

import (
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/pkg/errors"
)

// BatchAxis is the name of the device mesh's one axis, over which the data-parallel step
// splits the batch.
const BatchAxis = "batch"

// dataParallel runs the gradient step on several devices of one backend with GoMLX's
// AutoSharding strategy (XLA Shardy partitions the graph; nothing here sums anything by
// hand): the batch of buffer points is split over the devices along its first axis, the
// network and the Adam state are replicated (the store's default sharding), and XLA inserts
// the reductions that make the loss, the per-level weights and the gradients those of the
// whole batch, so every device applies the same update.
//
// The step's random numbers (stepDraws) are drawn by a graph of their own whose inputs and
// outputs are all replicated: every device draws the whole batch's numbers from the same
// random state, exactly those the one-device step draws, and the sharded step then uses its
// share of them. Drawn inside the sharded step, XLA would split the random-number generator
// itself and each device would draw other numbers than one device does (the result would
// depend on the device count). The replicated draws cost each device the whole batch's
// random numbers (the estimator's B·K·d normals), a small part of the step.
type dataParallel struct {
	devices int
	mesh    *distributed.DeviceMesh
	// batch splits a tensor's first axis over the mesh; replicated copies it whole.
	batch, replicated *distributed.ShardingSpec
	draws             *model.Exec // stepDraws, replicated
	step              *model.Exec // stepGraphWith: x0 split, buffer, its rows and draws replicated
	// ready is set once the step's variables exist and have values (see prepare).
	ready bool

	// bufferOf is the host buffer whose replicated copy buffer and rows hold, so that the
	// buffer is copied to the devices once per epoch, not once per step.
	bufferOf     *tensors.Tensor
	buffer, rows *dtensor.Tensor
}

// Devices is the number of devices the training step runs on (1 unless Config.Devices asks
// for more).
func (tr *Trainer) Devices() int {
	if tr.parallel == nil {
		return 1
	}
	return tr.parallel.devices
}

// SetDevices makes the training steps run on n devices (Config.Devices; 0 or 1: one device)
// from the next step on. The trainer's backend must have at least n devices: the pure-Go
// backend has one, XLA's CPU plugin makes as many as asked for from one CPU
// (xla.ForDevices). n must divide the batch and the number of noise levels. Evaluation,
// validation and sampling stay on one device. Results do not depend on n beyond the
// rounding of the sums over the batch (tested to float32 tolerance against one device).
func (tr *Trainer) SetDevices(n int) error {
	cfg := tr.Config
	cfg.Devices = n
	if err := cfg.Validate(); err != nil {
		return err
	}
	if n <= 1 {
		if tr.parallel != nil {
			tr.closeParallel()
			if err := tr.shareVariables(nil); err != nil {
				return err
			}
		}
		tr.Config.Devices = n
		return nil
	}
	if tr.parallel != nil && tr.parallel.devices == n {
		tr.Config.Devices = n
		return nil
	}
	if have := tr.backend.NumDevices(); have < n {
		if have == 1 && tr.backend.String() == gobackend.BackendName {
			return errors.Errorf("devices=%d: the pure-Go backend runs on one device; data-parallel training needs "+
				"XLA (IWSM_BACKEND=xla:cpu: its CPU plugin makes several devices from one CPU)", n)
		}
		return errors.Errorf("devices=%d: backend %s has %d device(s)", n, tr.backend.Name(), have)
	}
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{BatchAxis})
	if err != nil {
		return errors.Wrapf(err, "devices=%d: device mesh", n)
	}
	batch, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec{BatchAxis})
	if err != nil {
		return errors.Wrapf(err, "devices=%d: sharding of the batch", n)
	}
	replicated := distributed.NewReplicatedShardingSpec(mesh)
	dp := &dataParallel{devices: n, mesh: mesh, batch: batch, replicated: replicated}
	B := cfg.BatchSize
	if dp.draws, err = model.NewExec(tr.backend, tr.store, func(scope *model.Scope, g *Graph) []*Node {
		t, eps, z := tr.stepDraws(scope, g, dtypes.Float32, B)
		return []*Node{t, eps, z}
	}); err != nil {
		return errors.WithMessage(err, "building the data-parallel step's random draws")
	}
	dp.draws.AutoSharding(mesh).WithOutputShardingSpecs(replicated)
	if dp.step, err = model.NewExec(tr.backend, tr.store, func(scope *model.Scope, in []*Node) []*Node {
		return tr.stepGraphWith(scope, in[0], in[1], in[2], in[3], in[4], in[5], nil)
	}); err != nil {
		return errors.WithMessage(err, "building the data-parallel training step")
	}
	dp.step.AutoSharding(mesh).
		WithInputShardingSpecs(batch, replicated, replicated, replicated, replicated, replicated).
		WithOutputShardingSpecs(replicated)
	tr.closeParallel()
	if err := tr.shareVariables(replicated); err != nil {
		return err
	}
	tr.parallel = dp
	tr.Config.Devices = n
	return nil
}

// shareVariables gives every variable of the store (network, optimiser, random state) the
// sharding spec (replicated on the new mesh; nil: none), after gathering a value that lives
// on the devices of an earlier mesh back into one tensor. GoMLX gives a variable the store's
// default spec when a sharded graph first uses it, but not the random state's variable
// (model v0.28.8 creates it without a link to its store, and the sharded graph then fails on
// it), and never changes a spec once set.
func (tr *Trainer) shareVariables(spec *distributed.ShardingSpec) error {
	for v := range tr.store.IterVariables() {
		if v.HasValue() {
			value, err := v.Value() // merges the shards of a distributed value
			if err != nil {
				return errors.WithMessagef(err, "gathering variable %s from the devices", v.Path())
			}
			if err := v.SetValuePreservingOld(value); err != nil {
				return errors.WithMessagef(err, "variable %s", v.Path())
			}
		}
		if err := v.SetShardingSpec(spec); err != nil {
			return errors.WithMessagef(err, "variable %s", v.Path())
		}
	}
	return nil
}

// closeParallel releases the data-parallel step's compiled graphs and buffer copy.
func (tr *Trainer) closeParallel() {
	if dp := tr.parallel; dp != nil {
		dp.releaseBuffer()
		dp.draws.Finalize()
		dp.step.Finalize()
		tr.parallel = nil
	}
}

func (dp *dataParallel) releaseBuffer() {
	if dp.buffer != nil {
		_ = dp.buffer.Finalize()
		_ = dp.rows.Finalize()
		dp.buffer, dp.rows, dp.bufferOf = nil, nil, nil
	}
}

// prepare builds the step's graph for the buffer buf, which creates the network's and the
// optimiser's variables, and initialises those without a value on one device, as the
// one-device step does before its first draws: the initial weights and the random state the
// draws then start from are those of a one-device run. (Left to the first sharded call, the
// initialisation would run after the draws and take other random numbers.)
func (dp *dataParallel) prepare(tr *Trainer, buf stepBuffer) error {
	cfg, d := tr.Config, tr.Target.Dim
	B, K, n := cfg.BatchSize, cfg.K, dp.devices
	perDevice := []shapes.Shape{
		shapes.Make(dtypes.Float32, B/n, d), buf.data.Shape(), buf.rows.Shape(),
		shapes.Make(dtypes.Float32, B), shapes.Make(dtypes.Float32, B, d), shapes.Make(dtypes.Float32, B, K, d)}
	var all []shapes.Shape
	for range n {
		all = append(all, perDevice...)
	}
	if _, err := dp.step.Compile(all...); err != nil {
		return errors.WithMessage(err, "compiling the data-parallel training step")
	}
	if err := tr.store.InitializeVariables(tr.backend, nil); err != nil {
		return errors.WithMessage(err, "initialising the network")
	}
	dp.ready = true
	return nil
}

// run takes one gradient step on the host batch (a [B, d] tensor) with buf as the proposal,
// returning the step's outputs (as trainStepGraph's, each whole, from the first device).
func (dp *dataParallel) run(tr *Trainer, batch *tensors.Tensor, buf stepBuffer) (outs []*tensors.Tensor, err error) {
	if !dp.ready {
		if err := dp.prepare(tr, buf); err != nil {
			return nil, err
		}
	}
	if dp.bufferOf != buf.data {
		dp.releaseBuffer()
		if dp.buffer, err = dtensor.ShardTensor(dp.replicated, buf.data); err != nil {
			return nil, errors.WithMessage(err, "copying the replay buffer to the devices")
		}
		if dp.rows, err = dtensor.ShardTensor(dp.replicated, buf.rows); err != nil {
			_ = dp.buffer.Finalize()
			dp.buffer = nil
			return nil, errors.WithMessage(err, "copying the replay buffer's size to the devices")
		}
		dp.bufferOf = buf.data
	}
	x, err := dtensor.ShardTensor(dp.batch, batch)
	if err != nil {
		return nil, errors.WithMessage(err, "splitting the batch over the devices")
	}
	defer func() { _ = x.Finalize() }()
	draws, err := dp.draws.DistributedExec()
	if err != nil {
		return nil, errors.WithMessage(err, "random draws")
	}
	defer func() {
		for _, d := range draws {
			_ = d.Finalize()
		}
	}()
	if len(draws) != 3 {
		return nil, errors.Errorf("random draws: %d outputs, want 3", len(draws))
	}
	res, err := dp.step.DistributedExec(x, dp.buffer, dp.rows, draws[0], draws[1], draws[2])
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		shard, cerr := r.Shards()[0].LocalClone()
		if cerr != nil && err == nil {
			err = errors.WithMessage(cerr, "reading the step's outputs")
		}
		outs = append(outs, shard)
		_ = r.Finalize()
	}
	return outs, err
}
