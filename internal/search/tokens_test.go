package search

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	scenarios := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"杯", []string{"杯"}},
		{"茶叶", []string{"茶", "叶", "茶叶"}},
		{"保温杯", []string{"保", "温", "杯", "保温", "温杯"}},
		{"不锈钢保温杯 500ml", []string{"不", "锈", "钢", "保", "温", "杯", "不锈", "锈钢", "钢保", "保温", "温杯", "500ml"}},
		{"iPhone15 手机壳", []string{"iphone15", "手", "机", "壳", "手机", "机壳"}},
		{"红茶/绿茶", []string{"红", "茶", "红茶", "绿", "茶", "绿茶"}},
		{"Nike耐克", []string{"nike", "耐", "克", "耐克"}},
		{"  ,,!! ", nil},
		{"ÉTÉ", []string{"été"}},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := Tokens(s.in); !reflect.DeepEqual(got, s.want) {
				t.Fatalf("Tokens(%q) = %q, want %q", s.in, got, s.want)
			}
		})
	}
}

func TestMatchQuery(t *testing.T) {
	scenarios := []struct {
		in   string
		want string
	}{
		{"", ""},
		{" \t!", ""},
		{"杯", `"杯"`},
		{"茶叶", `"茶叶"`},
		{"保温杯", `"保温 温杯"`},
		{"保温杯 500ML", `"保温 温杯" "500ml"`},
		{"Nike耐克", `"nike" "耐克"`},
		{`"杯" OR NOT *`, `"杯" "or" "not"`},
		{"杯\"子", `"杯" "子"`},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := MatchQuery(s.in); got != s.want {
				t.Fatalf("MatchQuery(%q) = %s, want %s", s.in, got, s.want)
			}
		})
	}
}
