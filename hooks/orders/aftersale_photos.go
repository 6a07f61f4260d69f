package orders

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/core/validators"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"fenxiao/hooks/shop"
)

// photosField is the after-sale's file field of the buyer's photos.
const photosField = "photos"

// aftersalePhotos handles POST /api/shop/aftersales/{id}/photos, a
// multipart form with one or more "photos" files: the buyer adds photos to
// their own after-sale while it is open (applied, approved, returning,
// received). The count, size and types are those of the aftersales.photos
// field (at most 6 in all, 5 MB each, JPEG/PNG/WebP by content); the
// answer is the after-sale. Photos are protected files: see the
// aftersale_photos migration for how they are fetched.
func (p *plugin) aftersalePhotos(e *core.RequestEvent) error {
	if !strings.HasPrefix(e.Request.Header.Get("Content-Type"), "multipart/form-data") {
		return shop.FieldFail(photosField, "photos_required", "请以 multipart/form-data 上传照片 / upload the photos as multipart/form-data")
	}
	// note: ownership first, so that someone else's after-sale is a 404
	// whatever they upload
	id, err := shop.PathId(e, "id")
	if err != nil {
		return err
	}
	as, err := findAftersale(e.App, id, e.Auth.Id)
	if err != nil {
		return err
	}
	field, ok := as.Collection().Fields.GetByName(photosField).(*core.FileField)
	if !ok {
		return fmt.Errorf("aftersales.%s is not a file field", photosField)
	}
	files, err := e.FindUploadedFiles(photosField)
	if err != nil || len(files) == 0 {
		if errors.Is(err, http.ErrMissingFile) || err == nil {
			return shop.FieldFail(photosField, "photos_required", "请选择照片 / choose the photos to upload")
		}
		return shop.Fail(http.StatusBadRequest, "invalid_body", "请求格式错误 / invalid request body")
	}
	if err := checkPhotos(field, files); err != nil {
		return err
	}

	err = e.App.RunInTransaction(func(txApp core.App) error {
		var err error
		if as, err = findAftersale(txApp, as.Id, e.Auth.Id); err != nil {
			return err
		}
		if !slices.Contains(openAftersaleStatuses, as.GetString("status")) {
			return shop.Fail(http.StatusConflict, "aftersale_closed", "售后单已结束，不能再上传照片 / the after-sale is over: no more photos")
		}
		max := max(field.MaxSelect, 1)
		if n := len(as.GetStringSlice(photosField)); n+len(files) > max {
			return shop.FieldFail(photosField, "too_many_photos",
				fmt.Sprintf("最多%d张照片，已有%d张 / at most %d photos, %d already", max, n, max, n))
		}
		as.Set(photosField+"+", files)
		return save(txApp, as)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, as)
}

// checkPhotos checks each upload's size and, by its content, that it is
// an image of one of the field's types.
func checkPhotos(field *core.FileField, files []*filesystem.File) error {
	maxSize := field.MaxSize
	if maxSize <= 0 {
		maxSize = core.DefaultFileFieldMaxSize
	}
	// note: only image types, even if the field is widened in the dashboard
	types := []string{}
	for _, t := range field.MimeTypes {
		if strings.HasPrefix(t, "image/") {
			types = append(types, t)
		}
	}
	if len(types) == 0 {
		types = []string{"image/jpeg", "image/png", "image/webp"}
	}
	for i, f := range files {
		if f.Size > maxSize {
			return shop.FieldFail(photosField, "photo_too_large",
				fmt.Sprintf("第%d张照片超过%dMB / photo %d is larger than %d MB", i+1, maxSize>>20, i+1, maxSize>>20))
		}
		if validators.UploadedFileMimeType(types)(f) != nil {
			return shop.FieldFail(photosField, "photo_not_image",
				fmt.Sprintf("第%d张不是支持的图片（JPEG/PNG/WebP） / file %d is not a supported image (JPEG, PNG, WebP)", i+1, i+1))
		}
	}
	return nil
}
