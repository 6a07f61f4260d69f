package audit

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// NewCommand returns the `audit` CLI command: it runs [Run] on the
// bootstrapped app (so PocketBase's --dir flag picks the database), prints
// the report and fails, naming the first bad row, when an invariant is broken.
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
			return report.Err()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}
