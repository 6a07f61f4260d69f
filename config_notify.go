package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"github.com/pocketbase/pocketbase/core"

	"fenxiao/plugins/aliyunsms"
	"fenxiao/plugins/staffmail"
	"fenxiao/plugins/tencentsms"
	"fenxiao/plugins/wechat"
	"fenxiao/plugins/wxsubscribe"
)

// registerNotifyChannels registers the notification channels and the SMS
// sender the environment enables (see the README's "Notifications"); each
// stays off without its settings. wx is the mini-program client, or nil.
func registerNotifyChannels(app core.App, wx *wechat.Client) {
	// SMS: Aliyun, else Tencent Cloud (one "sms" channel at most)
	if id := env("FENXIAO_ALIYUN_SMS_KEY_ID", ""); id != "" {
		var templates map[string]aliyunsms.Template
		mustJSON("FENXIAO_ALIYUN_SMS_TEMPLATES", &templates)
		aliyunsms.MustRegister(app, aliyunsms.Config{
			AccessKeyId:     id,
			AccessKeySecret: env("FENXIAO_ALIYUN_SMS_KEY_SECRET", ""),
			SignName:        env("FENXIAO_ALIYUN_SMS_SIGN", ""),
			CodeTemplate:    env("FENXIAO_ALIYUN_SMS_CODE_TEMPLATE", ""),
			Templates:       templates,
			Endpoint:        env("FENXIAO_ALIYUN_SMS_ENDPOINT", ""),
		})
	} else if id := env("FENXIAO_TENCENT_SMS_SECRET_ID", ""); id != "" {
		var templates map[string]tencentsms.Template
		mustJSON("FENXIAO_TENCENT_SMS_TEMPLATES", &templates)
		minutes, _ := strconv.Atoi(env("FENXIAO_TENCENT_SMS_CODE_MINUTES", "0"))
		tencentsms.MustRegister(app, tencentsms.Config{
			SecretId:     id,
			SecretKey:    env("FENXIAO_TENCENT_SMS_SECRET_KEY", ""),
			SdkAppId:     env("FENXIAO_TENCENT_SMS_APP_ID", ""),
			SignName:     env("FENXIAO_TENCENT_SMS_SIGN", ""),
			CodeTemplate: env("FENXIAO_TENCENT_SMS_CODE_TEMPLATE", ""),
			CodeMinutes:  minutes,
			Templates:    templates,
			Region:       env("FENXIAO_TENCENT_SMS_REGION", ""),
			Endpoint:     env("FENXIAO_TENCENT_SMS_ENDPOINT", ""),
		})
	}

	// WeChat subscribe messages: the mini-program keys and the templates
	if raw := env("FENXIAO_WX_SUBSCRIBE_TEMPLATES", ""); raw != "" && wx != nil {
		templates, err := wxsubscribe.ParseTemplates(raw)
		if err != nil {
			panic(err)
		}
		wxsubscribe.MustRegister(app, wxsubscribe.Config{
			Tokens:    wx,
			Templates: templates,
			State:     env("FENXIAO_WX_SUBSCRIBE_STATE", ""),
			BaseURL:   env("FENXIAO_WECHAT_API_URL", wechat.DefaultBaseURL),
		})
	}

	// staff e-mails through the dashboard's SMTP settings
	if os.Getenv("FENXIAO_STAFF_EMAIL") == "1" {
		staffmail.MustRegister(app, staffmail.Config{})
	}
}

// mustJSON decodes the JSON in environment variable name into v (unset: nothing).
func mustJSON(name string, v any) {
	raw := os.Getenv(name)
	if raw == "" {
		return
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
}
