package xla

import (
	"testing"
)

// ForDevices returns the backend itself when it has enough devices and otherwise makes an
// XLA CPU backend with the devices asked for (cpu_device_count), once per count.
func TestForDevicesMakesCPUDevices(t *testing.T) {
	b := TestBackend(t)
	if b.String() == GoBackendName {
		t.Skipf("needs the XLA CPU plugin: run with %s='xla:cpu!' (the pure-Go backend has one device)", EnvBackend)
	}
	if got, err := ForDevices(b, b.NumDevices()); err != nil || got != b {
		t.Errorf("ForDevices(b, %d) = %v, %v; want b itself", b.NumDevices(), got, err)
	}
	n := b.NumDevices() + 3
	more, err := ForDevices(b, n)
	if err != nil {
		t.Fatal(err)
	}
	if more.NumDevices() != n {
		t.Errorf("ForDevices(b, %d) has %d devices", n, more.NumDevices())
	}
	if again, err := ForDevices(b, n); err != nil || again != more {
		t.Errorf("ForDevices(b, %d) a second time = %v, %v; want the same backend", n, again, err)
	}
	t.Logf("%d devices by default, %d made with %s", b.NumDevices(), more.NumDevices(), CPUDeviceCountOption)
}
