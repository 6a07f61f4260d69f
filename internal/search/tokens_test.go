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
		{"耐克Nike", []string{"耐", "克", "耐克", "nike"}},
		{"  ,,!! ", nil},
		{"ÉTÉ", []string{"été"}},
		{"たまごサンド", []string{"た", "ま", "ご", "サ", "ン", "ド", "たま", "まご", "ごサ", "サン", "ンド"}},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := Tokens(s.in); !reflect.DeepEqual(got, s.want) {
				t.Fatalf("Tokens(%q) = %q, want %q", s.in, got, s.want)
			}
		})
	}
}

func TestQueryTerms(t *testing.T) {
	scenarios := []struct {
		in   string
		want []Term
	}{
		{"", nil},
		{" \t!", nil},
		{"杯", []Term{{Text: "杯", Tokens: []string{"杯"}}}},
		{"茶叶", []Term{{Text: "茶叶", Tokens: []string{"茶叶"}}}},
		{"保温杯", []Term{{Text: "保温杯", Tokens: []string{"保温", "温杯"}, Phrase: true}}},
		{"哈哈哈", []Term{{Text: "哈哈哈", Tokens: []string{"哈哈"}, Phrase: true}}},
		{"保温杯 500ML", []Term{
			{Text: "保温杯", Tokens: []string{"保温", "温杯"}, Phrase: true},
			{Text: "500ml", Tokens: []string{"500ml"}},
		}},
		{"Nike耐克", []Term{{Text: "nike", Tokens: []string{"nike"}}, {Text: "耐克", Tokens: []string{"耐克"}}}},
		{`"杯" OR *`, []Term{{Text: "杯", Tokens: []string{"杯"}}, {Text: "or", Tokens: []string{"or"}}}},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := QueryTerms(s.in); !reflect.DeepEqual(got, s.want) {
				t.Fatalf("QueryTerms(%q) = %+v, want %+v", s.in, got, s.want)
			}
		})
	}
}
