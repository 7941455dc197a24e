// Package report collects the records of finished runs (rundir.Record) into the methods ×
// metrics tables of a paper (mean ± standard deviation over seeds), as Markdown, CSV and
// LaTeX (booktabs), with contrasts of rows and their standard errors, and the HTML index of a
// results folder. Published numbers can be added as extra rows, always labelled as quoted
// together with their source, never mixed with measured ones.
package report
