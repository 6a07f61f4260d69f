package tests

import (
	pbtests "github.com/pocketbase/pocketbase/tests"
)

// ApiScenario is PocketBase's route test case (see its tests package):
// method, URL, body and headers in; status, body fragments and the app
// events that fired (ExpectedEvents) checked. Pair it with an app from
// [NewShopApp] through TestAppFactory and DisableTestAppCleanup, so that
// the app's cleanup (and the audit) stays with NewShopApp.
type ApiScenario = pbtests.ApiScenario

// TestApp is PocketBase's test app, as returned by [NewApp] and [NewShopApp].
type TestApp = pbtests.TestApp
