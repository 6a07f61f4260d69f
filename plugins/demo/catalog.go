package demo

import (
	"github.com/pocketbase/pocketbase/core"

	"fenxiao/hooks/shop"
)

type demoSku struct {
	spec  map[string]string
	price int64 // fen
	stock int
}

type demoProduct struct {
	title, subtitle, category, brand string
	tags                             []string
	weight                           int // grams
	skus                             []demoSku
}

var demoCategories = []struct{ name, parent string }{
	{"食品饮料", ""}, {"茶叶", "食品饮料"}, {"零食", "食品饮料"},
	{"家居日用", ""}, {"杯壶", "家居日用"}, {"收纳", "家居日用"},
	{"美妆个护", ""}, {"口红", "美妆个护"}, {"护肤", "美妆个护"},
}

var demoBrands = []string{"山间茶舍", "简居", "花漾", "果园小铺"}

var demoProducts = []demoProduct{
	{"安溪铁观音 清香型 250g", "高山茶园 春茶新上", "茶叶", "山间茶舍", []string{"乌龙茶", "送礼"}, 300,
		[]demoSku{{map[string]string{"包装": "罐装"}, 12800, 120}, {map[string]string{"包装": "袋装"}, 9800, 200}}},
	{"明前龙井 特级 100g", "西湖产区 手工炒制", "茶叶", "山间茶舍", []string{"绿茶", "明前"}, 150,
		[]demoSku{{map[string]string{"规格": "100g"}, 26800, 60}}},
	{"云南普洱 熟茶饼 357g", "七年陈 醇厚回甘", "茶叶", "山间茶舍", []string{"普洱", "黑茶"}, 400,
		[]demoSku{{map[string]string{"规格": "单饼"}, 15800, 80}, {map[string]string{"规格": "七饼一提"}, 99800, 10}}},
	{"每日坚果 混合果仁 30袋", "独立小包 办公室零食", "零食", "果园小铺", []string{"坚果", "零食"}, 750,
		[]demoSku{{map[string]string{"规格": "30袋"}, 8990, 300}}},
	{"手撕牛肉干 麻辣味 500g", "内蒙古风干 高蛋白", "零食", "果园小铺", []string{"肉干", "零食"}, 520,
		[]demoSku{{map[string]string{"口味": "麻辣"}, 6800, 150}, {map[string]string{"口味": "五香"}, 6800, 150}}},
	{"不锈钢保温杯 500ml", "316不锈钢 12小时保温", "杯壶", "简居", []string{"保温杯", "水杯"}, 350,
		[]demoSku{{map[string]string{"颜色": "曜石黑"}, 8900, 80}, {map[string]string{"颜色": "珍珠白"}, 8900, 5}}},
	{"玻璃茶杯 带茶隔 400ml", "耐热高硼硅 茶水分离", "杯壶", "简居", []string{"茶杯", "玻璃杯"}, 280,
		[]demoSku{{map[string]string{"颜色": "透明"}, 4900, 200}}},
	{"旅行茶具套装 一壶三杯", "便携收纳包 户外泡茶", "杯壶", "山间茶舍", []string{"茶具", "旅行"}, 900,
		[]demoSku{{map[string]string{"颜色": "青瓷"}, 15900, 40}, {map[string]string{"颜色": "白瓷"}, 14900, 40}}},
	{"桌面收纳盒 三层抽屉", "大容量 免安装", "收纳", "简居", []string{"收纳盒"}, 1200,
		[]demoSku{{map[string]string{"颜色": "白色"}, 5900, 100}}},
	{"丝绒哑光口红 #888", "持久不沾杯 显白", "口红", "花漾", []string{"口红", "彩妆"}, 60,
		[]demoSku{{map[string]string{"色号": "#888 复古红"}, 16900, 90}, {map[string]string{"色号": "#520 豆沙"}, 16900, 3}}},
	{"玻尿酸补水面膜 10片", "深层补水 敏感肌可用", "护肤", "花漾", []string{"面膜", "补水"}, 400,
		[]demoSku{{map[string]string{"规格": "10片"}, 9900, 250}}},
	{"氨基酸洗面奶 120g", "温和清洁 不紧绷", "护肤", "花漾", []string{"洁面"}, 180,
		[]demoSku{{map[string]string{"规格": "120g"}, 5900, 0}}},
}

func seedCatalog(app core.App, result *Result) error {
	save := func(collection string, fields map[string]any) (*core.Record, error) {
		col, err := app.FindCachedCollectionByNameOrId(collection)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Load(fields)
		return r, app.Save(r)
	}

	template, err := save("shipping_templates", map[string]any{
		"name": "全国统一运费 满99包邮", "mode": "piece",
		"first_units": 1, "first_fee": 800, "extra_units": 1, "extra_fee": 200, "free_threshold": 9900,
		"regions": []map[string]any{{"provinces": []string{"新疆", "西藏"}, "first_fee": 2000, "extra_fee": 1000}},
	})
	if err != nil {
		return err
	}

	categories := map[string]string{}
	for i, c := range demoCategories {
		r, err := save(shop.CategoriesCollection, map[string]any{"name": c.name, "parent": categories[c.parent], "sort": i, "is_active": true})
		if err != nil {
			return err
		}
		categories[c.name] = r.Id
		result.Categories++
	}
	brands := map[string]string{}
	for i, b := range demoBrands {
		r, err := save(shop.BrandsCollection, map[string]any{"name": b, "sort": i, "is_active": true})
		if err != nil {
			return err
		}
		brands[b] = r.Id
	}

	for i, p := range demoProducts {
		product, err := save(shop.ProductsCollection, map[string]any{
			"title": p.title, "subtitle": p.subtitle, "category": categories[p.category], "brand": brands[p.brand],
			"tags": p.tags, "status": "on", "weight": p.weight, "shipping_template": template.Id, "sort": i,
			"description": "<p>" + p.subtitle + "</p>", "params": map[string]string{"品牌": p.brand},
		})
		if err != nil {
			return err
		}
		result.Products++
		for _, s := range p.skus {
			specText := ""
			for _, v := range s.spec {
				specText = v
			}
			if _, err := save(shop.SkusCollection, map[string]any{
				"product": product.Id, "specs": s.spec, "spec_text": specText,
				"price": s.price, "original_price": s.price * 12 / 10, "stock": s.stock, "low_stock_threshold": 5,
			}); err != nil {
				return err
			}
			result.Skus++
		}
	}
	return nil
}
