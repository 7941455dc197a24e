package xla

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/pjrt"
)

// Info describes a created backend for `iwsm backend` and notebooks' first cells: which
// backend, from which plugin file and wheel, the plugin's PJRT API version and how many
// devices it offers (the XLA CPU plugin makes several from one CPU).
type Info struct {
	Choice Choice
	// Description is the backend's own one-line description.
	Description string
	// Devices is the number of devices the backend can run on.
	Devices int
	// PJRTVersion is the plugin's PJRT C API version, e.g. "0.106" ("" for the Go backend).
	PJRTVersion string
	// Attributes are the plugin's attributes (e.g. xla_version, stablehlo_current_version).
	Attributes string
}

// Inspect returns the Info of backend b created for choice c.
func Inspect(b compute.Backend, c Choice) Info {
	info := Info{Choice: c, Description: b.Description(), Devices: b.NumDevices()}
	if c.Plugin != "" {
		// go-xla keeps loaded plugins by path: this returns the one b uses.
		if p, err := pjrt.GetPlugin(c.Plugin); err == nil {
			major, minor := p.Version()
			info.PJRTVersion = fmt.Sprintf("%d.%d", major, minor)
			var attrs []string
			for k, v := range p.Attributes() {
				attrs = append(attrs, fmt.Sprintf("%s=%v", k, v))
			}
			slices.Sort(attrs)
			info.Attributes = strings.Join(attrs, " ")
		}
	}
	return info
}

// Lines is Info as the lines `iwsm backend` prints: the choice line, then plugin and devices.
func (i Info) Lines() []string {
	lines := []string{i.Choice.String()}
	if i.Choice.Plugin != "" {
		lines = append(lines, fmt.Sprintf("plugin: %s (%s)", i.Choice.Plugin, i.Choice.PluginSource))
		lines = append(lines, fmt.Sprintf("version: PJRT C API %s; %s", i.PJRTVersion, i.Attributes))
	}
	lines = append(lines, fmt.Sprintf("devices: %d", i.Devices))
	return lines
}

// Current returns the Info of the process-wide backend (see Backend), or its error, e.g. a
// strict request that cannot be met.
func Current() (Info, error) {
	b, err := Backend()
	if err != nil {
		return Info{}, err
	}
	return Inspect(b, sharedChoice), nil
}
