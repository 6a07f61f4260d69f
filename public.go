package main

import (
	"embed"
	"io/fs"
	"os"
)

// embeddedPublic is the H5 storefront shipped inside the binary, so a shop
// runs from the binary alone.
//
//go:embed all:pb_public
var embeddedPublic embed.FS

// publicFS is the storefront served at /: the dir when it exists (a
// merchant's customised pages from --publicDir or a pb_public/ folder next
// to the binary), the embedded pages otherwise.
func publicFS(dir string) fs.FS {
	if info, err := os.Stat(dir); err == nil && info.IsDir() {
		return os.DirFS(dir)
	}
	sub, err := fs.Sub(embeddedPublic, "pb_public")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}
