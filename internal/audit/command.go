package audit

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// exit ends the process; PocketBase ignores the errors commands return.
var exit = os.Exit

// NewCommand returns the `audit` CLI command: it runs [Run] on the
// bootstrapped app (so PocketBase's --dir flag picks the database), prints
// the report and, when an invariant is broken, names the first bad row on
// stderr and exits with status 1 (2 when the audit could not run).
func NewCommand(app core.App) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:          "audit",
		Short:        "Check every money invariant (wallet ledgers, withdrawals, orders, commissions)",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			report, err := Run(app)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "audit:", err)
				exit(2)
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
				exit(1)
				return err
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
