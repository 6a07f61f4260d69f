// Package console holds the operations console, the merchant's daily back
// office served at /admin/: plain ES modules, the PocketBase SDK and
// Chart.js vendored as single files, embedded in the binary.
package console

import (
	"embed"
	"io/fs"
)

//go:embed ui
var files embed.FS

// FS is the console's static files (index.html at the root).
var FS, _ = fs.Sub(files, "ui")
