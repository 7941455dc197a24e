package rundir

import (
	"path/filepath"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
)

// A run's folder is ROOT/TARGET/BUDGET/METHOD[+overrides]-seedS, written out by hand here;
// names that could escape the folder or are not plain folder names are refused.
func TestPathFollowsTheRule(t *testing.T) {
	cfg := config.Config{Target: "gmm40", Method: "iwsm", Budget: "cpu", Seed: 3}
	for _, c := range []struct {
		overrides []string
		want      string
	}{
		{nil, "iwsm-seed3"},
		{[]string{"time_groups=4", "augment_fraction=0.05"}, "iwsm+time_groups=4,augment_fraction=0.05-seed3"},
		{[]string{"net.Hidden=32"}, "iwsm+net.Hidden=32-seed3"},
	} {
		got, err := Path("/r", cfg, c.overrides)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join("/r", "gmm40", "cpu", c.want); got != want {
			t.Errorf("%v: %s, want %s", c.overrides, got, want)
		}
	}
	for _, bad := range []struct {
		method    string
		overrides []string
	}{
		{"", nil}, {"a/b", nil}, {"iw+sm", nil}, {"iwsm", []string{"noequals"}}, {"iwsm", []string{"=1"}},
		{"iwsm", []string{"augment_distribution=a b"}}, {"iwsm", []string{"k=../x"}}, {"iwsm", []string{"k=1,2"}},
	} {
		if name, err := Name(bad.method, bad.overrides, 1); err == nil {
			t.Errorf("Name(%q, %q) = %q, want an error", bad.method, bad.overrides, name)
		}
	}
	for _, bad := range []config.Config{{Target: "../x", Method: "iwsm", Budget: "cpu"}, {Target: "gmm40", Method: "iwsm", Budget: ""}} {
		if p, err := Path("/r", bad, nil); err == nil {
			t.Errorf("Path(%+v) = %q, want an error", bad, p)
		}
	}
}
