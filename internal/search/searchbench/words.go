// Package searchbench makes the product titles of the search benchmarks,
// so that the in-memory index (internal/search) and the search route
// (hooks/catalog) are measured on the same kind of catalog.
package searchbench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Word lists for realistic product titles: "<brand><adjective><item> <spec>".
var (
	Brands = []string{"象印", "膳魔师", "苏泊尔", "美的", "九阳", "小米", "华为", "李宁", "安踏", "百雀羚",
		"完美日记", "花西子", "西湖", "狮峰", "三只松鼠", "良品铺子", "农夫山泉", "伊利", "蒙牛", "优衣库"}
	adjectives = []string{"不锈钢", "便携", "大容量", "新款", "经典", "加厚", "轻薄", "智能", "复古", "简约",
		"春季", "夏季", "儿童", "男士", "女士", "原味", "有机", "特级", "明前", "进口"}
	items = []string{"保温杯", "玻璃杯", "马克杯", "茶叶", "绿茶", "红茶", "乌龙茶", "口红", "面霜", "洗面奶",
		"连衣裙", "运动鞋", "卫衣", "牛仔裤", "双肩包", "蓝牙耳机", "充电宝", "电饭煲", "炒锅", "坚果礼盒",
		"牛奶", "酸奶", "矿泉水", "手机壳", "数据线", "台灯", "抱枕", "毛巾", "雨伞", "拖鞋"}
	specs = []string{"500ml", "250g", "1L", "XL", "2件装", "礼盒装", "黑色", "白色", "家用", "旅行装"}
	tags  = []string{"热卖", "新品", "包邮", "送礼", "限时", "爆款"}
)

// Title is a product title of the brand Brands[brand].
func Title(rng *rand.Rand, brand int) string {
	return Brands[brand] + adjectives[rng.IntN(len(adjectives))] +
		items[rng.IntN(len(items))] + " " + specs[rng.IntN(len(specs))]
}

// Tags are a product's two tags: a selling point and an item word.
func Tags(rng *rand.Rand) []string {
	return []string{tags[rng.IntN(len(tags))], items[rng.IntN(len(items))]}
}

// Report sorts the durations of a benchmark's searches and reports their
// p50 and p95 in milliseconds, and the mean number of hits per search.
func Report(b *testing.B, durations []time.Duration, totalHits int) {
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.95), "p95_ms")
	b.ReportMetric(float64(totalHits)/float64(len(durations)), "hits")
}
