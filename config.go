package main

import (
	"os"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks"
)

// config is everything main wires, read from the environment so that secrets
// never sit in the database, the logs or the API.
type config struct {
	Core hooks.Config
}

func loadConfig() config {
	return config{}
}

// registerPlugins registers the optional plugins the environment enables.
func registerPlugins(app core.App, cfg config) {
	_ = app
	_ = cfg
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
