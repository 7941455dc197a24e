package xla_test

import (
	"testing"

	"github.com/iwsm-go/iwsm/xla"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// xla.ForDevices returns the backend itself when it has enough devices and otherwise makes an
// XLA CPU backend with the devices asked for (cpu_device_count), once per count.
func TestForDevicesMakesCPUDevices(t *testing.T) {
	b := xlatest.Backend(t)
	if b.String() == xla.GoBackendName {
		t.Skipf("needs the XLA CPU plugin: run with %s='xla:cpu!' (the pure-Go backend has one device)", xla.EnvBackend)
	}
	if got, err := xla.ForDevices(b, b.NumDevices()); err != nil || got != b {
		t.Errorf("xla.ForDevices(b, %d) = %v, %v; want b itself", b.NumDevices(), got, err)
	}
	n := b.NumDevices() + 3
	more, err := xla.ForDevices(b, n)
	if err != nil {
		t.Fatal(err)
	}
	if more.NumDevices() != n {
		t.Errorf("xla.ForDevices(b, %d) has %d devices", n, more.NumDevices())
	}
	if again, err := xla.ForDevices(b, n); err != nil || again != more {
		t.Errorf("xla.ForDevices(b, %d) a second time = %v, %v; want the same backend", n, again, err)
	}
	t.Logf("%d devices by default, %d made with %s", b.NumDevices(), more.NumDevices(), xla.CPUDeviceCountOption)
}
