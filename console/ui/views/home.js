// Home: today's and the period's figures, money owed to distributors, the
// work waiting, and daily charts over 7/30/90 days.
import { api, h, yuan } from '../lib.js';

let days = 30;
const charts = [];

export default async function home(el) {
  const [s, series] = await Promise.all([
    api.get('/api/shop/admin/reports/summary', { days }),
    api.get('/api/shop/admin/reports/series', { days }),
  ]);
  const card = (k, v, sub, alert) => h('div', { class: 'card' + (alert ? ' alert' : '') },
    h('div', { class: 'k' }, k), h('div', { class: 'v' }, v), sub ? h('div', { class: 's' }, sub) : null);
  const period = `近 ${days} 天`;
  const seg = h('div', { class: 'seg' }, [7, 30, 90].map(d =>
    h('button', { class: d === days ? 'on' : '', onclick: () => { days = d; home(el); } }, `${d} 天`)));

  const trend = h('canvas', { id: 'chart-trend' });
  const users = h('canvas', { id: 'chart-users' });
  el.replaceChildren(
    h('div', { class: 'section-title' }, '今日'),
    h('div', { class: 'cards' },
      card('成交额 GMV', yuan(s.today.gmv), `${period} ${yuan(s.period.gmv)}`),
      card('支付订单', s.today.paid_orders, `${period} ${s.period.paid_orders} 单`),
      card('客单价', yuan(s.today.avg_order), `${period} ${yuan(s.period.avg_order)}`),
      card('退款', yuan(s.today.refunds), `${period} ${yuan(s.period.refunds)}（${s.period.refund_count} 笔）`),
      card('新用户', s.today.new_users, `${period} ${s.period.new_users}`),
      card('新分销员', s.today.new_distributors, `${period} ${s.period.new_distributors}`)),
    h('div', { class: 'section-title' }, '佣金与待办'),
    h('div', { class: 'cards' },
      card('冻结中佣金', yuan(s.commission_frozen), '订单完成且过冻结期后结算'),
      card('可提现余额', yuan(s.commission_payable), '已结算到分销员钱包'),
      card('已打款', yuan(s.commission_paid), '提现累计'),
      card('待处理提现', s.withdrawals_waiting, yuan(s.withdrawals_waiting_amount), s.withdrawals_waiting > 0),
      card('待发货', s.to_ship, '已支付未发货', s.to_ship > 0),
      card('进行中售后', s.aftersales_open, `银行转账待确认 ${s.offline_waiting}`, s.aftersales_open > 0)),
    h('div', { class: 'charts' },
      h('div', { class: 'panel' }, h('h3', {}, '成交趋势', seg), h('div', { class: 'chart-box' }, trend)),
      h('div', { class: 'panel' }, h('h3', {}, '新用户与退款'), h('div', { class: 'chart-box' }, users))));

  charts.splice(0).forEach(c => c.destroy());
  const labels = series.days.map(d => d.day.slice(5));
  const Chart = window.Chart;
  charts.push(new Chart(trend, {
    data: {
      labels,
      datasets: [
        { type: 'bar', label: '成交额（元）', data: series.days.map(d => d.gmv / 100), backgroundColor: 'rgba(228,57,60,.75)', yAxisID: 'y' },
        { type: 'line', label: '支付订单', data: series.days.map(d => d.paid_orders), borderColor: '#3370ff', backgroundColor: '#3370ff', cubicInterpolationMode: 'monotone', yAxisID: 'y1', pointRadius: days > 30 ? 0 : 2 },
      ],
    },
    options: chartOptions({ y1: { position: 'right', grid: { drawOnChartArea: false }, beginAtZero: true, ticks: { precision: 0 } } }),
  }));
  charts.push(new Chart(users, {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: '新用户', data: series.days.map(d => d.new_users), borderColor: '#2ea121', backgroundColor: 'rgba(46,161,33,.12)', fill: true, cubicInterpolationMode: 'monotone', pointRadius: 0 },
        { label: '退款（元）', data: series.days.map(d => d.refunds / 100), borderColor: '#e6a23c', cubicInterpolationMode: 'monotone', pointRadius: 0, yAxisID: 'y1' },
      ],
    },
    options: chartOptions({ y1: { position: 'right', grid: { drawOnChartArea: false }, beginAtZero: true } }),
  }));
}

function chartOptions(extraScales) {
  return {
    responsive: true, maintainAspectRatio: false, animation: false,
    interaction: { mode: 'index', intersect: false },
    plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    scales: { x: { grid: { display: false }, ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, ticks: { precision: 0 } }, ...extraScales },
  };
}
