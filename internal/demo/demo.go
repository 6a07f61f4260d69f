// Package demo fills an empty shop with believable demo data: a superuser,
// a small referral tree, categories and products.
package demo

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Config configures the demo seeder.
type Config struct {
	// RootCmd, when set, receives the `demo` command.
	RootCmd *cobra.Command
	// SeedOnServe seeds (if the shop is empty) when the server starts.
	SeedOnServe bool
}

// MustRegister binds the demo seeder.
func MustRegister(app core.App, config Config) {}
