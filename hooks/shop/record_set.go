package shop

import "github.com/pocketbase/pocketbase/core"

// SetField sets a field of r as r.Set(name, value) does for a plain field
// name (no "+" or "-" modifier): the field prepares the value. A name that
// is not a field of r's collection goes to r.Set.
//
// Why: Record.Set asks every field of the collection in turn for a setter
// of the key, and text, number, relation and select fields build their
// modifier keys ("name+", "+name", ...) to compare on every call. The
// ledger entries, commissions and notifications of a payment set about
// sixty fields in the shop's one writer, where that was a tenth of its
// CPU.
func SetField(r *core.Record, name string, value any) {
	f := r.Collection().Fields.GetByName(name)
	if f == nil {
		r.Set(name, value)
		return
	}
	// note: as Record.SetIfFieldExists, which drops the error too; a
	// value the field cannot take is caught by validation or the insert
	v, _ := f.PrepareValue(r, value)
	r.SetRaw(name, v)
}

// SetFields is [SetField] for each name and value of values.
func SetFields(r *core.Record, values map[string]any) {
	for name, v := range values {
		SetField(r, name, v)
	}
}
