// Package apidoc serves the OpenAPI 3.1 document of the shop's routes
// (GET /api/shop/openapi.json) and a page that renders it (GET /api/shop/docs).
//
// The document is assembled from the fragments in openapi/: base.json holds
// the header and the shared components, every other file documents the
// routes of one area ({"paths": {...}, "components": {"schemas": {...}}}).
// Documenting a new route is one edit in one place: add its path to the
// area's file, or add a file for a new area. A path, method or schema
// documented twice is an error, so that two fragments never silently
// override each other. The schemas of the collections a client reads
// directly are generated from the running shop's collections.
package apidoc

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

//go:embed openapi/*.json
var fragments embed.FS

//go:embed docs.html
var docsPage []byte

// baseFile is the fragment with the document's header and shared components.
const baseFile = "base.json"

// ClientCollections are the collections clients read through PocketBase's
// collection API; their schemas (fields and API rules) are added to the
// document as components.schemas.collection_{name}. Collections missing
// from the app (a plugin switched off) are left out.
var ClientCollections = []string{
	"products", "skus", "categories", "brands", "materials",
	"addresses", "cart_items", "orders", "order_items", "aftersales",
	"notifications", "commissions", "wallets", "wallet_entries",
	"withdrawals", "referral_events",
}

// Register serves the document and its page.
func Register(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/shop/openapi.json", func(e *core.RequestEvent) error {
			doc, err := Document(e.App)
			if err != nil {
				return e.InternalServerError("", err)
			}
			return e.JSON(http.StatusOK, doc)
		})
		se.Router.GET("/api/shop/docs", func(e *core.RequestEvent) error {
			return e.Blob(http.StatusOK, "text/html; charset=utf-8", docsPage)
		})
		return se.Next()
	})
}

// Static returns the document assembled from the fragments alone, without
// the collection schemas (which need an app).
func Static() (map[string]any, error) {
	var doc map[string]any
	if err := readFragment(baseFile, &doc); err != nil {
		return nil, err
	}
	paths := child(doc, "paths")
	schemas := child(child(doc, "components"), "schemas")

	files, err := fs.Glob(fragments, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	for _, file := range files {
		name := path.Base(file)
		if name == baseFile {
			continue
		}
		var frag struct {
			Paths      map[string]map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := readFragment(name, &frag); err != nil {
			return nil, err
		}
		for p, item := range frag.Paths {
			existing := child(paths, p)
			for method, op := range item {
				if _, dup := existing[method]; dup {
					return nil, fmt.Errorf("apidoc: %s %s is documented twice (again in %s)", strings.ToUpper(method), p, name)
				}
				existing[method] = op
			}
		}
		for s, schema := range frag.Components.Schemas {
			if _, dup := schemas[s]; dup {
				return nil, fmt.Errorf("apidoc: schema %s is defined twice (again in %s)", s, name)
			}
			schemas[s] = schema
		}
	}
	addStatusCodes(doc)
	return doc, nil
}

// addStatusCodes adds the codes of base.json's x-status-codes to the
// x-codes of every documented error response with that status. The shop's
// error shape middleware gives PocketBase's own refusals (missing auth, a
// foreign token, a body it cannot read) a code named after the status on
// every route, so they are documented once here rather than in each
// fragment.
func addStatusCodes(doc map[string]any) {
	byStatus, _ := doc["x-status-codes"].(map[string]any)
	for _, item := range child(doc, "paths") {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			o, _ := op.(map[string]any)
			responses, _ := o["responses"].(map[string]any)
			for status, resp := range responses {
				extra, _ := byStatus[status].([]any)
				r, _ := resp.(map[string]any)
				if len(extra) == 0 || r == nil {
					continue
				}
				codes, _ := r["x-codes"].([]any)
				for _, c := range extra {
					if !slices.Contains(codes, c) {
						codes = append(codes, c)
					}
				}
				r["x-codes"] = codes
			}
		}
	}
}

// Document returns the whole document: the fragments and the schemas of
// app's [ClientCollections].
func Document(app core.App) (map[string]any, error) {
	doc, err := Static()
	if err != nil {
		return nil, err
	}
	schemas := child(child(doc, "components"), "schemas")
	for _, name := range ClientCollections {
		c, err := app.FindCachedCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		schemas["collection_"+name] = CollectionSchema(c)
	}
	return doc, nil
}

// CollectionSchema describes a collection's records as a JSON Schema with
// its API rules (x-rules: nil means superusers only, "" anyone).
func CollectionSchema(c *core.Collection) map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, f := range c.Fields {
		if f.GetHidden() {
			continue
		}
		props[f.GetName()] = fieldSchema(f)
		if f.GetName() == "id" {
			required = append(required, "id")
		}
	}
	rules := map[string]any{}
	for name, rule := range map[string]*string{
		"list": c.ListRule, "view": c.ViewRule, "create": c.CreateRule, "update": c.UpdateRule, "delete": c.DeleteRule,
	} {
		if rule == nil {
			rules[name] = nil
		} else {
			rules[name] = *rule
		}
	}
	return map[string]any{
		"type":        "object",
		"description": "records of the " + c.Name + " collection (/api/collections/" + c.Name + "/records); x-rules are its API rules: null = superusers only, \"\" = anyone",
		"properties":  props,
		"required":    required,
		"x-rules":     rules,
	}
}

func fieldSchema(f core.Field) map[string]any {
	s := map[string]any{}
	switch f := f.(type) {
	case *core.NumberField:
		s["type"] = "number"
		if f.OnlyInt {
			s["type"] = "integer"
		}
	case *core.BoolField:
		s["type"] = "boolean"
	case *core.JSONField:
		s["description"] = "JSON"
	case *core.SelectField:
		values := map[string]any{"type": "string", "enum": f.Values}
		if f.IsMultiple() {
			s["type"], s["items"] = "array", values
		} else {
			// an unset select reads as ""
			s["type"], s["enum"] = "string", append([]string{""}, f.Values...)
		}
	case *core.RelationField:
		s["description"] = "id of a record of " + f.CollectionId
		if f.IsMultiple() {
			s["type"], s["items"] = "array", map[string]any{"type": "string"}
		} else {
			s["type"] = "string"
		}
	case *core.FileField:
		s["description"] = "file name: /api/files/{collection}/{record}/{name}"
		if f.IsMultiple() {
			s["type"], s["items"] = "array", map[string]any{"type": "string"}
		} else {
			s["type"] = "string"
		}
	default:
		s["type"] = "string"
	}
	s["x-field"] = f.Type()
	return s
}

func readFragment(name string, v any) error {
	raw, err := fragments.ReadFile("openapi/" + name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("apidoc: %s: %w", name, err)
	}
	return nil
}

// child returns m[key] as an object, creating it when missing.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}
