package hooks_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"fenxiao/hooks"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

// TestJobsRunCommand runs `jobs run` as an operator would: a known job
// prints its summary and exits 0, an unknown one names the error and exits 1.
func TestJobsRunCommand(t *testing.T) {
	root := &cobra.Command{Use: "fenxiao"}
	tests.NewShopApp(t, hooks.Config{RootCmd: root})

	var status []int
	defer hooks.SetJobCommandExit(func(code int) { status = append(status, code) })()
	run := func(args ...string) (string, string) {
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs(args)
		_ = root.Execute()
		return out.String(), errOut.String()
	}

	out, _ := run("jobs", "run", "auto_cancel")
	if !strings.HasPrefix(out, "auto_cancel: 0 cancelled") || len(status) != 0 {
		t.Fatalf("auto_cancel printed %q, exit calls %v", out, status)
	}
	_, errOut := run("jobs", "run", "nosuchjob")
	if len(status) != 1 || status[0] != 1 || !strings.Contains(errOut, "job_not_found") {
		t.Fatalf("unknown job: exit calls %v, stderr %q", status, errOut)
	}
}
