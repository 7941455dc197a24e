package experiment

import (
	"slices"
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/oracle"
	"github.com/iwsm-go/iwsm/iwsm/pt"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/train"
)

// kinds are the registered samplers that are not diffusion methods, in registration order
// (built-in ones first). The diffusion methods are the method package's registry, each run
// by the diffusion trainer (train.Kind).
var kinds = []sampler.Kind{pt.Kind, oracle.Kind}

// Register adds a sampler so that Run, `iwsm train -method NAME`, `iwsm methods` and the
// notebooks find it by its name. It fails for an invalid Kind or a name already taken (by a
// sampler or a diffusion method). A diffusion loss is added with method.Register instead.
func Register(k sampler.Kind) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if _, err := Kind(k.Name); err == nil {
		return errors.Errorf("sampler %q is already registered", k.Name)
	}
	kinds = append(kinds, k)
	return nil
}

// Kind returns the sampler of that name: a registered one, or the diffusion trainer of a
// registered method (train.Kind).
func Kind(name string) (sampler.Kind, error) {
	if i := slices.IndexFunc(kinds, func(k sampler.Kind) bool { return k.Name == name }); i >= 0 {
		return kinds[i], nil
	}
	m, err := method.ByName(name)
	if err != nil {
		return sampler.Kind{}, errors.Errorf("unknown method %q: use %s", name, strings.Join(Names(), ", "))
	}
	return train.Kind(m), nil
}

// Kinds returns every sampler: the diffusion methods in their registration order, then the
// other samplers in theirs.
func Kinds() []sampler.Kind {
	var out []sampler.Kind
	for _, m := range method.All() {
		out = append(out, train.Kind(m))
	}
	return append(out, kinds...)
}

// Names returns the names of Kinds, in order.
func Names() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// Compared returns the names of the samplers every comparison runs by default (Role
// sampler.Compared: IWSM, iDEM, and any method or sampler a user adds as compared).
func Compared() []string {
	var out []string
	for _, k := range Kinds() {
		if k.Role == sampler.Compared {
			out = append(out, k.Name)
		}
	}
	return out
}
