package backoffice

import (
	"archive/zip"
	"bufio"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/xuri/excelize/v2"

	"fenxiao/hooks/shop"
	"fenxiao/internal/money"
	"fenxiao/internal/roles"
)

// column kinds of an export
const (
	colText = iota
	colFen  // int64 fen: "12.34" in CSV, fen shown as yuan in Excel
	colInt  // plain integer
	colTime // PocketBase date, shown in Asia/Shanghai time
)

type column struct {
	title string
	kind  int
}

// exportKind is one export: who may take it, the query (ordered, with
// {:from} {:to} on its date column and an optional status filter) and its
// columns in the order the query selects them.
type exportKind struct {
	perm    string
	title   string
	from    string // FROM ... JOIN ...
	date    string // the column the date range applies to
	status  string // the column ?status= filters, "" = none
	order   string
	columns []column
	selects []string
}

func cols(pairs ...any) ([]column, []string) {
	var c []column
	var s []string
	for i := 0; i < len(pairs); i += 3 {
		s = append(s, pairs[i].(string))
		c = append(c, column{pairs[i+1].(string), pairs[i+2].(int)})
	}
	return c, s
}

var exportKinds = map[string]exportKind{}

func init() {
	add := func(name string, k exportKind, pairs ...any) {
		k.columns, k.selects = cols(pairs...)
		exportKinds[name] = k
	}
	add("orders", exportKind{perm: roles.ExportOrders, title: "订单发货单",
		from: "{{orders}} o LEFT JOIN {{users}} u ON u.id = o.buyer", date: "o.created", status: "o.status", order: "o.created, o.id"},
		"o.order_no", "订单号", colText,
		"o.status", "状态", colText,
		"o.created", "下单时间", colTime,
		"o.paid_at", "支付时间", colTime,
		"u.nickname", "买家", colText,
		"u.phone", "买家手机", colText,
		"json_extract(o.address, '$.name')", "收货人", colText,
		"json_extract(o.address, '$.phone')", "收货电话", colText,
		"trim(COALESCE(json_extract(o.address, '$.province'),'') || COALESCE(json_extract(o.address, '$.city'),'') || COALESCE(json_extract(o.address, '$.district'),'') || ' ' || COALESCE(json_extract(o.address, '$.detail'),''))", "收货地址", colText,
		"(SELECT group_concat(i.title || ' ' || i.spec_text || ' ×' || i.quantity, '；') FROM {{order_items}} i WHERE i.[order] = o.id)", "商品", colText,
		"o.quantity", "件数", colInt,
		"o.payable", "实付(元)", colFen,
		"o.shipping_fee", "运费(元)", colFen,
		"o.refunded_amount", "已退款(元)", colFen,
		"o.buyer_note", "买家留言", colText,
		"o.tracking_company", "快递公司", colText,
		"o.tracking_no", "运单号", colText,
	)
	add("order_items", exportKind{perm: roles.ExportOrders, title: "订单明细",
		from: "{{order_items}} i JOIN {{orders}} o ON o.id = i.[order]", date: "o.created", status: "o.status", order: "o.created, i.[order], i.id"},
		"o.order_no", "订单号", colText,
		"o.status", "订单状态", colText,
		"o.created", "下单时间", colTime,
		"i.product", "商品ID", colText,
		"i.sku", "SKU ID", colText,
		"i.title", "商品", colText,
		"i.spec_text", "规格", colText,
		"i.unit_price", "单价(元)", colFen,
		"i.quantity", "数量", colInt,
		"i.paid_amount", "实付(元)", colFen,
		"i.refunded_amount", "已退款(元)", colFen,
		"i.returned_quantity", "退货数量", colInt,
	)
	add("commissions", exportKind{perm: roles.ExportFinance, title: "佣金明细",
		from: "{{commissions}} c LEFT JOIN {{orders}} o ON o.id = c.[order] LEFT JOIN {{users}} u ON u.id = c.beneficiary",
		date: "c.created", status: "c.status", order: "c.created, c.id"},
		"o.order_no", "订单号", colText,
		"c.day", "日期", colText,
		"u.nickname", "受益人", colText,
		"u.phone", "受益人手机", colText,
		"c.level", "层级", colInt,
		"c.base", "计佣基数(元)", colFen,
		"c.rule_kind", "规则", colText,
		"c.rule_value", "比例(基点)/每件(分)", colInt,
		"c.amount", "佣金(元)", colFen,
		"c.cancelled_amount", "已取消(元)", colFen,
		"c.status", "状态", colText,
		"c.settled_at", "结算时间", colTime,
	)
	add("withdrawals", exportKind{perm: roles.ExportFinance, title: "提现打款单",
		from: "{{withdrawals}} w LEFT JOIN {{users}} u ON u.id = w.user", date: "w.created", status: "w.status", order: "w.created, w.id"},
		"w.id", "提现ID", colText,
		"w.created", "申请时间", colTime,
		"w.status", "状态", colText,
		"w.channel", "渠道", colText,
		"u.nickname", "用户", colText,
		"u.phone", "手机", colText,
		"json_extract(w.account, '$.name')", "收款人", colText,
		"json_extract(w.account, '$.bank')", "开户行", colText,
		// the full card number a bank payout needs (hidden from the API)
		"w.account_number", "银行卡号", colText,
		"w.amount", "申请金额(元)", colFen,
		"w.fee", "手续费(元)", colFen,
		"w.payout", "应打款(元)", colFen,
		"w.reviewed_by", "审核人", colText,
	)
	add("users", exportKind{perm: roles.ExportUsers, title: "用户",
		from: "{{users}} u LEFT JOIN {{users}} r ON r.id = u.referrer", date: "u.created", order: "u.created, u.id"},
		"u.id", "用户ID", colText,
		"u.created", "注册时间", colTime,
		"u.nickname", "昵称", colText,
		"u.phone", "手机", colText,
		"u.email", "邮箱", colText,
		"u.invite_code", "邀请码", colText,
		"r.nickname", "推荐人", colText,
		"u.is_distributor", "分销员", colInt,
		"u.level", "等级", colInt,
		"u.paid_orders", "支付订单数", colInt,
		"u.total_spent", "累计消费(元)", colFen,
	)
}

// export streams ?from=&to= (YYYY-MM-DD, shop days, inclusive) and
// ?status= rows of one kind as CSV or Excel; rows go from the database
// cursor to the response one at a time.
func (p *plugin) export(e *core.RequestEvent) error {
	file := e.Request.PathValue("file")
	ext := path.Ext(file)
	k, ok := exportKinds[strings.TrimSuffix(file, ext)]
	if !ok || (ext != ".csv" && ext != ".xlsx") {
		return shop.Fail(http.StatusNotFound, "export_not_found", "没有这个导出 / unknown export")
	}
	if e.Auth == nil {
		return shop.Fail(http.StatusUnauthorized, "auth_required", "请先登录 / sign in first")
	}
	if !shop.Can(e.Auth, k.perm) {
		return shop.Fail(http.StatusForbidden, "permission_denied", "没有权限执行此操作 / your role does not allow this")
	}
	where, params, err := exportFilter(e, k)
	if err != nil {
		return err
	}
	query := fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		strings.Join(k.selects, ", "), k.from, where, k.order, p.config.MaxExportRows)
	rows, err := e.App.DB().NewQuery(query).Bind(params).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()

	name := strings.TrimSuffix(file, ext) + "-" + now().In(shop.ShopTimeZone).Format("20060102-1504") + ext
	e.Response.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	e.Response.Header().Set("Cache-Control", "no-store")
	if ext == ".csv" {
		e.Response.Header().Set("Content-Type", "text/csv; charset=utf-8")
		e.Response.WriteHeader(http.StatusOK)
		return writeCSV(e.Response, rows, k.columns)
	}
	e.Response.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	return writeXLSX(e.Response, rows, k)
}

func exportFilter(e *core.RequestEvent, k exportKind) (string, dbx.Params, error) {
	q := e.Request.URL.Query()
	conds := []string{"1=1"}
	params := dbx.Params{}
	for _, b := range []struct {
		key, op string
		add     int
	}{{"from", ">=", 0}, {"to", "<", 1}} {
		v := q.Get(b.key)
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", v, shop.ShopTimeZone)
		if err != nil {
			return "", nil, shop.FieldFail(b.key, "invalid_date", "日期格式应为 2026-01-31 / dates are YYYY-MM-DD")
		}
		params[b.key] = dbTime(d.AddDate(0, 0, b.add))
		conds = append(conds, k.date+" "+b.op+" {:"+b.key+"}")
	}
	if s := q.Get("status"); s != "" && k.status != "" {
		var list []string
		for i, v := range strings.Split(s, ",") {
			key := fmt.Sprintf("s%d", i)
			params[key] = strings.TrimSpace(v)
			list = append(list, "{:"+key+"}")
		}
		conds = append(conds, k.status+" IN ("+strings.Join(list, ",")+")")
	}
	return strings.Join(conds, " AND "), params, nil
}

// scanRow reads one row into strings or int64s by column kind.
type scanner struct {
	vals []sql.NullString
	ptrs []any
}

func newScanner(n int) *scanner {
	s := &scanner{vals: make([]sql.NullString, n), ptrs: make([]any, n)}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s
}

func fenOf(v string) int64 {
	var n int64
	fmt.Sscan(v, &n)
	return n
}

func timeText(v string) string {
	if v == "" {
		return ""
	}
	d, err := types.ParseDateTime(v)
	if err != nil || d.IsZero() {
		return v
	}
	return d.Time().In(shop.ShopTimeZone).Format("2006-01-02 15:04:05")
}

func writeCSV(w http.ResponseWriter, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, columns []column) error {
	// a byte-order mark so that Excel opens the UTF-8 file as UTF-8
	if _, err := w.Write([]byte("\xEF\xBB\xBF")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := make([]string, len(columns))
	for i, c := range columns {
		head[i] = c.title
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	s := newScanner(len(columns))
	rec := make([]string, len(columns))
	n := 0
	for rows.Next() {
		if err := rows.Scan(s.ptrs...); err != nil {
			return err
		}
		for i, c := range columns {
			v := s.vals[i].String
			switch c.kind {
			case colFen:
				v = money.Yuan(fenOf(v))
			case colTime:
				v = timeText(v)
			}
			rec[i] = v
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%5000 == 0 {
			cw.Flush()
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return rows.Err()
}

// writeXLSX streams the workbook to w as the rows arrive, in bounded
// memory. excelize's own Write puts the whole zipped file in a
// bytes.Buffer before the first byte goes out (WriteTo → WriteToBuffer),
// which is what made the heap grow with the rows (65 MiB at 100,000, 137 MiB
// at 500,000). So excelize builds a workbook holding the header row alone
// (styles, sheet names, content types), and this copies its parts into a
// zip written straight to w, putting the data rows into the sheet's part
// between the header row and </sheetData>: inline strings (no shared
// strings table to hold) and numbers, flushed as the zip's deflater fills.
func writeXLSX(w http.ResponseWriter, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, k exportKind) error {
	skeleton, sheetPart, fenStyle, err := xlsxSkeleton(k)
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(skeleton), int64(len(skeleton)))
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(w)
	for _, part := range zr.File {
		out, err := zw.CreateHeader(&zip.FileHeader{Name: part.Name, Method: zip.Deflate, Modified: part.Modified})
		if err != nil {
			return err
		}
		in, err := part.Open()
		if err != nil {
			return err
		}
		if part.Name != sheetPart {
			_, err = io.Copy(out, in)
			in.Close()
			if err != nil {
				return err
			}
			continue
		}
		raw, err := io.ReadAll(in)
		in.Close()
		if err != nil {
			return err
		}
		// the header row's dimension would be wrong for the whole sheet,
		// and it is optional
		raw = dimension.ReplaceAll(raw, nil)
		end := bytes.LastIndex(raw, []byte("</sheetData>"))
		if end < 0 {
			return fmt.Errorf("export: no sheetData in %s", sheetPart)
		}
		bw := bufio.NewWriterSize(out, 64<<10)
		bw.Write(raw[:end])
		if err := xlsxRows(bw, rows, k, fenStyle); err != nil {
			return err
		}
		bw.Write(raw[end:])
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return zw.Close()
}

var dimension = regexp.MustCompile(`<dimension [^>]*/>`)

// xlsxSkeleton builds the workbook with its header row and returns it
// zipped, the name of the sheet's part and the style id of fen cells.
func xlsxSkeleton(k exportKind) ([]byte, string, int, error) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", k.title)
	// fen shown as yuan: the quoted dot is a literal, so 1234 reads 12.34
	// and sums stay exact integers of fen
	fenStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: types.Pointer(`0"."00`)})
	if err != nil {
		return nil, "", 0, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, "", 0, err
	}
	sw, err := f.NewStreamWriter(k.title)
	if err != nil {
		return nil, "", 0, err
	}
	head := make([]any, len(k.columns))
	for i, c := range k.columns {
		head[i] = excelize.Cell{Value: c.title, StyleID: bold}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, "", 0, err
	}
	if err := sw.Flush(); err != nil {
		return nil, "", 0, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, "", 0, err
	}
	// the only sheet of a new workbook
	return buf.Bytes(), "xl/worksheets/sheet1.xml", fenStyle, nil
}

// xlsxRows writes one <row> per database row from row 2 on.
func xlsxRows(w *bufio.Writer, rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}, k exportKind, fenStyle int) error {
	cols := make([]string, len(k.columns))
	for i := range cols {
		cols[i], _ = excelize.ColumnNumberToName(i + 1)
	}
	s := newScanner(len(k.columns))
	num := make([]byte, 0, 24)
	for r := 2; rows.Next(); r++ {
		if err := rows.Scan(s.ptrs...); err != nil {
			return err
		}
		row := strconv.Itoa(r)
		w.WriteString(`<row r="` + row + `">`)
		for i, c := range k.columns {
			v := s.vals[i].String
			ref := cols[i] + row
			switch c.kind {
			case colFen, colInt:
				w.WriteString(`<c r="` + ref + `"`)
				if c.kind == colFen {
					w.WriteString(` s="` + strconv.Itoa(fenStyle) + `"`)
				}
				w.WriteString(`><v>`)
				w.Write(strconv.AppendInt(num[:0], fenOf(v), 10))
				w.WriteString(`</v></c>`)
				continue
			case colTime:
				v = timeText(v)
			}
			if v == "" {
				continue
			}
			w.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t xml:space="preserve">`)
			if err := xml.EscapeText(w, []byte(v)); err != nil {
				return err
			}
			w.WriteString(`</t></is></c>`)
		}
		if _, err := w.WriteString(`</row>`); err != nil {
			return err
		}
	}
	return rows.Err()
}
