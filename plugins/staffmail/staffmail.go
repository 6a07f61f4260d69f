// Package staffmail e-mails the merchant's staff notifications (new paid
// order, after-sale or withdrawal waiting, low stock, a payment for a
// cancelled order) through PocketBase's mailer, as the "email" channel.
//
// The recipients come from [shop.Shop.StaffEmails] (the superusers until
// the console has staff roles). The mailer is the one set in the
// dashboard (Settings → Mail settings): with SMTP off PocketBase would
// fall back to the local sendmail, which on most servers delivers
// nothing, so deliveries are skipped (and say why) until SMTP is on.
//
// Example usage:
//
//	staffmail.MustRegister(app, staffmail.Config{})
package staffmail

import (
	"context"
	"fmt"
	"html"
	"net/mail"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/mailer"

	"fenxiao/hooks/shop"
)

// Config configures the plugin.
type Config struct {
	// Kinds limits the e-mailed staff kinds (default: every staff kind).
	Kinds []string

	// AllowSendmail sends through the local sendmail when SMTP is off.
	AllowSendmail bool
}

// MustRegister is like [Register] but panics on error.
func MustRegister(app core.App, config Config) {
	if err := Register(app, config); err != nil {
		panic(err)
	}
}

// Register adds the "email" channel.
func Register(app core.App, config Config) error {
	s := shop.MustGet(app)
	s.RegisterChannel(&channel{config: config, shop: s})
	return nil
}

type channel struct {
	config Config
	shop   *shop.Shop
}

// Name implements [shop.Channel].
func (c *channel) Name() string { return "email" }

// Accepts implements [shop.Channel]: staff notifications.
func (c *channel) Accepts(n shop.Notification) bool {
	if !shop.IsStaffKind(n.Kind) {
		return false
	}
	if len(c.config.Kinds) == 0 {
		return true
	}
	for _, k := range c.config.Kinds {
		if k == n.Kind {
			return true
		}
	}
	return false
}

// Send implements [shop.Channel]: one e-mail to every staff address.
func (c *channel) Send(_ context.Context, app core.App, d shop.Delivery) error {
	settings := app.Settings()
	if !settings.SMTP.Enabled && !c.config.AllowSendmail {
		return fmt.Errorf("%w: SMTP is not configured (dashboard → Settings → Mail settings)", shop.ErrSkip)
	}
	emails, err := c.shop.StaffEmails(app)
	if err != nil {
		return err
	}
	if len(emails) == 0 {
		return fmt.Errorf("%w: no staff e-mail address", shop.ErrSkip)
	}
	meta := settings.Meta
	msg := &mailer.Message{
		From:    mail.Address{Name: meta.SenderName, Address: meta.SenderAddress},
		Subject: "[" + meta.AppName + "] " + d.Title,
		HTML: "<p>" + strings.ReplaceAll(html.EscapeString(d.Body), "\n", "<br>") + "</p>" +
			"<p style=\"color:#888\">" + html.EscapeString(d.Created.In(shop.ShopTimeZone).Format("2006-01-02 15:04")) + "</p>",
		Text: d.Body,
	}
	for _, e := range emails {
		msg.To = append(msg.To, mail.Address{Address: e})
	}
	return app.NewMailClient().Send(msg)
}
