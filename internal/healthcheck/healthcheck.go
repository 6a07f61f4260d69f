// Package healthcheck is the `fenxiao healthcheck` command: it asks a
// running server's /api/health and exits 0 when it answers 200. It exists
// for container health checks on images without curl or wget, and runs
// before PocketBase starts so that it never opens the database.
package healthcheck

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"
)

// DefaultURL is where `serve --http=0.0.0.0:8090` answers inside a container.
const DefaultURL = "http://127.0.0.1:8090/api/health"

// Run checks the server and returns the process exit code, writing why it
// failed to stderr.
func Run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", DefaultURL, "the health URL of the running server")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := &http.Client{Timeout: *timeout}
	res, err := client.Get(*url)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintln(stderr, "healthcheck:", *url, "answered", res.Status)
		return 1
	}
	return 0
}
