package demo

import (
	"fmt"
	"image/color"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"fenxiao/hooks/shop"
)

// seedPrivileges shows what a distributor level unlocks: a teapot whose
// 朱泥 SKU has V2 and V3 prices, a tea in early access for V2 and above
// (open to everyone three days after seeding), a course for every
// distributor and one for V2 and above; 王芳 is made V2 so that signing in
// as her shows the level price, early access and her course. The levels
// themselves (银牌分销员 is rank 2) are made by the demo activity.
func seedPrivileges(app core.App) error {
	save := func(collection string, fields map[string]any) (*core.Record, error) {
		col, err := app.FindCachedCollectionByNameOrId(collection)
		if err != nil {
			return nil, err
		}
		r := core.NewRecord(col)
		r.Load(fields)
		return r, app.Save(r)
	}
	picture := func(colors [2]color.RGBA, text, caption string) (*filesystem.File, error) {
		raw, err := drawCard(colors, text, caption, 50)
		if err != nil {
			return nil, err
		}
		return filesystem.NewFileFromBytes(raw, "cover.png")
	}
	lookup := func(collection, name string) string {
		r, err := app.FindFirstRecordByData(collection, "name", name)
		if err != nil {
			return ""
		}
		return r.Id
	}
	template, _ := app.FindFirstRecordByFilter("shipping_templates", "id != ''")
	templateId := ""
	if template != nil {
		templateId = template.Id
	}

	for _, p := range []struct {
		title, subtitle, category, text string
		fields                          map[string]any
		skus                            []map[string]any
	}{
		{"宜兴紫砂壶 西施壶 200ml", "原矿紫砂 手工拉坯", "杯壶", "紫砂壶\n分销员等级价",
			map[string]any{},
			[]map[string]any{
				{"specs": map[string]string{"泥料": "朱泥"}, "spec_text": "朱泥", "price": 39800, "original_price": 45800, "stock": 60,
					"level_prices": []map[string]any{{"level": 2, "price": 35800}, {"level": 3, "price": 33800}}},
				{"specs": map[string]string{"泥料": "段泥"}, "spec_text": "段泥", "price": 36800, "original_price": 42800, "stock": 60},
			}},
		{"白毫银针 头采 100g", "福鼎白茶 银牌分销员提前购", "茶叶", "白毫银针\n银牌提前购",
			map[string]any{"early_level": 2, "public_at": types.NowDateTime().Add(72 * time.Hour)},
			[]map[string]any{{"specs": map[string]string{"规格": "100g"}, "spec_text": "100g", "price": 26800, "original_price": 32800, "stock": 80}}},
	} {
		cover, err := picture(categoryColors[p.category], p.text, "山间茶舍")
		if err != nil {
			return err
		}
		fields := map[string]any{
			"title": p.title, "subtitle": p.subtitle, "category": lookup(shop.CategoriesCollection, p.category),
			"brand": lookup(shop.BrandsCollection, "山间茶舍"), "status": "on", "weight": 500, "shipping_template": templateId,
			"description": "<p>" + p.subtitle + "</p>", "params": map[string]string{"品牌": "山间茶舍"},
			"images": []*filesystem.File{cover}, "sort": 100,
		}
		for k, v := range p.fields {
			fields[k] = v
		}
		product, err := save(shop.ProductsCollection, fields)
		if err != nil {
			return fmt.Errorf("%s: %w", p.title, err)
		}
		for _, s := range p.skus {
			s["product"], s["low_stock_threshold"] = product.Id, 5
			if _, err := save(shop.SkusCollection, s); err != nil {
				return fmt.Errorf("%s: %w", p.title, err)
			}
		}
	}

	green := [2]color.RGBA{{0x5b, 0x9a, 0x5f, 0xff}, {0x2f, 0x6b, 0x3e, 0xff}}
	gold := [2]color.RGBA{{0xf0, 0xb4, 0x3c, 0xff}, {0xb8, 0x7a, 0x10, 0xff}}
	for i, c := range []struct {
		title, text    string
		level, minutes int
		colors         [2]color.RGBA
	}{
		{"新手入门：三步学会分享赚佣金", "第1课 找到自己的推广链接\n第2课 生成海报发朋友圈\n第3课 看懂佣金明细和提现", 0, 15, green},
		{"爆款选品与朋友圈话术", "第1课 从店铺销量里挑爆款\n第2课 一天三条朋友圈的节奏\n第3课 把茶叶讲出故事：产地、工艺、口感\n第4课 老客复购与社群答疑", 2, 45, gold},
	} {
		cover, err := picture(c.colors, c.title, "分销员培训")
		if err != nil {
			return err
		}
		if _, err := save("materials", map[string]any{
			"title": c.title, "kind": "course", "text": c.text, "min_level": c.level, "duration_minutes": c.minutes,
			"cover": cover, "active": true, "sort": i + 1, "tags": []string{"培训"},
		}); err != nil {
			return fmt.Errorf("course %s: %w", c.title, err)
		}
	}

	// note: a superuser's level change, as the dashboard would record it
	wangfang, err := app.FindAuthRecordByEmail(shop.UsersCollection, "wangfang@fenxiao.demo")
	if err != nil {
		return err
	}
	if _, err := app.DB().Update(shop.UsersCollection, dbx.Params{"level": 2}, dbx.HashExp{"id": wangfang.Id}).Execute(); err != nil {
		return err
	}
	_, err = save("level_changes", map[string]any{"user": wangfang.Id, "from_rank": 0, "to_rank": 2, "reason": "admin", "actor": "system:demo"})
	return err
}
