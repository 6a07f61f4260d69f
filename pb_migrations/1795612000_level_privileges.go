package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Level privileges: what a distributor level unlocks, kept by the API rules
// and by the catalog (hooks/catalog privileges.go).
//
// A level is named by its rank (distributor_levels.rank, users.level); a
// user's level counts only while they are a distributor.
//
//	products / skus   min_level: reserved (专享), only that level and above
//	                  see and buy it (hidden from the others by the list and
//	                  view rules and by search); early_level + public_at:
//	                  early access (提前购), everyone sees it, only that
//	                  level and above may buy it before public_at
//	skus.level_prices [{"level": 2, "price": 8900}]: the price from that
//	                  level up; the lowest one the buyer reaches wins
//	materials         min_level: the material or course is listed, viewed
//	                  and downloaded only from that level up; courses get a
//	                  cover, protected attachments (video, PDF, slides), an
//	                  external video link and a duration
//	distributor_levels.label  the short name on price tags ("V2")
func init() {
	m.Register(func(app core.App) error {
		products, err := app.FindCollectionByNameOrId("products")
		if err != nil {
			return err
		}
		addAccessFields(products)
		products.ListRule = types.Pointer(productsLevelRule)
		products.ViewRule = types.Pointer(productsLevelRule)
		if err := app.Save(products); err != nil {
			return err
		}

		skus, err := app.FindCollectionByNameOrId("skus")
		if err != nil {
			return err
		}
		addAccessFields(skus)
		prices := &core.JSONField{Name: "level_prices", MaxSize: 4 << 10}
		setHelp(prices, `等级价：[{"level": 2, "price": 8900}] 表示 V2 及以上按 89 元购买（price 单位：分）；买家适用多个时取最低价，且不高于售价；促销和优惠券在等级价之上计算`)
		skus.Fields.Add(prices)
		skus.ListRule = types.Pointer(skusLevelRule)
		skus.ViewRule = types.Pointer(skusLevelRule)
		if err := app.Save(skus); err != nil {
			return err
		}

		materials, err := app.FindCollectionByNameOrId("materials")
		if err != nil {
			return err
		}
		kind := materials.Fields.GetByName("kind").(*core.SelectField)
		kind.Values = append(kind.Values, "course", "document")
		setHelp(kind, "poster_template 海报模板、copy 文案、video 视频、course 培训课程、document 文档资料")
		minLevel := intField("min_level", 100)
		setHelp(minLevel, "从哪个分销等级（rank）起可见：0 = 所有分销员；低于该等级的分销员和游客通过接口读不到它，素材中心显示「升级到 X 解锁」")
		materials.Fields.Add(minLevel)
		materials.Fields.Add(&core.FileField{Name: "cover", MaxSelect: 1, MaxSize: 5 << 20,
			MimeTypes: imageMimeTypes, Thumbs: []string{"400x225"},
			Help: "封面图（课程卡片上显示，锁定的课程也显示封面和标题）"})
		materials.Fields.Add(&core.FileField{Name: "attachments", MaxSelect: 20, MaxSize: 500 << 20, Protected: true,
			MimeTypes: []string{"video/mp4", "application/pdf", "image/jpeg", "image/png",
				"application/vnd.openxmlformats-officedocument.presentationml.presentation",
				"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
			Help: "课程内容（视频 mp4、PDF、PPT/Word/Excel）：受保护文件，只有达到等级的分销员凭文件令牌才能打开"})
		materials.Fields.Add(&core.URLField{Name: "video_url",
			Help: "外部视频地址（如视频号、腾讯视频或 CDN 上的 mp4），只对可见该课程的分销员返回"})
		duration := intField("duration_minutes", 10000)
		setHelp(duration, "课程时长（分钟），0 = 不显示")
		materials.Fields.Add(duration)
		materials.ListRule = types.Pointer(materialsLevelRule)
		materials.ViewRule = types.Pointer(materialsLevelRule)
		if err := app.Save(materials); err != nil {
			return err
		}

		levels, err := app.FindCollectionByNameOrId("distributor_levels")
		if err != nil {
			return err
		}
		levels.Fields.Add(&core.TextField{Name: "label", Max: 8,
			Help: "等级简称，显示在等级价和专享标签上，如 V2（空 = V + 等级序号）"})
		if f, ok := levels.Fields.GetByName("benefits").(*core.TextField); ok {
			f.Help = "等级权益说明（展示用）；专享商品、提前购、等级价在商品和规格上按等级序号设置，专属课程在 materials 的 min_level 设置"
		}
		return app.Save(levels)
	}, func(app core.App) error {
		products, err := app.FindCollectionByNameOrId("products")
		if err != nil {
			return err
		}
		removeAccessFields(products)
		products.ListRule = types.Pointer("status = 'on'")
		products.ViewRule = types.Pointer("status = 'on'")
		if err := app.Save(products); err != nil {
			return err
		}

		skus, err := app.FindCollectionByNameOrId("skus")
		if err != nil {
			return err
		}
		removeAccessFields(skus)
		skus.Fields.RemoveByName("level_prices")
		skus.ListRule = types.Pointer("product.status = 'on'")
		skus.ViewRule = types.Pointer("product.status = 'on'")
		if err := app.Save(skus); err != nil {
			return err
		}

		materials, err := app.FindCollectionByNameOrId("materials")
		if err != nil {
			return err
		}
		// note: courses and documents would no longer fit the select
		if _, err := app.DB().NewQuery("DELETE FROM {{materials}} WHERE [[kind]] IN ('course', 'document')").Execute(); err != nil {
			return err
		}
		kind := materials.Fields.GetByName("kind").(*core.SelectField)
		kind.Values = []string{"poster_template", "copy", "video"}
		for _, name := range []string{"min_level", "cover", "attachments", "video_url", "duration_minutes"} {
			materials.Fields.RemoveByName(name)
		}
		materials.ListRule = types.Pointer(materialsRuleBefore)
		materials.ViewRule = types.Pointer(materialsRuleBefore)
		if err := app.Save(materials); err != nil {
			return err
		}

		levels, err := app.FindCollectionByNameOrId("distributor_levels")
		if err != nil {
			return err
		}
		levels.Fields.RemoveByName("label")
		return app.Save(levels)
	})
}

// levelReached is a rule fragment: the caller is a distributor whose level
// is at least the rank in field (a guest's @request.auth fields are NULL,
// so the comparison fails for them).
func levelReached(field string) string {
	return "(" + field + " = 0 || (@request.auth.is_distributor = true && " + field + " <= @request.auth.level))"
}

var (
	productsLevelRule = "status = 'on' && " + levelReached("min_level")
	skusLevelRule     = "product.status = 'on' && " + levelReached("product.min_level") + " && " + levelReached("min_level")

	materialsRuleBefore = "@request.auth.collectionName = 'users' && @request.auth.is_distributor = true" +
		" && active = true && (starts_at = '' || starts_at <= @now) && (ends_at = '' || ends_at > @now)"
	materialsLevelRule = materialsRuleBefore + " && min_level <= @request.auth.level"
)

// addAccessFields adds the reserved and early-access fields of a product or SKU.
func addAccessFields(c *core.Collection) {
	minLevel := intField("min_level", 100)
	setHelp(minLevel, "专享：只有该分销等级（rank）及以上可见、可买；0 = 不限。低等级和游客在列表、详情、搜索中都看不到，加购和下单返回 level_required")
	early := intField("early_level", 100)
	setHelp(early, "提前购：该分销等级（rank）及以上在开放时间前即可购买，其他人能看到但不能买（not_yet_on_sale）；0 = 不提前")
	c.Fields.Add(minLevel, early, &core.DateField{Name: "public_at",
		Help: "提前购对所有人开放的时间；不填 = 开放时间待定（只有提前购等级可买）"})
}

func removeAccessFields(c *core.Collection) {
	for _, name := range []string{"min_level", "early_level", "public_at"} {
		c.Fields.RemoveByName(name)
	}
}
