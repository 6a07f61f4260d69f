package orders_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
)

// pngBytes is a small genuine PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type upload struct {
	name string
	data []byte
}

// uploadPhotos posts files as multipart "photos" to an after-sale.
func (f *fixture) uploadPhotos(t *testing.T, asId, token string, files ...upload) (int, string, map[string]any) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, u := range files {
		part, err := w.CreateFormFile("photos", u.name)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(u.data)
	}
	w.Close()
	req := httptest.NewRequest("POST", "/api/shop/aftersales/"+asId+"/photos", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", token)
	rec := httptest.NewRecorder()
	f.c.Handler.ServeHTTP(rec, req)
	out := map[string]any{}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	code := ""
	if data, ok := out["data"].(map[string]any); ok {
		for _, v := range data {
			if m, ok := v.(map[string]any); ok {
				code, _ = m["code"].(string)
			}
		}
	}
	return rec.Code, code, out
}

// fetchFile GETs a file through PocketBase's files API with a file token
// of the given auth token ("" for none) and returns the status and body.
func (f *fixture) fetchFile(t *testing.T, asId, filename, authToken string) (int, []byte) {
	t.Helper()
	url := "/api/files/aftersales/" + asId + "/" + filename
	if authToken != "" {
		res := f.c.Do("POST", "/api/files/token", nil, authToken)
		tok, _ := res.Body["token"].(string)
		if res.Status != 200 || tok == "" {
			t.Fatalf("file token: %d %s", res.Status, res.Raw)
		}
		url += "?token=" + tok
	}
	rec := httptest.NewRecorder()
	f.c.Handler.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
	return rec.Code, rec.Body.Bytes()
}

func TestAftersalePhotosUploadAndProtectedFetch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.checkout(t, f.cup, 1)
	f.paySandbox(t, id)
	items, _ := f.app.FindRecordsByFilter("order_items", "order = {:o}", "", 0, 0, map[string]any{"o": id})
	res := f.c.Do("POST", "/api/shop/aftersales", map[string]any{"order": id, "type": "refund", "reason": "破损",
		"items": []map[string]any{{"order_item": items[0].Id, "quantity": 1}}}, f.token)
	if res.Status != 200 {
		t.Fatalf("apply: %d %s", res.Status, res.Raw)
	}
	as := res.Body["id"].(string)
	photo := pngBytes(t)

	// someone else's after-sale is not found; nothing is stored
	if st, _, _ := f.uploadPhotos(t, as, f.other, upload{"a.png", photo}); st != 404 {
		t.Fatalf("other buyer: %d", st)
	}
	// not an image (whatever its name says), or JSON instead of files
	if st, code, _ := f.uploadPhotos(t, as, f.token, upload{"a.png", []byte("just text, not a picture")}); st != 400 || code != "photo_not_image" {
		t.Fatalf("text as png: %d %s", st, code)
	}
	if r := f.c.Do("POST", "/api/shop/aftersales/"+as+"/photos", map[string]any{"photos": []string{"x.png"}}, f.token); r.Status != 400 || r.Code() != "photos_required" {
		t.Fatalf("json body: %d %s", r.Status, r.Raw)
	}
	if st, code, _ := f.uploadPhotos(t, as, f.token); st != 400 || code != "photos_required" {
		t.Fatalf("no files: %d %s", st, code)
	}
	if n := len(reload(t, f.app, "aftersales", as).GetStringSlice("photos")); n != 0 {
		t.Fatalf("refused uploads stored %d photos", n)
	}

	st, _, body := f.uploadPhotos(t, as, f.token, upload{"broken.png", photo}, upload{"box.png", photo})
	if st != 200 {
		t.Fatalf("upload: %d %v", st, body)
	}
	names := reload(t, f.app, "aftersales", as).GetStringSlice("photos")
	if len(names) != 2 || !strings.HasPrefix(names[0], "broken") {
		t.Fatalf("photos = %v", names)
	}
	// at most 6 in all
	five := make([]upload, 0, 5)
	for range 5 {
		five = append(five, upload{"more.png", photo})
	}
	if st, code, _ := f.uploadPhotos(t, as, f.token, five...); st != 400 || code != "too_many_photos" {
		t.Fatalf("8 photos: %d %s", st, code)
	}

	// protected: the owner fetches with a file token; the other buyer and
	// anonymous callers get 404; the admin sees it too
	if st, got := f.fetchFile(t, as, names[0], f.token); st != 200 || !bytes.Equal(got, photo) {
		t.Fatalf("owner fetch: %d (%d bytes)", st, len(got))
	}
	if st, _ := f.fetchFile(t, as, names[0], f.other); st != 404 {
		t.Fatalf("other buyer fetch: %d", st)
	}
	if st, _ := f.fetchFile(t, as, names[0], ""); st != 404 {
		t.Fatalf("anonymous fetch: %d", st)
	}
	if st, _ := f.fetchFile(t, as, names[0], f.admin); st != 200 {
		t.Fatalf("admin fetch: %d", st)
	}

	// a closed after-sale takes no more photos
	if r := f.c.Do("POST", "/api/shop/aftersales/"+as+"/close", nil, f.token); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Raw)
	}
	if st, code, _ := f.uploadPhotos(t, as, f.token, upload{"late.png", photo}); st != 409 || code != "aftersale_closed" {
		t.Fatalf("closed after-sale: %d %s", st, code)
	}
	if n := len(reload(t, f.app, "aftersales", as).GetStringSlice("photos")); n != 2 {
		t.Fatalf("photos after refusals = %d", n)
	}
}
