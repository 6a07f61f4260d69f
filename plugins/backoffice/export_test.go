package backoffice

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"fenxiao/tests"
)

func TestExportOrdersExcelAndCSV(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, token := staff(t, app, "wh@test.local", "warehouse")

	// paid or shipped orders placed on 2026-03-10 (Shanghai): N1, N2 (N6 is unpaid)
	res := client.Do(http.MethodGet, "/api/shop/admin/export/orders.xlsx?from=2026-03-10&to=2026-03-10&status=paid,shipped", nil, token)
	mustStatus(t, res, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("订单发货单", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"订单号", "状态", "下单时间", "支付时间", "买家", "买家手机", "收货人", "收货电话", "收货地址", "商品", "件数", "实付(元)", "运费(元)", "已退款(元)", "买家留言", "快递公司", "运单号"},
		{"N1", "paid", "2026-03-10 00:55:00", "2026-03-10 01:00:00", "买家甲", "13900000001", "收件人N1", "13800000000", "浙江省杭州市西湖区 文三路 1 号", "龙井茶 250g ×1", "1", "10000", "0", "0"},
		{"N2", "shipped", "2026-03-10 10:59:00", "2026-03-10 11:00:00", "买家甲", "13900000001", "收件人N2", "13800000000", "浙江省杭州市西湖区 文三路 1 号", "龙井茶 250g ×1", "1", "5001", "0", "0"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %v\nwant %v", i, rows[i], want[i])
		}
	}
	// amounts are fen shown as yuan by the cell format
	shown, _ := f.GetCellValue("订单发货单", "L3")
	if shown != "50.01" {
		t.Errorf("formatted amount %q, want 50.01", shown)
	}

	res = client.Do(http.MethodGet, "/api/shop/admin/export/orders.csv?from=2026-03-10&to=2026-03-10&status=paid,shipped", nil, token)
	mustStatus(t, res, http.StatusOK)
	if !bytes.HasPrefix(res.Raw, []byte("\xEF\xBB\xBF")) {
		t.Fatal("CSV without the byte-order mark Excel needs")
	}
	records, err := csv.NewReader(bytes.NewReader(res.Raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 3 || records[1][0] != "N1" || records[1][11] != "100.00" || records[2][11] != "50.01" || records[2][8] != "浙江省杭州市西湖区 文三路 1 号" {
		t.Fatalf("csv: %v", records)
	}
}

func TestExportWithdrawalsCarriesBankDetails(t *testing.T) {
	setClock(t, "2026-03-10 12:00")
	app, client := newApp(t)
	seedShop(t, app)
	_, token := staff(t, app, "fin@test.local", "finance")

	res := client.Do(http.MethodGet, "/api/shop/admin/export/withdrawals.xlsx?status=approved", nil, token)
	mustStatus(t, res, http.StatusOK)
	f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("提现打款单", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows: %v", rows)
	}
	got := strings.Join(rows[1], "|")
	wantRow := "w2aaaaaaaaaaaaa|2026-03-10 10:00:00|approved|bank|分销乙|13900000002|分销乙|招商银行|6225880012341234|2000|10|1990"
	if got != wantRow {
		t.Fatalf("withdrawal row\n got %s\nwant %s", got, wantRow)
	}

	bad := client.Do(http.MethodGet, "/api/shop/admin/export/withdrawals.csv?from=yesterday", nil, token)
	if bad.Status != http.StatusBadRequest || bad.Code() != "invalid_date" {
		t.Fatalf("bad date: %d %s", bad.Status, bad.Raw)
	}
	_ = tests.Response{}
}
