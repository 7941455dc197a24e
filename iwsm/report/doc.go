// Package report collects the results folders written by `iwsm train` into the
// methods × metrics tables of a paper (mean ± standard deviation over seeds), as Markdown,
// CSV and LaTeX (booktabs). Published numbers can be added as extra rows, always labelled
// as quoted together with their source, never mixed with measured ones.
package report
