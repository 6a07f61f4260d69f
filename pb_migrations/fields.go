// Package pb_migrations holds fenxiao's schema as Go migrations.
//
// Each file registers one migration with m.Register(up, down); the file name
// (<unix-ts>_<name>.go) is the ordering key. Never edit a migration that has
// shipped: add a new one.
package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// These helpers only shorten the field declarations that every shop
// collection repeats; they carry no business rules.

// addTimestamps adds the created/updated autodate fields base collections lack.
func addTimestamps(c *core.Collection) {
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
}

// fenField is an integer amount of money in fen (never negative unless allowNegative).
func fenField(name string, allowNegative bool) *core.NumberField {
	f := &core.NumberField{Name: name, OnlyInt: true}
	if !allowNegative {
		f.Min = types.Pointer(0.0)
	}
	return f
}

// intField is a non-negative integer with an optional upper bound (max <= 0: none).
func intField(name string, max float64) *core.NumberField {
	f := &core.NumberField{Name: name, OnlyInt: true, Min: types.Pointer(0.0)}
	if max > 0 {
		f.Max = types.Pointer(max)
	}
	return f
}

// relationTo returns a single relation to the collection with the given id.
func relationTo(name, collectionId string, required, cascadeDelete bool) *core.RelationField {
	return &core.RelationField{
		Name:          name,
		CollectionId:  collectionId,
		MaxSelect:     1,
		Required:      required,
		CascadeDelete: cascadeDelete,
	}
}
