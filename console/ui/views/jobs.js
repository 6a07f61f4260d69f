// Scheduled jobs: schedule, last run, duration and outcome; run one now.
// A running job (started here, by the schedule or in another tab) shows how
// far it has got — processed / total when the job reports it (settling a
// backlog does) — read from the jobs route every second until it ends.
import { api, h, when, table, toast, errorText } from '../lib.js';

const POLL_MS = 1000;

// progress renders a run in flight: a bar with done / total, or the
// elapsed time alone while the job has not counted its work.
function progress(r) {
  const secs = Math.max(0, Math.round((Date.now() - new Date(r.started)) / 1000));
  if (!r.total) return h('div', { class: 'progress' }, `运行中… 已用 ${secs} 秒`);
  const pct = Math.min(100, Math.floor(r.done * 100 / r.total));
  return h('div', { class: 'progress', 'data-done': r.done, 'data-total': r.total },
    h('div', { class: 'bar' }, h('span', { style: `width: ${pct}%` })),
    h('div', { class: 'sub' }, `已处理 ${r.done.toLocaleString('zh-CN')} / ${r.total.toLocaleString('zh-CN')}（${pct}%）· 已用 ${secs} 秒`));
}

export default async function jobs(el) {
  let list = await api.get('/api/shop/admin/reports/jobs');
  const cells = new Map(); // job name → its status element
  let timer = null;

  // poll refreshes the progress of every running job; once none runs it
  // stops and redraws the page with the last runs
  const poll = async () => {
    timer = null;
    if (!el.isConnected) return;
    try {
      list = await api.get('/api/shop/admin/reports/jobs');
    } catch { /* keep the last state; try again */ }
    let running = false;
    for (const j of list) {
      const status = cells.get(j.name);
      if (!status) continue;
      if (j.running) {
        running = true;
        status.replaceChildren(progress(j.running));
      }
    }
    if (running || inFlight.size) timer = setTimeout(poll, POLL_MS);
    else render();
  };
  const inFlight = new Set();
  const run = async (j, b, status) => {
    b.disabled = true;
    inFlight.add(j.name);
    status.replaceChildren(progress({ started: new Date().toISOString(), done: 0, total: 0 }));
    if (!timer) timer = setTimeout(poll, POLL_MS);
    try {
      const res = await api.post(`/api/shop/admin/jobs/${j.name}`);
      toast(`${j.name}：${res.summary || '完成'}`);
    } catch (err) {
      toast(`${j.name} 失败：${errorText(err)}`, true);
    } finally {
      inFlight.delete(j.name);
      if (!timer) timer = setTimeout(poll, 0);
    }
  };

  const render = () => {
    cells.clear();
    el.replaceChildren(
      h('p', { class: 'muted', style: 'margin: 0 0 10px' }, '时间为北京时间；每个任务同一时间只运行一个，定时运行时正在手动运行的会跳过。'),
      table([
        { title: '任务', cell: j => [h('div', {}, j.name), h('div', { class: 'sub' }, j.description)] },
        { title: '计划', cell: j => h('code', {}, j.schedule) },
        { title: '上次运行', cell: j => j.last ? when(j.last.started) : h('span', { class: 'muted' }, '未运行') },
        { title: '耗时', num: true, cell: j => j.last ? `${j.last.duration_ms} ms` : '' },
        { title: '结果', cell: j => j.last
          ? [h('span', { class: 'tag ' + (j.last.ok ? 'ok' : 'bad') }, j.last.ok ? '成功' : '失败'), h('div', { class: 'sub' }, j.last.ok ? j.last.summary : j.last.error)]
          : '' },
        { title: '', cell: j => {
          const status = h('div', { class: 'job-status', 'data-job': j.name }, j.running ? progress(j.running) : '');
          cells.set(j.name, status);
          const b = h('button', { class: 'small', onclick: () => run(j, b, status) }, '立即运行');
          if (j.running || inFlight.has(j.name)) b.disabled = true;
          return [b, status];
        } },
      ], list));
    if (list.some(j => j.running) && !timer) timer = setTimeout(poll, POLL_MS);
  };
  render();
}
