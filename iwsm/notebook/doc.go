// Package notebook holds the few helpers every reproduction notebook shares: the run budget
// (one setting, overridable from the environment so CI runs every notebook at `smoke`), the
// results folder, the seeds, stopping a cell with one readable line instead of a panic
// trace, and inline Markdown. Outside a notebook the display calls print plain text.
package notebook
