package profiles

import "embed"

// FS holds the catalog, the profiles and the local charts.
//
//go:embed *.yaml catalog all:charts
var FS embed.FS

// ChartsDir is the directory of the local charts inside FS; a component's
// chart path "charts/<name>" in the embedded files is relative to FS's root.
const ChartsDir = "charts"
