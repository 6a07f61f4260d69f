package audit

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// Exit codes of the audit command.
const (
	ExitMismatch    = 1 // an invariant is broken: the report names the rows
	ExitCouldNotRun = 2 // the audit did not run (database unreadable, no shop schema)
)

// exit ends the process; PocketBase ignores the errors commands return.
var exit = os.Exit

// NewCommand returns the `audit` CLI command: it runs [Run] on the
// bootstrapped app (so PocketBase's --dir flag picks the database), prints
// the report and, when an invariant is broken, names the first bad row on
// stderr and exits with [ExitMismatch]; when the audit could not run (a
// failed query, or a database without any of the shop's collections, as
// with a wrong --dir) it exits with [ExitCouldNotRun]. main exits with
// ExitCouldNotRun too when the database cannot even be opened.
func NewCommand(app core.App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:          "audit",
		Short:        "Check every money invariant (wallet ledgers, withdrawals, orders, commissions)",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			report, err := Run(app)
			if err == nil && report.Checked() == 0 {
				err = fmt.Errorf("nothing to audit: the database in %s has none of the shop's collections (wrong --dir?)", app.DataDir())
			}
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "audit:", err)
				exit(ExitCouldNotRun)
				return err
			}
			if asJSON {
				raw, err := json.MarshalIndent(report, "", "  ")
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), string(raw))
			} else {
				fmt.Fprint(cmd.OutOrStdout(), report)
			}
			if err := report.Err(); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				exit(ExitMismatch)
				return err
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
