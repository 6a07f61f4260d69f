package suite

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// route is one route the router serves.
type route struct {
	Method string
	Path   string
}

func (r route) String() string { return r.Method + " " + r.Path }

// shopRoutes lists every route under /api/shop/ that the app's serve event
// registers, read from the router itself so that a route added anywhere is
// listed.
func shopRoutes(t testing.TB, app core.App) []route {
	t.Helper()
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	// note: the router keeps its routes in an unexported field; reflection
	// reads it without touching the router
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if f := v.FieldByName("children"); f.IsValid() {
			p := prefix + v.FieldByName("Prefix").String()
			for i := range f.Len() {
				walk(f.Index(i), p)
			}
			return
		}
		path := prefix + v.FieldByName("Path").String()
		if strings.HasPrefix(path, "/api/shop/") {
			out = append(out, route{Method: v.FieldByName("Method").String(), Path: path})
		}
	}
	walk(reflect.ValueOf(r.RouterGroup), "")
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	if len(out) < 20 {
		t.Fatalf("only %d shop routes found: the router walk is broken", len(out))
	}
	return out
}

// concrete fills a route's path wildcards ({id}, {path...}) with value.
func concrete(path, value string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			return b.String()
		}
		j := strings.IndexByte(path[i:], '}')
		b.WriteString(path[:i])
		b.WriteString(value)
		path = path[i+j+1:]
	}
}
