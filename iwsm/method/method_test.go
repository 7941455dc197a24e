package method

import (
	"slices"
	"testing"
)

// The built-in methods come first, in order; bad registrations are refused.
func TestRegistry(t *testing.T) {
	if got := Names(); len(got) < 2 || got[0] != "iwsm" || got[1] != "idem" {
		t.Fatalf("registry %v, want iwsm and idem first", got)
	}
	if m, err := ByName("idem"); err != nil || m.Name != IDEM.Name {
		t.Errorf("ByName(idem) = %v, %v", m.Name, err)
	}
	for name, m := range map[string]Method{
		"empty name": {Weights: IDEM.Weights},
		"upper case": {Name: "IWSM2", Weights: IDEM.Weights},
		"space":      {Name: "a b", Weights: IDEM.Weights},
		"no weights": {Name: "noweights"},
		"taken":      IWSM,
	} {
		if err := Register(m); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if slices.Contains(Names(), "noweights") {
		t.Error("a refused method is in the registry")
	}
}
