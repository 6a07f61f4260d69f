package commission

import (
	"errors"
	"testing"
)

func TestValidateRates(t *testing.T) {
	cases := []struct {
		name  string
		rates [3]int64
		max   int64
		code  string
	}{
		{"ok", [3]int64{1000, 500, 200}, 3000, ""},
		{"exactly max", [3]int64{1000, 1000, 1000}, 3000, ""},
		{"zeros", [3]int64{}, 3000, ""},
		{"above max", [3]int64{1000, 1000, 1001}, 3000, CodeRatesExceedMax},
		{"negative", [3]int64{1000, -1, 0}, 3000, CodeRateNegative},
		{"negative hides in a small sum", [3]int64{5000, -4000, 0}, 3000, CodeRateNegative},
		{"max above 100% is bounded to 100%", [3]int64{6000, 5000, 0}, 20000, CodeRatesExceedMax},
		{"100% allowed when max allows it", [3]int64{6000, 4000, 0}, 20000, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkCode(t, ValidateRates(c.rates, c.max), c.code)
		})
	}
}

func TestValidateOverride(t *testing.T) {
	cases := []struct {
		name  string
		o     Override
		price int64
		max   int64
		code  string
	}{
		{"rate ok", Override{Mode: ModeRate, Values: [3]int64{2000, 1000, 0}}, 100, 3000, ""},
		{"rate above max", Override{Mode: ModeRate, Values: [3]int64{2000, 1000, 1}}, 100, 3000, CodeRatesExceedMax},
		{"rate negative", Override{Mode: ModeRate, Values: [3]int64{-1}}, 100, 3000, CodeRateNegative},
		{"fixed ok", Override{Mode: ModeFixed, Values: [3]int64{500, 300, 200}}, 1000, 3000, ""},
		{"fixed zeros ok", Override{Mode: ModeFixed}, 1000, 3000, ""},
		{"fixed equal to price ok", Override{Mode: ModeFixed, Values: [3]int64{1000}}, 1000, 3000, ""},
		{"fixed above price", Override{Mode: ModeFixed, Values: [3]int64{500, 300, 201}}, 1000, 3000, CodeFixedExceedPrice},
		{"fixed ignores the rate max", Override{Mode: ModeFixed, Values: [3]int64{900}}, 1000, 100, ""},
		{"fixed negative", Override{Mode: ModeFixed, Values: [3]int64{0, 0, -5}}, 1000, 3000, CodeFixedNegative},
		{"fixed on a free item", Override{Mode: ModeFixed, Values: [3]int64{1}}, 0, 3000, CodeFixedExceedPrice},
		{"unknown mode", Override{Mode: "percent"}, 1000, 3000, CodeOverrideModeInvalid},
		{"empty mode", Override{}, 1000, 3000, CodeOverrideModeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkCode(t, ValidateOverride(c.o, c.price, c.max), c.code)
		})
	}
}

func checkCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("expected *Error with code %q, got %v", code, err)
	}
	if e.Code() != code {
		t.Fatalf("code = %q, want %q (%s)", e.Code(), code, e.Error())
	}
	if e.Error() == "" {
		t.Fatal("empty message")
	}
}
