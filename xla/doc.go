// Package xla chooses the compute backend that runs the IWSM graphs.
//
// The default is GoMLX's pure-Go backend ("go"), which needs nothing installed and runs
// everywhere. When a PJRT plugin is installed on the machine, XLA ("xla:cpu", "xla:cuda")
// is used instead, because it fuses operations and is much faster. The choice can be
// forced with the IWSM_BACKEND environment variable:
//
//	IWSM_BACKEND=auto        (default) xla:cuda, then xla:cpu if their plugin is installed, else go
//	IWSM_BACKEND=go          the pure-Go backend
//	IWSM_BACKEND=xla:cpu     XLA with the CPU plugin; falls back to go with one line if missing
//	IWSM_BACKEND=xla:cuda    XLA with the CUDA plugin; likewise
//	IWSM_BACKEND=xla:/abs/path/pjrt_c_api_cuda_plugin.so   a plugin file, e.g. from JAX's wheel
//
// Append "!" (e.g. "xla:cuda!") to make a missing plugin an
// error instead of a fallback. GOMLX_BACKEND is honoured when IWSM_BACKEND is unset.
//
// Plugins are looked for (FindPlugins) first in the checkout's .venv, where `make install`
// puts the CPU plugin pinned in kernel/requirements-xla.txt, then where go-xla looks
// (~/.local/lib/go-xla, /usr/local/lib/go-xla, LD_LIBRARY_PATH); PJRT_PLUGIN_LIBRARY_PATH
// replaces all of these. A plugin file that is missing, damaged, truncated, for another
// architecture or not a PJRT plugin gets one line naming the file and the reason, and then the
// fallback (or the error, when strict); such a file is never handed to the dynamic loader.
//
// Nothing here ever downloads: GoMLX's auto-installer is not linked in and auto-install is
// disabled. Plugins are installed explicitly: `make install` pip-installs the hash-pinned CPU
// plugin into the checkout's .venv; on a connected machine go-xla's installer also works,
// `go run ./iwsm/cmd/iwsm install-xla -plugin cpu` (see the README).
package xla
