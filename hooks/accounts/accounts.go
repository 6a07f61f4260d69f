// Package accounts is the shop core for people: sign-up and sign-in (e-mail,
// SMS code, WeChat mini-program), invite codes, referral binding with its
// three-level ancestry, and distributor status.
package accounts

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

// Config configures accounts.
type Config struct {
	// SMSCodeTTL is how long an SMS code stays valid (default 5 minutes).
	SMSCodeTTL time.Duration
}

// Register binds the accounts rules to app.
func Register(app core.App, s *shop.Shop, config Config) error {
	if config.SMSCodeTTL <= 0 {
		config.SMSCodeTTL = 5 * time.Minute
	}
	return nil
}
