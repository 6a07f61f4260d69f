// Package demo fills an empty shop with believable demo data: a superuser,
// a small referral tree of distributors, categories, brands, a shipping
// template and products with SKUs.
//
// Example usage:
//
//	demo.MustRegister(app, demo.Config{RootCmd: app.RootCmd, SeedOnServe: withDemoFlag})
package demo

import (
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/spf13/cobra"

	"fenxiao/hooks/shop"
)

// SuperuserEmail is the demo superuser's login.
const SuperuserEmail = "admin@fenxiao.demo"

// UserPassword is the password of every demo shopper/distributor account.
const UserPassword = "demo123456"

// Config configures the demo seeder.
type Config struct {
	// RootCmd, when set, receives the `demo` command.
	RootCmd *cobra.Command

	// SeedOnServe seeds (if the shop is empty) when the server starts.
	SeedOnServe bool
}

// MustRegister binds the demo seeder to app.
func MustRegister(app core.App, config Config) {
	if config.SeedOnServe {
		app.OnServe().BindFunc(func(se *core.ServeEvent) error {
			if err := seedAndReport(se.App); err != nil {
				return fmt.Errorf("demo seed: %w", err)
			}
			return errors.Join(se.Next(), SeedActivity(se))
		})
	}
	if config.RootCmd != nil {
		config.RootCmd.AddCommand(&cobra.Command{
			Use:          "demo",
			Short:        "Fill an empty database with a demo shop and print the demo superuser's credentials",
			SilenceUsage: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := app.RunAllMigrations(); err != nil {
					return err
				}
				return seedAndReport(app)
			},
		})
	}
}

func seedAndReport(app core.App) error {
	result, err := Seed(app)
	if errors.Is(err, ErrNotEmpty) {
		fmt.Println("demo: the shop already has data; nothing seeded (superuser " + SuperuserEmail + ")")
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Println("──────────────────────────────────────────────────────────")
	fmt.Println(" fenxiao demo shop is ready")
	fmt.Printf(" dashboard superuser: %s / %s\n", SuperuserEmail, result.SuperuserPassword)
	fmt.Printf(" demo shoppers (password %s): %s\n", UserPassword, result.UserEmails)
	fmt.Printf(" %d categories, %d products, %d SKUs, referral tree %s\n",
		result.Categories, result.Products, result.Skus, result.Tree)
	fmt.Println("──────────────────────────────────────────────────────────")
	return nil
}

// ErrNotEmpty is returned by Seed when the shop already has users or products.
var ErrNotEmpty = errors.New("demo: the shop is not empty")

// Result describes what Seed created.
type Result struct {
	SuperuserPassword string
	UserEmails        []string
	Tree              string
	Categories        int
	Products          int
	Skus              int
}

// Seed fills an empty shop in one transaction. It refuses (ErrNotEmpty) to
// touch a shop that has users or products.
func Seed(app core.App) (*Result, error) {
	users, err := app.CountRecords(shop.UsersCollection)
	if err != nil {
		return nil, err
	}
	products, err := app.CountRecords(shop.ProductsCollection)
	if err != nil {
		return nil, err
	}
	if users > 0 || products > 0 {
		return nil, ErrNotEmpty
	}

	result := &Result{SuperuserPassword: security.RandomStringWithAlphabet(14, "abcdefghijkmnpqrstuvwxyz23456789")}
	err = app.RunInTransaction(func(txApp core.App) error {
		if err := seedSuperuser(txApp, result.SuperuserPassword); err != nil {
			return fmt.Errorf("superuser: %w", err)
		}
		if err := seedPeople(txApp, result); err != nil {
			return fmt.Errorf("people: %w", err)
		}
		if err := seedCatalog(txApp, result); err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if err := seedImages(txApp); err != nil {
			return fmt.Errorf("images: %w", err)
		}
		if err := seedMarketing(txApp); err != nil {
			return fmt.Errorf("coupons and flash sales: %w", err)
		}
		if err := seedPrivileges(txApp); err != nil {
			return fmt.Errorf("level privileges: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

func seedSuperuser(app core.App, password string) error {
	col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		return err
	}
	su, err := app.FindAuthRecordByEmail(col, SuperuserEmail)
	if err != nil {
		su = core.NewRecord(col)
		su.SetEmail(SuperuserEmail)
	}
	su.SetPassword(password)
	return app.Save(su)
}

type person struct {
	key, nickname, phone string
	upline               string // key of the inviter
}

// the tree: 王芳 ← 李强 ← 张伟 ← 刘洋, with 陈静 and 赵磊 in 王芳's first level
var demoPeople = []person{
	{"wangfang", "王芳", "13800000001", ""},
	{"liqiang", "李强", "13800000002", "wangfang"},
	{"chenjing", "陈静", "13800000003", "wangfang"},
	{"zhaolei", "赵磊", "13800000004", "wangfang"},
	{"zhangwei", "张伟", "13800000005", "liqiang"},
	{"liuyang", "刘洋", "13800000006", "zhangwei"},
}

func seedPeople(app core.App, result *Result) error {
	col, err := app.FindCollectionByNameOrId(shop.UsersCollection)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, p := range demoPeople {
		u := core.NewRecord(col)
		email := p.key + "@fenxiao.demo"
		u.SetEmail(email)
		u.SetPassword(UserPassword)
		u.SetVerified(true)
		u.Set("nickname", p.nickname)
		u.Set("phone", p.phone)
		if p.upline != "" {
			u.Set("referrer", ids[p.upline])
			u.Set("bound_source", "poster")
			u.Set("bound_scene", "demo")
		}
		if err := app.Save(u); err != nil {
			return fmt.Errorf("%s: %w", p.nickname, err)
		}
		ids[p.key] = u.Id
		result.UserEmails = append(result.UserEmails, email)
	}
	result.Tree = "王芳 ← 李强 ← 张伟 ← 刘洋 (+陈静, 赵磊 under 王芳)"
	return nil
}
