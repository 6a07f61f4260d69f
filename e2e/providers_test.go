package e2e

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestHalfConfiguredProviders: a payment provider with only its id set
// (FENXIAO_WXPAY_MCH_ID, FENXIAO_ALIPAY_APP_ID) stays off with one log line
// naming what is missing; every command still runs and serve starts.
func TestHalfConfiguredProviders(t *testing.T) {
	bin := binary(t)
	cases := []struct {
		env  string
		want string
	}{
		{"FENXIAO_WXPAY_MCH_ID=1900000001", "WeChat Pay is off: FENXIAO_WXPAY_MCH_ID is set but FENXIAO_WXPAY_APP_ID or FENXIAO_WECHAT_APPID, FENXIAO_WXPAY_MCH_SERIAL, FENXIAO_WXPAY_MCH_PRIVATE_KEY or FENXIAO_WXPAY_MCH_PRIVATE_KEY_PATH, FENXIAO_WXPAY_APIV3_KEY, FENXIAO_WXPAY_PUBLIC_KEY_ID, FENXIAO_WXPAY_PUBLIC_KEY or FENXIAO_WXPAY_PUBLIC_KEY_PATH missing"},
		{"FENXIAO_ALIPAY_APP_ID=2021000000000000", "Alipay is off: FENXIAO_ALIPAY_APP_ID is set but FENXIAO_ALIPAY_PRIVATE_KEY, FENXIAO_ALIPAY_PUBLIC_KEY missing"},
		// every variable set, but the keys do not load: off, with the reason
		{"FENXIAO_ALIPAY_APP_ID=2021000000000000 FENXIAO_ALIPAY_PRIVATE_KEY=notakey FENXIAO_ALIPAY_PUBLIC_KEY=notakey", "Alipay is off: alipay: load the application private key"},
	}
	for _, c := range cases {
		env := append(os.Environ(), strings.Fields(c.env)...)
		dir := t.TempDir()
		// migrate first: audit on a dir without the shop's schema exits 2
		for _, args := range [][]string{{"migrate", "up"}, {"jobs", "list"}, {"audit"}} {
			cmd := exec.Command(bin, append(args, "--dir", dir)...)
			cmd.Env = env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", c.env, args, err, out)
			}
			text := string(out)
			if strings.Contains(text, "panic") || strings.Contains(text, "goroutine") {
				t.Fatalf("%s %v panicked:\n%s", c.env, args, text)
			}
			if strings.Count(text, c.want) != 1 {
				t.Fatalf("%s %v: want one line %q, got:\n%s", c.env, args, c.want, text)
			}
		}
	}

	// serve starts and does not offer the provider that is off
	s := StartShop(t, ShopOptions{Env: []string{"FENXIAO_WXPAY_MCH_ID=1900000001", "FENXIAO_ALIPAY_APP_ID=2021000000000000"}})
	var info struct {
		Methods []string `json:"payment_methods"`
	}
	s.Do(t, "", "GET", "/api/shop/info", nil, &info)
	if len(info.Methods) == 0 || slices.Contains(info.Methods, "wechatpay") || slices.Contains(info.Methods, "alipay") {
		t.Fatalf("payment methods %v", info.Methods)
	}
	if !strings.Contains(s.Log.String(), "WeChat Pay is off") || !strings.Contains(s.Log.String(), "Alipay is off") {
		t.Fatalf("serve log does not say the providers are off:\n%s", s.Log.String())
	}
}
