package shop_test

import (
	"testing"

	"fenxiao/hooks/shop"
	"fenxiao/tests"
)

func TestMain(m *testing.M) { tests.Main(m) }

func TestDefaultSettingsAreSafe(t *testing.T) {
	app, _ := tests.NewShopApp(t)
	s, err := shop.LoadSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	if s.BindingMode != shop.BindFirstWins {
		t.Errorf("binding mode = %q, want first_wins", s.BindingMode)
	}
	total := s.CommissionRates[0] + s.CommissionRates[1] + s.CommissionRates[2]
	if total > s.CommissionMaxTotal {
		t.Errorf("default rates %v exceed the maximum %d", s.CommissionRates, s.CommissionMaxTotal)
	}
	if s.FrozenDays < 1 || s.AutoCancelMinutes < 1 || s.WithdrawMin < 1 {
		t.Errorf("unsafe defaults: %+v", s)
	}
}
