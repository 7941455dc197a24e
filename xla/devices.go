package xla

import (
	"fmt"
	"sync"

	"github.com/gomlx/compute"
	goxla "github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
	"github.com/pkg/errors"
)

// CPUDeviceCountOption is the XLA CPU plugin's client option that sets how many devices it
// makes from the one CPU (all share its cores).
const CPUDeviceCountOption = "cpu_device_count"

var (
	devicesMu      sync.Mutex
	devicesBackend = map[string]compute.Backend{} // by plugin file and device count
)

// ForDevices returns a backend with at least n devices for data-parallel training
// (config.Config.Devices): b itself when it has that many (n ≤ 1 always), else, when b runs
// on XLA's CPU plugin, a backend from the same plugin file created with cpu_device_count = n
// (created once per process and count, and kept: the trainers and results of a run hold on
// to it). The pure-Go backend has one device and a GPU plugin as many as the machine has
// GPUs: asking them for more is an error that says so.
func ForDevices(b compute.Backend, n int) (compute.Backend, error) {
	if b == nil {
		return nil, errors.New("no backend")
	}
	if n <= 1 || b.NumDevices() >= n {
		return b, nil
	}
	xb, ok := b.(*goxla.Backend)
	if !ok {
		if b.String() == GoBackendName {
			return nil, errors.Errorf("devices=%d: the pure-Go backend runs on one device; data-parallel training needs "+
				"XLA (IWSM_BACKEND=xla:cpu: its CPU plugin makes several devices from one CPU)", n)
		}
		return nil, errors.Errorf("devices=%d: backend %s has %d device(s)", n, b.Name(), b.NumDevices())
	}
	if !xb.IsCPU() {
		return nil, errors.Errorf("devices=%d: XLA plugin %s has %d device(s) (only the CPU plugin can be given more)",
			n, xb.PluginName(), b.NumDevices())
	}
	key := fmt.Sprintf("%s#%d", xb.Config(), n)
	devicesMu.Lock()
	defer devicesMu.Unlock()
	if nb, ok := devicesBackend[key]; ok {
		return nb, nil
	}
	nb, err := newCPUWithDevices(xb.Config(), n)
	if err != nil {
		return nil, errors.WithMessagef(err, "devices=%d: creating XLA CPU plugin %s with %s=%d", n, xb.PluginName(), CPUDeviceCountOption, n)
	}
	if nb.NumDevices() < n {
		nb.Finalize()
		return nil, errors.Errorf("devices=%d: XLA CPU plugin %s made %d device(s) with %s=%d", n, xb.PluginName(),
			nb.NumDevices(), CPUDeviceCountOption, n)
	}
	devicesBackend[key] = nb
	return nb, nil
}

// newCPUWithDevices creates an XLA backend from config (a plugin file, as New passes it, and
// its options) with n CPU devices, turning go-xla's panics into errors.
func newCPUWithDevices(config string, n int) (b *goxla.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("%v", r)
		}
	}()
	return goxla.NewWithOptions(config, pjrt.NamedValuesMap{CPUDeviceCountOption: int64(n)})
}
